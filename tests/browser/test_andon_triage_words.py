"""The Andon board's Triage column keeps its words whole (a walkthrough found it one letter per line next to a
long note) at a desk's 1280x800 and a portrait tablet's 800x1280, and the board still fits the screen."""

import pytest

from instructions.models import Station
from labor.andon import andon_raise
from plexcopilot.models import Employee
from tests.browser.station_checks import LANDSCAPE, PORTRAIT, desk_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every word of the Triage cells that the browser laid out on more than one line.
SPLIT_WORDS = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('.andon-table td[data-label="Triage"]')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
        if (tops.size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}"""


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_the_triage_column_keeps_its_words_whole(live_server, demo_plant, browser, screenshot, viewport):
    from labor.demo import labor_demo_load

    labor_demo_load()
    station = Station.objects.get(code="ST-PRS-400")
    andon_raise(station=station, employee=Employee.objects.get(badge_id="100107"), category="maintenance",
                note="Coil end on the press, the die is cracked at the corner. " + "N" * 400)  # fmt: skip
    page = desk_page(browser, live_server.url, "200201", viewport)
    page.goto(f"{live_server.url}/labor/andon/")
    page.wait_for_load_state("networkidle")  # the board is swapped in again when its websocket connects
    page.locator('.andon-table td[data-label="Triage"]').first.wait_for()
    screenshot(page, f"desk-andon-triage-{viewport['width']}x{viewport['height']}")
    assert page.locator('.andon-table td[data-label="Triage"]').count() >= 2
    assert page.evaluate(SPLIT_WORDS) == []
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width} px wide on a {inner} px screen"
