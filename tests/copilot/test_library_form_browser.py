"""The knowledge library's upload form on the desk, in a real browser: who may see a document is a labelled
group of checkboxes a finger can hit."""

import pytest

from plexcopilot.roles import ROLE_CHOICES
from tests.browser.conftest import browser, live_server, screenshot  # noqa: F401  (shared browser fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUALITY = "300301"


@pytest.mark.parametrize("viewport", [(1280, 900), (800, 1280)], ids=["landscape", "portrait"])
def test_visible_to_is_a_checkbox_group(demo_plant, live_server, browser, screenshot, viewport):  # noqa: F811
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", QUALITY)
    page.fill("input[name=password]", "northfield-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/copilot/library/")

    group = page.get_by_role("group", name="Visible to")
    page_shot = screenshot(page, f"library-upload-{width}x{height}")
    group.screenshot(path=str(page_shot.with_name(f"library-visible-to-{width}x{height}.png")))
    boxes = []
    for value, label in ROLE_CHOICES:
        checkbox = group.get_by_role(
            "checkbox", name=label, exact=True
        )  # each checkbox named by its own label
        assert checkbox.get_attribute("value") == value
        row = checkbox.locator("xpath=ancestor::label[1]")
        row_box, box = row.bounding_box(), checkbox.bounding_box()
        assert row_box["height"] >= 44, (label, row_box)  # the whole row is the target, not the 13 px box
        assert box["width"] >= 20 and box["height"] >= 20, (label, box)
        assert abs((box["y"] + box["height"] / 2) - (row_box["y"] + row_box["height"] / 2)) <= 2, (
            label
        )  # centred
        boxes.append(box)
        row.tap()
        assert checkbox.is_checked(), label  # a tap on the label's text ticks it
    columns = {round(b["x"]) for b in boxes}
    rows = {round(b["y"]) for b in boxes}
    assert len(columns) * (len(rows) - 1) < len(boxes) <= len(columns) * len(rows), (
        boxes
    )  # a grid, no stragglers
    context.close()
