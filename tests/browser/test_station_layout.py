"""One step per screen: the action bar on screen in both orientations, messages beside it, the strip following."""

import pytest

from tests.browser.station_checks import (
    LANDSCAPE,
    PORTRAIT,
    assert_actions_on_screen,
    assert_current_step_in_strip,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_it_keeps_every_action_on_screen_and_the_message_beside_it(
    live_server, demo_plant, browser, screenshot, orientation
):
    viewport = LANDSCAPE if orientation == "landscape" else PORTRAIT
    context = browser.new_context(viewport=viewport, has_touch=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill("100107")  # Dwayne Porter, trainee: every caution and "why" expanded
    page.get_by_test_id("pin").fill("3870")
    page.get_by_test_id("pin").press("Enter")
    assert_actions_on_screen(page)
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    for order in (1, 2, 3):
        assert_actions_on_screen(page)
        page.get_by_test_id("done").click()
        page.wait_for_url(f"**/{order + 1}/")

    # The torque step: a typo answers right above Record, announced, with the field marked.
    page.get_by_test_id("measure").fill("abc")
    page.get_by_test_id("record").click()
    error = page.get_by_test_id("station-error")
    error.wait_for()
    assert "is not a number" in error.inner_text()
    assert page.get_by_test_id("station-msg").get_attribute("aria-live") == "polite"
    record = page.get_by_test_id("record").bounding_box()
    message = error.bounding_box()
    assert (
        0 <= record["y"] - (message["y"] + message["height"]) <= 40
    )  # directly above the button that caused it
    assert page.get_by_test_id("measure").get_attribute("aria-invalid") == "true"
    assert_actions_on_screen(page)
    screenshot(page, f"station-{orientation}-message-at-action")

    # The "not clocked in" button clocks in and puts the job on; back on this step, what it said sits above the
    # bar and the reading field and every action stay on screen.
    torque = page.url
    page.get_by_test_id("notice-clock-action").click()
    page.wait_for_url(torque)
    said = page.get_by_test_id("station-msg")
    assert "Job on: WO-24123-10" in said.inner_text()
    assert page.get_by_test_id("notice-clock").count() == 0
    assert page.get_by_test_id("measure").is_visible()
    assert_actions_on_screen(page)
    screenshot(page, f"station-{orientation}-clocked-in-message")

    # Done before a reading: the refusal is beside Done too.
    page.get_by_test_id("done").click()
    page.get_by_text("reading before marking done").wait_for()
    assert_actions_on_screen(page)

    # Far along the run the strip still shows the current step.
    page.goto(page.url.rsplit("/", 2)[0] + "/14/")
    assert_current_step_in_strip(page)
    assert page.locator("h1").is_visible()
    assert_actions_on_screen(page)
    screenshot(page, f"station-{orientation}-step-14")

    # Unclear and Defect open as sheets with their own buttons; Andon opens from the bar.
    page.get_by_test_id("defect").click()
    assert page.get_by_test_id("report-defect").is_visible()
    screenshot(page, f"station-{orientation}-defect-sheet")
    page.keyboard.press("Escape")
    page.get_by_test_id("andon").click()
    assert page.get_by_test_id("andon-maintenance").is_visible()
    screenshot(page, f"station-{orientation}-andon-sheet")
    context.close()


def test_the_keypad_types_a_reading_with_the_operators_decimal_comma(
    live_server, demo_plant, browser, screenshot
):
    context = browser.new_context(viewport=PORTRAIT, has_touch=True, locale="es-ES")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    # Nobody is signed in yet: the tablet's own language (es-ES) speaks (tests/languages/test_signin_language.py).
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_text("Escanee su gafete").is_visible()
    assert page.get_by_role("button", name="Iniciar sesión").is_visible()
    page.get_by_test_id("badge").fill("100101")  # Ana García, reads Spanish
    page.get_by_test_id("pin").fill("4821")
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    page.goto(page.url.rsplit("/", 2)[0] + "/4/")

    field = page.get_by_test_id("measure")
    field.tap()
    keypad = page.get_by_test_id("keypad")
    keypad.wait_for()
    assert page.get_by_test_id("key-decimal").inner_text() == ","
    for key in ("1", "8", "0", "decimal", "5"):
        page.get_by_test_id(f"key-{key}").tap()
    assert field.input_value() == "180,5"
    page.get_by_test_id("key-±").tap()
    assert field.input_value() == "-180,5"
    screenshot(page, "station-portrait-keypad")
    page.get_by_test_id("key-clear").tap()
    assert field.input_value() == ""
    for key in ("1", "8", "1", "decimal", "5", "enter"):
        page.get_by_test_id(f"key-{key}").tap()
    page.locator(".readings .ok").wait_for()
    assert "181,5" in page.locator(".readings .ok").inner_text()
    assert_actions_on_screen(page)
    context.close()
