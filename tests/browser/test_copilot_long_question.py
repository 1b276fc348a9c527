"""A long unbroken copilot question (a pasted serial number, a log line, a key held down) and its answer wrap
inside their bubbles: the station page never becomes wider than the tablet."""

import pytest

from copilot.models import CopilotQuestion
from tests.browser.station_checks import PORTRAIT, station_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
UNBROKEN = "W" * 490 + " D-40?"


def test_a_long_unbroken_question_wraps_in_its_bubble(live_server, demo_plant, browser, screenshot):
    page = station_page(browser, live_server.url, PORTRAIT)
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    page.locator("#copilot-panel.ws-offline").wait_for(state="detached")  # the socket is open

    # 5000 characters pasted: refused and kept in the box, the page still fits.
    page.get_by_test_id("copilot-question").fill("Q" * 5000)
    page.get_by_test_id("copilot-ask").click()
    page.locator("#copilot-error").get_by_text("keep it under 500 characters").wait_for()
    width, viewport = page.evaluate(PAGE_WIDTH)
    assert width <= viewport, f"the page is {width} px wide on a {viewport} px screen"

    # Under the limit but one unbroken word: asked, answered, and wrapped.
    page.get_by_test_id("copilot-question").fill(UNBROKEN)
    page.get_by_test_id("copilot-ask").click()
    bubble = page.locator(".copilot-msg .copilot-q", has_text="WWWW").first
    bubble.wait_for()
    page.wait_for_load_state("networkidle")
    screenshot(page, "station-copilot-long-question")
    assert CopilotQuestion.objects.filter(question=UNBROKEN).exists()
    width, viewport = page.evaluate(PAGE_WIDTH)
    assert width <= viewport, f"the page is {width} px wide on a {viewport} px screen"
    # The page itself clips what sticks out (it kept its width while the word ran past the screen's edge):
    # the question's text must end inside its bubble.
    inside = bubble.evaluate(
        """e => { const r = document.createRange(); r.selectNodeContents(e);
                  return [Math.round(r.getBoundingClientRect().right), Math.round(e.getBoundingClientRect().right),
                          e.scrollWidth <= e.clientWidth]; }"""
    )
    assert inside[0] <= inside[1] and inside[2], inside
    for message in page.locator(".copilot-msg").all():
        box = message.bounding_box()
        assert box and box["x"] + box["width"] <= viewport
