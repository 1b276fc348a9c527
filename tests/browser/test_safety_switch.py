"""A safety-critical release reaches two tablets with runs in progress: each stops at its next step boundary
with a full-width notice in its operator's language, moves to the new version and acknowledges the change."""

import pytest

from instructions.models import ChangeProposal, Execution, VersionSwitch, WorkInstruction, WorkOrder
from instructions.publishing import version_publish
from tests.browser.station_checks import LANDSCAPE, PORTRAIT, assert_actions_on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDGE_TEST = (
    "In inch mode, break the light curtain with the 30 mm test rod at the left edge, the middle and the right "
    "edge; the ram must stop every time."
)


def tablet(browser, live_server, viewport, badge, pin, barcode):
    context = browser.new_context(viewport=viewport, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill(badge)
    page.get_by_test_id("pin").fill(pin)
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").fill(barcode)
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    return context, page


def release_safety_change():
    instruction = WorkInstruction.objects.get(title__startswith="Stamp and pierce")
    current = instruction.current_version
    steps = [s.content() for s in current.steps.order_by("order")]
    steps[5] = dict(steps[5], text=EDGE_TEST)  # "Remove lockout and test the light curtain"
    version = version_publish(instruction=instruction, steps=steps, published_by=None, base_version=current,
                              change_note="Light curtain tested at both side edges: a dead edge beam was found")  # fmt: skip
    ChangeProposal.objects.create(
        instruction=instruction, base_version=current, source="quality_engineer", status="approved",
        risk="safety_critical", summary="Light curtain edges", rationale="A dead edge beam was found",
        content_hash=version.content_hash, published_version=version,
    )  # fmt: skip
    return version


def test_two_tablets_are_stopped_at_the_next_step_and_moved_to_the_new_version(
    live_server, demo_plant, browser, screenshot
):
    first = WorkOrder.objects.get(barcode="WO-24123-10")
    WorkOrder.objects.create(number="WO-24130", barcode="WO-24130-10", part=first.part, operation=first.operation,
                             quantity=500)  # fmt: skip
    context_a, a = tablet(browser, live_server, LANDSCAPE, "100107", "3870", "WO-24123-10")  # Dwayne, English
    context_b, b = tablet(browser, live_server, PORTRAIT, "100101", "4821", "WO-24130-10")  # Ana, Spanish
    for order in (1, 2):
        a.get_by_test_id("done").click()
        a.wait_for_url(f"**/{order + 1}/")

    v2 = release_safety_change()

    # Each tablet finishes the step in hand; the next boundary stops it with the notice, in its language.
    a.get_by_test_id("done").click()
    a.get_by_test_id("switch-notice").wait_for()
    assert "safety-critical change" in a.get_by_test_id("switch-notice").inner_text()
    assert EDGE_TEST in a.get_by_test_id("switch-steps").inner_text()
    assert_actions_on_screen(a)
    screenshot(a, "safety-switch-landscape-en")
    b.get_by_test_id("done").click()
    b.get_by_test_id("switch-notice").wait_for()
    assert "cambio crítico para la seguridad" in b.get_by_test_id("switch-notice").inner_text()
    assert_actions_on_screen(b)
    screenshot(b, "safety-switch-portrait-es")

    a.get_by_test_id("switch-ack").click()
    a.wait_for_url("**/4/")
    assert "Version 2" in a.locator(".strip-head").inner_text()
    b.get_by_test_id("switch-ack").click()
    b.wait_for_url("**/2/")
    a.goto(a.url.rsplit("/", 2)[0] + "/6/")
    assert EDGE_TEST in a.locator(".step-text").inner_text()
    assert not a.locator(".strip-step.is-current.is-done").count()  # the changed step is to be done again
    context_a.close()
    context_b.close()

    assert set(Execution.objects.values_list("version", flat=True)) == {v2.pk}
    assert VersionSwitch.objects.count() == 2
