"""The copilot's answer on the station step page, on a real tablet screen: in view when asked, citations big
enough for a gloved finger (a real browser against the real ASGI server, websockets included)."""

import pytest

from tests.browser.conftest import browser, live_server, screenshot  # noqa: F401  (shared browser fixtures)
from tests.browser.station_checks import station_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOUCH = 44  # px: the smallest target a gloved operator can hit


@pytest.fixture
def asgi_server(live_server, library):  # noqa: F811
    """The journeys' live server (the project's ASGI app, websockets included), with the library indexed."""
    return live_server.url


def _visible_area(page, selector: str) -> dict:
    """The part of the element on screen: its box clipped by every scrolling ancestor and the window."""
    return page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            const box = el.getBoundingClientRect();
            let top = 0, bottom = window.innerHeight, left = 0, right = window.innerWidth;
            for (let p = el.parentElement; p; p = p.parentElement) {
                if (getComputedStyle(p).overflowY === 'visible') continue;
                const r = p.getBoundingClientRect();
                top = Math.max(top, r.top); bottom = Math.min(bottom, r.bottom);
                left = Math.max(left, r.left); right = Math.min(right, r.right);
            }
            // Nothing painted over it either: the step's action bar sits below the scrolling step.
            const bar = document.querySelector('.actionbar');
            if (bar) bottom = Math.min(bottom, bar.getBoundingClientRect().top);
            return {top: box.top, bottom: box.bottom, height: box.height, viewTop: top, viewBottom: bottom};
        }""",
        selector,
    )


# Resolves once no scroll position on the page has changed for 5 animation frames in a row.
SCROLL_SETTLED = """() => new Promise(resolve => {
  let last = null, same = 0;
  const tick = () => {
    const now = [...document.querySelectorAll('*')].map(e => e.scrollTop).join() + ':' + window.scrollY;
    if (now === last) { if (++same >= 5) return resolve(); } else { same = 0; last = now; }
    requestAnimationFrame(tick);
  };
  tick();
})"""


def _ask(browser, asgi_server: str, width: int, height: int):  # noqa: F811
    """Ana at the 400 t press tablet, on step 1 of WO-24123-10, asks how to clear a jam; returns the page once
    the final answer has replaced the streamed one."""
    page = station_page(browser, asgi_server, {"width": width, "height": height}, badge="100101", pin="4821")
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    page.get_by_test_id("copilot-question").fill("how do I clear a jam on station 5?")
    page.get_by_test_id("copilot-ask").tap()
    page.get_by_test_id("copilot-answer").wait_for()
    page.wait_for_function("() => !document.querySelector('.copilot-msg.is-streaming')")
    page.evaluate(SCROLL_SETTLED)  # a smooth scroll may take longer than a fixed wait on a loaded machine
    return page


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)], ids=["landscape", "portrait"])
def test_the_answer_comes_into_view_when_asked(asgi_server, browser, screenshot, size):  # noqa: F811
    page = _ask(browser, asgi_server, *size)
    screenshot(page, "copilot-answer-in-view-{}x{}".format(*size))

    answer = _visible_area(page, '[data-testid="copilot-answer"]')
    room = (
        answer["viewBottom"] - answer["viewTop"]
    )  # the step's visible height, between the strip and the bar
    assert answer["viewTop"] - 1 <= answer["top"] <= answer["viewBottom"], answer  # it starts on screen
    if answer["height"] <= room:
        assert answer["bottom"] <= answer["viewBottom"] + 1, answer  # and all of it is on screen
    else:  # taller than the screen: from its start, as much of it as the screen holds
        assert answer["top"] <= answer["viewTop"] + 16, answer


def test_citations_are_big_enough_for_a_gloved_finger(asgi_server, browser, screenshot):  # noqa: F811
    page = _ask(browser, asgi_server, 1280, 800)
    citations = page.locator(
        '[data-testid="copilot-answer"] a.cite, [data-testid="copilot-answer"] .copilot-sources a'
    )
    assert page.locator('[data-testid="copilot-answer"] a.cite').count() >= 2
    assert page.locator('[data-testid="copilot-answer"] .copilot-sources a').count() >= 2
    for i in range(citations.count()):
        box = citations.nth(i).bounding_box()
        assert box["height"] >= TOUCH and box["width"] >= TOUCH, (citations.nth(i).inner_text(), box)
