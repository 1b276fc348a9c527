"""Back and Forward on a station tablet show each step as it is now.

htmx pushes each step's URL; before, Back after "Done" brought the step back from htmx's snapshot (or the browser's
cache) un-done, with a live Done button. Station screens keep no snapshot (hx-history="false"), are never cached
(Cache-Control: no-store) and reload from the server on Back; after a sign-out, Back shows no operator's screen.
"""

import pytest

from instructions.models import Execution, StepCompletion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_after_done_shows_the_step_done_without_a_done_button(
    live_server, demo_plant, tablet, screenshot
):
    page = tablet
    signin = page.goto(f"{live_server.url}/station/ST-PRS-400/")
    assert "no-store" in signin.headers["cache-control"]
    page.get_by_test_id("badge").fill("100107")
    page.get_by_test_id("pin").fill("3870")
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").fill("WO-24123-10")
    with page.expect_response("**/station/run/**/1/") as first:
        page.get_by_test_id("scan").press("Enter")
    assert "no-store" in first.value.headers["cache-control"]
    step_one = page.locator("h1").inner_text()

    page.get_by_test_id("done").click()
    page.wait_for_url("**/2/")
    page.go_back()
    page.wait_for_url("**/1/")
    page.locator('#station-main[data-current="1"]').wait_for()  # the page htmx reloaded for step 1
    assert page.locator(".tag-done").is_visible()  # the server's step 1: done
    assert page.locator("h1").inner_text() == step_one
    assert page.get_by_test_id("done").count() == 0  # no live Done button on a done step
    assert page.get_by_test_id("next").is_visible()
    screenshot(page, "station-back-after-done")

    # Forward: step 2 as the server has it (not done, its Done button live); Done there, then away and Back.
    page.go_forward()
    page.wait_for_url("**/2/")
    page.locator('#station-main[data-current="2"]').wait_for()
    assert page.locator(".tag-done").count() == 0 and page.get_by_test_id("done").is_visible()
    page.get_by_test_id("done").click()
    page.wait_for_url("**/3/")
    page.goto(f"{live_server.url}/station/home/")
    page.go_back()
    page.wait_for_url("**/3/")
    page.locator('#station-main[data-current="3"]').wait_for()
    assert page.locator(".strip-step.is-done").count() == 2
    execution = Execution.objects.get(work_order__barcode="WO-24123-10")
    assert StepCompletion.objects.filter(execution=execution).count() == 2  # Back never re-did a step

    # Signed out: Back brings no operator's screen back from the browser.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_test_id("badge").wait_for()
    page.go_back()
    page.wait_for_load_state()
    assert page.get_by_test_id("done").count() == 0 and page.locator(".strip-step").count() == 0
