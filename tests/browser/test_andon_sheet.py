"""The Andon sheet on a gloved tablet: "The machine is stopped" is a glove-sized checkbox on a row that toggles it."""

import pytest

from tests.browser.station_checks import LANDSCAPE, PORTRAIT, station_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MIN_TARGET = 44


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_the_machine_stopped_checkbox_is_a_glove_sized_target(live_server, demo_plant, browser, viewport):
    page = station_page(browser, live_server.url, viewport)
    page.get_by_test_id("andon").tap()
    checkbox = page.locator("#andon-sheet input[name=line_down]")
    row = page.locator("#andon-sheet label.check-big")
    box, row_box = checkbox.bounding_box(), row.bounding_box()
    assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, box
    assert row_box["height"] >= MIN_TARGET, row_box
    assert box["x"] >= row_box["x"] and box["x"] + box["width"] <= row_box["x"] + row_box["width"]
    # The whole row is the target: a tap on its words ticks the box, a second one clears it.
    page.get_by_text("The machine is stopped").tap()
    assert checkbox.is_checked()
    page.get_by_text("The machine is stopped").tap()
    assert not checkbox.is_checked()
    page.context.close()
