"""Flagging a step as unclear answers with the unclear sheet and the message line only: the reading and the copilot
question the operator typed but has not sent stay on screen (walk finding P2-1), and a refused flag comes back with
its sheet open and the comment as typed."""

import pytest

from tests.browser.station_checks import PORTRAIT, station_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_flag_keeps_the_typed_reading_and_copilot_question(live_server, demo_plant, browser):
    page = station_page(browser, live_server.url, PORTRAIT)
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    page.goto(page.url.removesuffix("1/") + "4/")  # the torque check: a reading field in the action bar
    reading = page.get_by_test_id("measure")
    question = page.get_by_test_id("copilot-question")
    reading.fill("181")
    question.fill("Which socket for the clamp bolts?")

    page.get_by_test_id("unclear").click()
    sheet = page.locator("#sheet-unclear")
    sheet.locator("textarea[name=comment]").fill("Cross pattern: which bolt first?")
    page.get_by_test_id("flag").click()
    page.get_by_test_id("station-msg").get_by_text("step flagged as unclear").wait_for()
    assert not sheet.evaluate("el => el.matches(':popover-open')")
    assert reading.input_value() == "181"
    assert question.input_value() == "Which socket for the clamp bolts?"

    page.get_by_test_id("unclear").click()  # a new sheet: empty, and a refusal keeps it open with the comment
    comment = sheet.locator("textarea[name=comment]")
    assert comment.input_value() == ""
    comment.evaluate(
        "el => { el.value = 'Which bolt first? ' + 'x'.repeat(1000); }"
    )  # past the field's limit
    page.get_by_test_id("flag").click()
    sheet.get_by_test_id("flag-error").wait_for()
    assert "1,018 characters long; 1,000 at most" in sheet.get_by_test_id("flag-error").inner_text()
    assert sheet.evaluate("el => el.matches(':popover-open')")
    assert comment.input_value().startswith("Which bolt first? xxx")
    assert reading.input_value() == "181"
    assert question.input_value() == "Which socket for the clamp bolts?"
