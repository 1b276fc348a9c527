"""Step media in a real browser: a quality engineer proposes a picture for a step, a supervisor signs it, and a
Spanish-reading operator sees it large on her step screen with the caption in Spanish, in both orientations."""

import io

import pytest
from PIL import Image, ImageDraw

from instructions.models import ChangeProposal, ProposalStatus, WorkInstruction, WorkOrder
from languages.demo import demo_translations_load
from languages.review import memory_import
from tests.browser.station_checks import LANDSCAPE, PORTRAIT, assert_actions_on_screen
from tests.browser.test_station_accessibility import serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CAPTION = "A chipped punch tip leaves a burr on the hole."
CAPTION_ES = "Una punta de punzón astillada deja una rebaba en el agujero."


def desk_sign_in(browser, url: str, badge: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/accounts/login/")
    page.locator("input[name=username]").fill(badge)
    page.locator("input[name=password]").fill("northfield-demo")
    page.get_by_role("button", name="Sign in").click()
    return page


def scale(box) -> float:
    """How much the 1200×900 picture is scaled inside its box (object-fit: contain)."""
    return min(box["width"] / 1200, box["height"] / 900)


def punch_photo(path) -> None:
    image = Image.new("RGB", (1200, 900), (160, 166, 172))
    draw = ImageDraw.Draw(image)
    draw.rectangle((450, 150, 750, 750), fill=(210, 210, 205), outline=(30, 30, 30), width=8)
    draw.polygon([(750, 200), (690, 260), (750, 330)], fill=(160, 166, 172), outline=(200, 30, 40))
    draw.ellipse((650, 170, 830, 360), outline=(200, 30, 40), width=14)
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())


