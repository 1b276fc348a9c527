"""A defect typed on the station when the session has ended (cookies gone, or it expired) is not lost: the
refusal says to sign in again, and after signing in the same step's sheet opens with what was typed — for the same
person only. Another operator signing in on the shared tablet gets an empty sheet (the draft is dropped), and a
badge or PIN typed in a refused form is never kept in the tab."""

import pytest

from quality.models import DefectReport
from tests.browser.station_checks import PORTRAIT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BURR = "Rebaba grande en el borde del agujero 3"


ANA = ("100101", "4821")  # Spanish, PRESS-OP expert
DWAYNE = ("100107", "3870")  # English, PRESS-OP trainee
MARCUS = ("100105", "2248")  # English, PRESS-OP expired: the gate asks for a supervisor override
SUPERVISOR = ("200201", "5729")  # Rosa Delgado


def sign_in_and_scan(page, url: str, who: tuple[str, str] = ANA) -> None:
    page.get_by_test_id("badge").fill(who[0])
    page.get_by_test_id("pin").fill(who[1])
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")


def station_tablet(browser, live_server):
    context = browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    return context, page


def type_a_defect_and_lose_the_session(page, context):
    page.get_by_test_id("defect").click()
    sheet = page.locator("#sheet-defect")
    sheet.get_by_test_id("defect-category").select_option("surface")
    sheet.locator("input[name=quantity]").fill("2")
    sheet.locator("textarea[name=description]").fill(BURR)
    context.clear_cookies()  # the session is gone
    page.get_by_test_id("report-defect").click()
    message = sheet.get_by_test_id("outage-banner")
    message.wait_for()
    return sheet, message


def stored(page) -> str:
    return page.evaluate("JSON.stringify(sessionStorage)")


def test_a_defect_typed_when_the_session_ended_is_back_after_signing_in(
    live_server, demo_plant, browser, console, screenshot
):
    console.expect(r"Failed to load resource: the server responded with a status of 403")
    console.expect(r"Response Status Error Code 403 from /station/run/")
    context, page = station_tablet(browser, live_server)
    sign_in_and_scan(page, live_server.url)
    run_url = page.url

    sheet, message = type_a_defect_and_lose_the_session(page, context)
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


def test_another_operator_signing_in_on_the_tablet_gets_no_draft_and_it_is_dropped(
    live_server, demo_plant, browser, console
):
    """Ana's session ended with a defect typed; Dwayne signs in on the same tablet and takes over her run at the
    same step: his defect sheet is empty and closed, and Ana's draft is gone from the tab."""
    console.expect(r"Failed to load resource: the server responded with a status of 403")
    console.expect(r"Response Status Error Code 403 from /station/run/")
    context, page = station_tablet(browser, live_server)
    sign_in_and_scan(page, live_server.url)
    run_url = page.url
    _sheet, message = type_a_defect_and_lose_the_session(page, context)
    assert BURR in stored(page)  # kept for Ana

    message.get_by_test_id("sign-in-again").click()
    page.wait_for_url("**/station/**")
    if page.get_by_test_id("badge").count() == 0:
        page.goto(f"{live_server.url}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill(DWAYNE[0])
    page.get_by_test_id("pin").fill(DWAYNE[1])
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").wait_for()
    assert BURR not in stored(page)  # dropped the moment another person's screen opened

    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.get_by_test_id("take-over").click()  # Ana's run, at the same step
    page.wait_for_url(run_url)
    page.locator('#step-panel[data-step="1"]').wait_for()
    sheet = page.locator("#sheet-defect")
    assert not sheet.is_visible()
    assert sheet.locator("textarea[name=description]").input_value() == ""
    assert page.get_by_test_id("outage-banner").count() == 0
    assert not DefectReport.objects.filter(description=BURR).exists()
    context.close()


def test_a_badge_or_pin_typed_in_a_refused_form_is_not_kept_in_the_tab(
    live_server, demo_plant, browser, console
):
    """The supervisor override refused because the session ended: the reason is kept for the operator, the
    supervisor's badge and PIN are not (a shared tablet must not hold a supervisor's badge number)."""
    console.expect(r"Failed to load resource: the server responded with a status of 403")
    console.expect(r"Response Status Error Code 403 from /station/run/")
    context, page = station_tablet(browser, live_server)
    sign_in_and_scan(page, live_server.url, MARCUS)
    page.goto(page.url.removesuffix("1/") + "3/")  # the first safety-critical step: the gate
    page.get_by_test_id("gate").wait_for()
    page.locator("input[name=supervisor_badge]").fill(SUPERVISOR[0])
    page.locator("input[name=supervisor_pin]").fill(SUPERVISOR[1])
    page.locator("input[name=reason]").fill("Recertification booked; supervised run")
    context.clear_cookies()  # the session is gone
    page.get_by_test_id("override").click()
    page.get_by_test_id("sign-in-again").wait_for()  # refused: the session ended

    kept = stored(page)
    assert "Recertification booked" in kept, kept
    assert SUPERVISOR[0] not in kept and SUPERVISOR[1] not in kept, kept
    assert "supervisor_badge" not in kept and "csrfmiddlewaretoken" not in kept, kept
    context.close()


def sign_in_again_as_ana(page, live_server, message) -> None:
    message.get_by_test_id("sign-in-again").click()
    page.wait_for_url("**/station/**")
    if page.get_by_test_id("badge").count() == 0:
        page.goto(f"{live_server.url}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill(ANA[0])
    page.get_by_test_id("pin").fill(ANA[1])
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").wait_for()


def test_signing_out_drops_the_drafts(live_server, demo_plant, browser, console):
    console.expect(r"Failed to load resource: the server responded with a status of 403")
    console.expect(r"Response Status Error Code 403 from /station/run/")
    context, page = station_tablet(browser, live_server)
    sign_in_and_scan(page, live_server.url)
    _sheet, message = type_a_defect_and_lose_the_session(page, context)
    sign_in_again_as_ana(page, live_server, message)
    assert BURR in stored(page)  # still hers, for when the step opens again

    page.get_by_role("button", name="Cerrar sesión").click()
    page.get_by_test_id("badge").wait_for()
    assert BURR not in stored(page)
    context.close()


def test_a_draft_older_than_half_an_hour_is_not_put_back(live_server, demo_plant, browser, console):
    console.expect(r"Failed to load resource: the server responded with a status of 403")
    console.expect(r"Response Status Error Code 403 from /station/run/")
    context, page = station_tablet(browser, live_server)
    page.clock.install()
    sign_in_and_scan(page, live_server.url)
    run_url = page.url
    _sheet, message = type_a_defect_and_lose_the_session(page, context)
    page.clock.set_system_time(page.evaluate("Date.now()") + 31 * 60 * 1000)  # the tablet sat for 31 minutes
    sign_in_again_as_ana(page, live_server, message)
    assert BURR not in stored(page)

    page.goto(run_url)
    page.locator('#step-panel[data-step="1"]').wait_for()
    sheet = page.locator("#sheet-defect")
    assert not sheet.is_visible()
    assert sheet.locator("textarea[name=description]").input_value() == ""
    context.close()
