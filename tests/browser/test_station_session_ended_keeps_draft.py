"""A defect typed on the station when the session has ended (cookies gone, or it expired) is not lost: the
refusal says to sign in again, and after signing in the same step's sheet opens with what was typed."""

import pytest

from quality.models import DefectReport
from tests.browser.station_checks import PORTRAIT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BURR = "Rebaba grande en el borde del agujero 3"


def sign_in_and_scan(page, url: str) -> None:
    page.get_by_test_id("badge").fill("100101")  # Ana, Spanish
    page.get_by_test_id("pin").fill("4821")
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")


def test_a_defect_typed_when_the_session_ended_is_back_after_signing_in(
    live_server, demo_plant, browser, console, screenshot
):
    console.expect(r"Failed to load resource: the server responded with a status of 403")
    console.expect(r"Response Status Error Code 403 from /station/run/")
    context = browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    sign_in_and_scan(page, live_server.url)
    run_url = page.url

    page.get_by_test_id("defect").click()
    sheet = page.locator("#sheet-defect")
    sheet.get_by_test_id("defect-category").select_option("surface")
    sheet.locator("input[name=quantity]").fill("2")
    sheet.locator("textarea[name=description]").fill(BURR)
    context.clear_cookies()  # the session is gone
    page.get_by_test_id("report-defect").click()

    message = sheet.get_by_test_id("outage-banner")
    message.wait_for()
    text = message.inner_text()
    assert "Inicie sesión de nuevo" in text, text
    assert "Recargue la página" not in text
    assert sheet.locator("textarea[name=description]").input_value() == BURR
    screenshot(page, "station-session-ended-es")

    # Following the advice: the sign-in the banner offers, then the same work order.
    message.get_by_test_id("sign-in-again").click()
    page.wait_for_url("**/station/**")
    if page.get_by_test_id("badge").count() == 0:
        page.goto(f"{live_server.url}/station/ST-PRS-400/")
    sign_in_and_scan(page, live_server.url)
    assert page.url == run_url
    sheet.locator("textarea[name=description]").wait_for(state="visible")  # the sheet opens by itself
    assert sheet.locator("textarea[name=description]").input_value() == BURR
    assert sheet.get_by_test_id("defect-category").input_value() == "surface"
    assert sheet.locator("input[name=quantity]").input_value() == "2"
    assert "lo que escribió" in sheet.get_by_test_id("outage-banner").inner_text()
    screenshot(page, "station-session-ended-draft-back-es")

    page.get_by_test_id("report-defect").click()
    page.get_by_text("Defecto reportado (sin foto)", exact=False).first.wait_for()
    defect = DefectReport.objects.get(description=BURR)
    assert (defect.category, defect.quantity) == ("surface", 2)
    context.close()