def test_an_engineer_proposes_a_picture_a_supervisor_signs_and_the_operator_sees_it_in_spanish(
    live_server, demo_plant, browser, screenshot, tmp_path
):
    demo_translations_load()
    memory_import(entries=[{"en": CAPTION, "es": CAPTION_ES}], language="es")  # an approved translation
    instruction = WorkInstruction.objects.get(part__number="BRK-2040", operation__sequence=10)
    first = WorkOrder.objects.get(barcode="WO-24123-10")
    WorkOrder.objects.create(number="WO-24131", barcode="WO-24131-10", part=first.part, operation=first.operation,
                             quantity=200)  # fmt: skip
    photo = tmp_path / "punch.png"
    punch_photo(photo)

    # Priya (quality engineer) proposes the picture from the instruction's page.
    engineer = desk_sign_in(browser, live_server.url, "300301")
    engineer.goto(f"{live_server.url}/governance/instructions/{instruction.pk}/history/")
    engineer.locator("details.card summary").click()
    engineer.get_by_test_id("step-media-5").click()
    engineer.get_by_test_id("media-file").set_input_files(str(photo))
    engineer.get_by_test_id("media-caption").fill(CAPTION)
    engineer.get_by_test_id("media-rationale").fill("Operators asked what a chipped punch looks like.")
    screenshot(engineer, "media-desk-form")
    engineer.get_by_test_id("media-propose").click()
    engineer.wait_for_url("**/governance/proposals/*/")
    proposal = ChangeProposal.objects.get()
    assert proposal.status == ProposalStatus.PENDING and instruction.versions.count() == 1
    screenshot(engineer, "media-proposed")

    # Rosa (supervisor) sees the picture in the diff and signs.
    supervisor = desk_sign_in(browser, live_server.url, "200201")
    supervisor.goto(f"{live_server.url}/governance/proposals/{proposal.pk}/")
    thumb = supervisor.locator(".diff-new [data-testid=desk-media] img")
    thumb.wait_for()
    assert supervisor.evaluate("img => img.naturalWidth", thumb.element_handle()) > 0
    screenshot(supervisor, "media-proposal-diff")
    supervisor.get_by_test_id("sign-password").fill("northfield-demo")
    supervisor.get_by_test_id("sign").click()
    supervisor.get_by_text("Approved and published as v2").wait_for()

    # Ana (reads Spanish) opens new work: the picture, large, with the Spanish caption. She is clocked in and on
    # the job, as at work (the "not clocked in" row has its own layout test, in test_station_layout).
    from instructions.models import Station
    from labor.punches import clock_in
    from plexcopilot.models import Employee

    clock_in(employee=Employee.objects.get(badge_id="100101"), station=Station.objects.get(code="ST-PRS-400"),
             work_order=WorkOrder.objects.get(barcode="WO-24131-10"))  # fmt: skip
    for orientation, viewport in (("landscape", LANDSCAPE), ("portrait", PORTRAIT)):
        context = browser.new_context(viewport=viewport, has_touch=True, locale="es-ES")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/station/ST-PRS-400/")
        page.get_by_test_id("badge").fill("100101")
        page.get_by_test_id("pin").fill("4821")
        page.get_by_test_id("pin").press("Enter")
        page.get_by_test_id("scan").fill("WO-24131-10")
        page.get_by_test_id("scan").press("Enter")
        page.wait_for_url("**/station/run/**")  # step 1, or where she left the run (second pass)
        assert "2" in page.locator(".strip-head .muted").inner_text()  # Versión 2
        page.goto(page.url.rsplit("/", 2)[0] + "/5/")
        image = page.get_by_test_id("step-image")
        image.wait_for()
        assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 1200
        box = image.bounding_box()
        assert box["width"] >= (500 if orientation == "landscape" else 700)  # large
        assert box["y"] + box["height"] <= viewport["height"]  # on the first screen
        assert page.get_by_test_id("media-caption").inner_text() == CAPTION_ES
        caption, bar = (
            page.get_by_test_id("media-caption").bounding_box(),
            page.locator(".actionbar").bounding_box(),
        )
        assert caption["y"] + caption["height"] <= bar["y"]  # the caption is not under the action bar
        assert page.get_by_test_id("caption-untranslated").count() == 0
        assert_actions_on_screen(page)
        screenshot(page, f"station-{orientation}-step-media")

        page.get_by_test_id("media-enlarge").tap()
        sheet = page.locator("#sheet-media")
        sheet.wait_for()
        big = sheet.locator("img").bounding_box()
        assert scale(big) > scale(box) * 1.1  # the picture itself is drawn larger
        assert page.get_by_role("button", name="Cerrar").last.bounding_box()["height"] >= 48
        screenshot(page, f"station-{orientation}-step-media-enlarged")
        if orientation == "landscape":
            assert serious(page) == []  # axe-core: no serious or critical violations with the picture open
        page.get_by_test_id("media-close").tap()
        sheet.wait_for(state="hidden")

        # The demo's own picture on the light-curtain step comes with its approved Spanish caption too.
        page.goto(page.url.rsplit("/", 2)[0] + "/6/")
        assert page.get_by_test_id("media-caption").inner_text().startswith("Interrumpa la cortina")
        page.get_by_role("button", name="Cerrar sesión").click()

        # At the welder, the demo clip: controls, never playing by itself, seekable (byte ranges); its caption has
        # no approved Spanish yet, so it is shown in English with the step text's "not translated yet" mark.
        page.goto(f"{live_server.url}/station/ST-WLD-PW2/")
        page.get_by_test_id("badge").fill("100101")
        page.get_by_test_id("pin").fill("4821")
        page.get_by_test_id("pin").press("Enter")
        page.get_by_test_id("scan").fill("WO-24123-20")
        page.get_by_test_id("scan").press("Enter")
        page.wait_for_url("**/station/run/**")
        page.goto(page.url.rsplit("/", 2)[0] + "/3/")
        video = page.get_by_test_id("step-video")
        video.wait_for()
        page.wait_for_function("() => document.querySelector('[data-testid=step-video]').readyState >= 1")
        state = page.evaluate("v => ({controls: v.controls, autoplay: v.autoplay, paused: v.paused, "
                              "duration: v.duration, muted: v.muted})", video.element_handle())  # fmt: skip
        assert state["controls"] and not state["autoplay"] and state["paused"] and state["duration"] > 10
        assert page.get_by_test_id("media-caption").inner_text().startswith("Short clip")
        assert page.get_by_test_id("caption-untranslated").inner_text().startswith("Aún sin traducir")
        assert_actions_on_screen(page)
        screenshot(page, f"station-{orientation}-step-clip")
        if orientation == "landscape":
            assert serious(page) == []
        context.close()
