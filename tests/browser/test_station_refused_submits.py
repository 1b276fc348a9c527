"""Submits the server refuses before they reach a view still tell the person why, and keep what was typed:
a defect photo over the upload limit (413) on the station, a form whose CSRF token went stale (403) at the desk."""

import pytest
from django.conf import settings

from instructions.models import WorkOrder
from tests.browser.station_checks import PORTRAIT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_photo_over_the_limit_says_so_in_the_operators_language_and_keeps_the_sheet(
    live_server, demo_plant, browser, console, tmp_path, screenshot
):
    first = WorkOrder.objects.get(barcode="WO-24123-10")
    WorkOrder.objects.create(number="WO-24140", barcode="WO-24140-10", part=first.part, operation=first.operation,
                             quantity=500)  # fmt: skip
    limit = settings.UPLOAD_FILE_MAX_BYTES
    assert limit == settings.PHOTO_MAX_BYTES == 15 * 1024 * 1024
    huge = tmp_path / "huge.jpg"  # a camera JPEG's header, then bytes up to 2 MB past the limit
    huge.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * (limit + 2 * 1024 * 1024))
    console.expect(r"Failed to load resource: the server responded with a status of 413")
    console.expect(r"Response Status Error Code 413 from /station/run/")  # htmx logs the refusal
    context = browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill("100101")  # Ana, Spanish
    page.get_by_test_id("pin").fill("4821")
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").fill("WO-24140-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")

    page.get_by_test_id("defect").click()
    sheet = page.locator("#sheet-defect")
    description = sheet.locator("textarea[name=description]")
    sheet.locator("select[name=category]").select_option("surface")  # required: the sheet starts on a blank
    description.fill("Grieta en la esquina de la brida")
    sheet.locator("input[name=quantity]").fill("3")
    page.get_by_test_id("photo").set_input_files(str(huge))
    page.get_by_test_id("report-defect").click()

    message = sheet.get_by_test_id("outage-banner")
    message.wait_for()
    page.wait_for_timeout(500)  # the request's last events have run: the message stays
    assert message.is_visible()
    text = message.inner_text()
    assert "la foto es demasiado grande (máx. 15 MB)" in text, text
    assert "too large" not in text
    assert sheet.evaluate("el => el.matches(':popover-open')")
    assert description.input_value() == "Grieta en la esquina de la brida"
    assert sheet.locator("input[name=quantity]").input_value() == "3"
    screenshot(page, "station-defect-photo-too-large-es")
    context.close()
