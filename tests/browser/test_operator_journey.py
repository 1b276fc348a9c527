"""The operator's whole journey on a station tablet, in a real browser."""

import io

import pytest
from PIL import Image

from instructions.models import Execution, Measurement, StepCompletion, UnclearFlag
from quality.models import DefectReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def defect_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (150, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_it_takes_an_operator_from_sign_in_to_a_defect_report(live_server, demo_plant, tablet, screenshot):
    page = tablet
    page.goto(f"{live_server.url}/station/ST-PRS-400/")

    # Wrong PIN first: a clear message, the badge kept.
    page.get_by_test_id("badge").fill("100107")
    page.get_by_test_id("pin").fill("0000")
    page.get_by_role("button", name="Sign in").click()
    assert "Badge or PIN not recognised" in page.locator(".alert-error").inner_text()
    assert page.get_by_test_id("badge").input_value() == "100107"
    page.get_by_test_id("pin").fill("3870")
    page.get_by_role("button", name="Sign in").click()

    # A malformed scan, then the real barcode typed by the wedge scanner with its Enter.
    page.get_by_test_id("scan").fill("WO-24123-10;;")
    page.get_by_test_id("scan").press("Enter")
    assert "could not be read" in page.locator(".alert-error").inner_text()
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    assert "Confirm die and coil" in page.locator("h1").inner_text()
    assert page.locator(".level-trainee").is_visible()

    for order in (1, 2, 3):
        page.get_by_test_id("done").click()
        page.wait_for_url(f"**/{order + 1}/")
    # Step 4: torque check, safety-critical. Trainee sees the reason and the highlighted spec.
    assert "Torque the die clamp bolts" in page.locator("h1").inner_text()
    assert page.locator(".why").is_visible()
    assert page.locator(".measure-highlight").is_visible()
    page.get_by_test_id("measure").fill("210")
    page.get_by_test_id("record").click()
    out = page.get_by_test_id("out-of-spec")
    out.wait_for()
    assert "OUT OF SPEC" in out.inner_text() and "165–195 N·m" in out.inner_text()
    screenshot(page, "operator-out-of-spec")
    page.get_by_test_id("done").click()
    page.get_by_text("The last reading is out of spec").wait_for()
    page.get_by_test_id("measure").fill("181")
    page.get_by_test_id("record").click()
    page.locator(".readings .ok").wait_for()
    page.get_by_test_id("done").click()
    page.wait_for_url("**/5/")

    # Flag step 5 as unclear.
    page.get_by_test_id("unclear").click()
    page.locator("textarea[name=comment]").fill("Which slug chute — left or right?")
    page.get_by_test_id("flag").click()
    page.get_by_text("step flagged as unclear").wait_for()

    # A defect with a photo from the tablet camera (file chooser here).
    page.get_by_test_id("defect").click()
    page.locator("select[name=category]").select_option("surface")
    page.locator("textarea[name=description]").fill("Split at the flange corner on 2 pcs")
    page.locator("input[name=quantity]").fill("2")
    page.get_by_test_id("photo").set_input_files(
        files=[{"name": "split.jpg", "mimeType": "image/jpeg", "buffer": defect_jpeg()}]
    )
    page.get_by_test_id("report-defect").click()
    page.get_by_text("Defect reported with its photo").wait_for()
    photo = page.locator(".defect-warning img").first
    photo.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    path = screenshot(page, "operator-journey")
    assert path.stat().st_size > 10_000

    # A fresh start at the station (its home page, the work order scanned again) resumes at the same step,
    # with the earlier steps still done: not just the same URL reloaded.
    step_title = page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/station/home/")
    assert "/station/home/" in page.url
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/5/")
    assert page.locator("h1").inner_text() == step_title
    assert "Torque the die clamp bolts" not in step_title

    execution = Execution.objects.get(work_order__barcode="WO-24123-10")
    assert StepCompletion.objects.filter(execution=execution).count() == 4
    assert list(Measurement.objects.filter(execution=execution).values_list("in_spec", flat=True)) == [
        False,
        True,
    ]
    assert UnclearFlag.objects.get(execution=execution).comment == "Which slug chute — left or right?"
    defect = DefectReport.objects.get(execution=execution)
    assert defect.step.order == 5 and defect.photo and defect.thumbnail
