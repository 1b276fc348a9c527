"""Sign-in to close-out at the press, for a trainee, an expert reading Spanish and an operator whose
certification expired — in landscape and portrait, never scrolling to reach an action."""

import pytest

from instructions.models import CertificationOverride, CriticalSignoff, ProductionReport, StepCompletion
from tests.browser.station_checks import LANDSCAPE, PORTRAIT, assert_actions_on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READINGS = {4: "180", 9: "10.50", 10: "32.0", 11: "18.0"}  # in spec: torque, hole, position, flange
OPERATORS = {
    "trainee": ("100107", "3870", "en"),  # Dwayne Porter, PRESS-OP trainee
    "spanish-expert": ("100101", "4821", "es"),  # Ana García, PRESS-OP expert, reads Spanish
    "expired": ("100105", "2248", "en"),  # Marcus, PRESS-OP expired 9 days ago
}
SUPERVISOR = ("200201", "5729")  # Rosa Delgado
QUALITY = ("300301", "6640")


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
@pytest.mark.parametrize("who", list(OPERATORS))
def test_an_operator_goes_from_sign_in_to_close_out_without_scrolling(
    live_server, demo_plant, browser, screenshot, who, orientation
):
    badge, pin, language = OPERATORS[who]
    viewport = LANDSCAPE if orientation == "landscape" else PORTRAIT
    context = browser.new_context(viewport=viewport, has_touch=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    name = f"journey-{who}-{orientation}"

    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill(badge)
    page.get_by_test_id("pin").fill(pin)
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").wait_for()
    assert page.locator("html").get_attribute("lang") == language
    assert_actions_on_screen(page)
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    screenshot(page, f"{name}-step-1")

    for order in range(1, 16):
        page.locator(f'#step-panel[data-step="{order}"]').wait_for()
        assert_actions_on_screen(page)
        if page.get_by_test_id("gate").count():
            # The expired operator stops at the first safety-critical step until a supervisor overrides.
            screenshot(page, f"{name}-gate")
            page.locator("input[name=supervisor_badge]").fill(SUPERVISOR[0])
            page.locator("input[name=supervisor_pin]").fill(SUPERVISOR[1])
            page.locator("input[name=reason]").fill("Recertification booked; supervised run")
            page.get_by_test_id("override").click()
            page.get_by_test_id("gate").wait_for(state="detached")
            assert_actions_on_screen(page)
        if order in READINGS:
            value = READINGS[order].replace(".", ",") if language != "en" else READINGS[order]
            page.get_by_test_id("measure").fill(value)
            page.get_by_test_id("measure").press("Enter")  # a wedge gauge types and presses Enter
            page.locator(".readings .ok").wait_for()
            assert_actions_on_screen(page)
        if page.get_by_test_id("needs-signoff").count():
            page.get_by_test_id("done").click()
            page.get_by_test_id("signoff-badge").fill(QUALITY[0])
            page.get_by_test_id("signoff-pin").fill(QUALITY[1])
            screenshot(page, f"{name}-signoff")
            page.get_by_test_id("signoff-submit").click()
        else:
            page.get_by_test_id("done").click()
        if order < 15:
            page.wait_for_url(f"**/{order + 1}/")
    page.wait_for_url("**/closeout/")

    assert_actions_on_screen(page)
    page.get_by_test_id("good").fill("240")
    page.get_by_test_id("scrap").fill("3")
    page.get_by_test_id("scrap-reason").select_option("setup")
    screenshot(page, f"{name}-closeout")
    page.get_by_test_id("closeout-submit").click()
    page.get_by_test_id("closeout-done").wait_for()
    assert_actions_on_screen(page)
    screenshot(page, f"{name}-closed")
    context.close()

    report = ProductionReport.objects.get()
    assert (report.good, report.scrap, report.scrap_reason) == (240, 3, "setup")
    assert report.reported_by.badge_id == badge
    assert StepCompletion.objects.filter(execution=report.execution).count() == 15
    assert CriticalSignoff.objects.get().signer.badge_id == QUALITY[0]
    assert CertificationOverride.objects.exists() == (who == "expired")
