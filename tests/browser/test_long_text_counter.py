"""A long text pasted into a free-text field is never cut by the browser: the field counts it against its limit
and warns when it is over, and the server's refusal gives it back whole (here: the operator's copilot question)."""

import pytest

from copilot.models import CopilotQuestion
from labor.models import AndonCall
from tests.browser.station_checks import PORTRAIT, station_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = (
    "Coil end on the press, the die is cracked at the corner and the nut feeder is empty. " * 6
).strip()  # 509
QUESTION = "Which torque for the clamp bolts of die D-40, and in which order do I tighten them? " * 8  # 672


def test_a_pasted_question_over_the_limit_is_counted_warned_and_kept(live_server, demo_plant, browser):
    page = station_page(browser, live_server.url, PORTRAIT)
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    page.locator("#copilot-panel.ws-offline").wait_for(state="detached")  # the socket is open
    question = page.get_by_test_id("copilot-question")
    count = page.locator("#copilot-panel").get_by_test_id("char-count")

    question.fill("Which socket?")
    assert count.inner_text() == "13 / 500"
    assert "is-over" not in (count.get_attribute("class") or "")

    question.fill(QUESTION[:600])  # as a paste lands: all at once; a maxlength would keep only 500
    assert question.input_value() == QUESTION[:600]
    assert count.inner_text() == "600 / 500"
    assert "is-over" in count.get_attribute("class")
    assert count.evaluate("el => getComputedStyle(el).color") != question.evaluate(
        "el => getComputedStyle(el.closest('label')).color"
    )  # the warning colour, not the label's

    page.get_by_test_id("copilot-ask").click()
    page.locator("#copilot-error").get_by_text("keep it under 500 characters").wait_for()
    # Sent, refused, and put back: every character, still counted as over.
    assert page.get_by_test_id("copilot-question").input_value() == QUESTION[:600]
    assert count.inner_text() == "600 / 500"
    assert not CopilotQuestion.objects.exists()


def test_an_andon_note_over_the_limit_still_calls_for_help_and_says_what_went(
    live_server, demo_plant, browser
):
    page = station_page(browser, live_server.url, PORTRAIT)
    page.get_by_test_id("andon").tap()
    sheet = page.locator("#andon-sheet")
    note = sheet.locator("input[name=note]")
    note.fill(NOTE)
    assert note.input_value() == NOTE and sheet.get_by_test_id("char-count").inner_text() == "509 / 500"
    sheet.get_by_text("The machine is stopped").tap()
    sheet.get_by_test_id("andon-maintenance").tap()
    page.get_by_text("Your note was 509 characters long: its first 500 went with the call").wait_for()
    call = AndonCall.objects.get()
    assert call.line_down and call.note == NOTE.strip()[:500].strip()
