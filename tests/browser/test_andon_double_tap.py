"""A gloved double tap on one Andon button raises one call, never a second call of another kind.

The sheet used to be anchored at the bottom and grow with its status list: the first tap's "sending…" row pushed
the button grid up (~98 px) and the second tap landed on the button below (Maintenance + Material, Quality +
Safety). Now the buttons are disabled while the call is sent and the grid stays where it was."""

import pytest

from labor.models import AndonCall
from tests.browser.station_checks import LANDSCAPE, PORTRAIT, station_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTON_BOXES = """() => [...document.querySelectorAll('#andon-sheet button[name=category]')].map(b => {
    const r = b.getBoundingClientRect();
    return {category: b.value, x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), h: Math.round(r.height)};
})"""


def open_andon_sheet(browser, live_server, viewport):
    page = station_page(browser, live_server.url, viewport)
    page.get_by_test_id("andon").tap()
    page.locator("#andon-sheet button[name=category]").first.wait_for()
    return page.context, page


def sent(page) -> None:
    """Wait until the tablet's queue is empty and the server's answer is on screen."""
    page.wait_for_function(
        "() => JSON.parse(localStorage.getItem('plexcopilot-andon-queue') || '[]').length === 0"
    )
    page.locator("#andon-state .andon-state-raised:not(.andon-pending)").first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#andon-sheet button[name=category]')].every(b => !b.disabled)"
    )


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
@pytest.mark.parametrize("category", ["maintenance", "quality"])
def test_a_double_tap_on_one_andon_button_raises_exactly_one_call(
    live_server, demo_plant, browser, viewport, category
):
    before = AndonCall.objects.count()
    context, page = open_andon_sheet(browser, live_server, viewport)
    boxes = page.evaluate(BUTTON_BOXES)
    box = next(b for b in boxes if b["category"] == category)
    x, y = box["x"] + box["w"] / 2, box["y"] + box["h"] / 2

    page.touchscreen.tap(x, y)
    # Every category button is disabled while the call is sent: the second tap of a double tap cannot call.
    # (waited for: a loaded machine may dispatch the tap's click a little later)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#andon-sheet button[name=category]')].every(b => b.disabled)",
        timeout=3000,
    )
    page.wait_for_timeout(150)
    # ... and nothing moved under the finger: the grid is where it was before the first tap.
    assert page.evaluate(BUTTON_BOXES) == boxes
    page.touchscreen.tap(x, y)
    sent(page)

    calls = list(AndonCall.objects.order_by("pk")[before:].values_list("category", flat=True))
    assert calls == [category]
    assert page.evaluate(BUTTON_BOXES) == boxes  # the server's status list did not move the grid either
    assert not page.locator("#andon-sheet input[name=line_down]").is_checked()  # no stray tap on the checkbox
    context.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_a_slow_second_tap_at_the_same_point_joins_the_open_call(live_server, demo_plant, browser, viewport):
    """Once the first call is confirmed the buttons are live again, in the same place: a second tap on the same
    button joins the open call (labor.andon.andon_repeat_of), and another category is still one tap away."""
    before = AndonCall.objects.count()
    context, page = open_andon_sheet(browser, live_server, viewport)
    boxes = page.evaluate(BUTTON_BOXES)
    box = next(b for b in boxes if b["category"] == "maintenance")
    x, y = box["x"] + box["w"] / 2, box["y"] + box["h"] / 2
    page.touchscreen.tap(x, y)
    sent(page)
    assert page.evaluate(BUTTON_BOXES) == boxes
    page.touchscreen.tap(x, y)
    sent(page)
    assert list(AndonCall.objects.order_by("pk")[before:].values_list("category", flat=True)) == [
        "maintenance"
    ]
    page.get_by_test_id("andon-safety").tap()  # a real Safety call right after is never blocked
    sent(page)
    assert list(AndonCall.objects.order_by("pk")[before:].values_list("category", flat=True)) == [
        "maintenance",
        "safety",
    ]
    assert page.evaluate(BUTTON_BOXES) == boxes
    context.close()
