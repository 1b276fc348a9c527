"""A measured step's reading field is on the first screen and focused, whoever reads the step and however much
there is to read: a trainee (cautions and "why" expanded), a competent operator and an expert, in English and in
Spanish (longer text), in landscape and portrait, on steps with a picture, with a clip and with neither. The operator
wears gloves and a wedge gauge types the reading and presses Enter into the focused field."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from instructions.approval import proposal_sign
from instructions.media import media_ingest
from instructions.media_demo import demo_media_file
from instructions.models import WorkInstruction
from instructions.proposals import proposal_draft
from languages.demo import demo_translations_load
from plexcopilot.models import CertificationType, Employee
from tests.actors import PIN, certify, make_employee
from tests.browser.station_checks import (
    LANDSCAPE,
    PORTRAIT,
    assert_actions_on_screen,
    assert_reading_on_screen,
)
from tests.browser.test_station_accessibility import serious
from tests.browser.test_step_media_journey import punch_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The press instruction's measured steps: 4 (torque) has the demo's picture; the test adds a picture to 9 (hole
# diameter) and a clip to 10 (hole position); 11 (flange height) has none. First in-spec reading of each.
MEASURED = {4: "181", 9: "10.50", 10: "32.00", 11: "18.0"}
OPERATORS = {  # badge, PIN, language, level
    "trainee": ("100107", "3870", "en"),  # Dwayne Porter, the demo's PRESS-OP trainee
    "trainee-spanish": ("100190", PIN, "es"),  # the longest screen: everything expanded, in Spanish
    "competent": ("100191", PIN, "en"),  # certified: safety-critical cautions expanded only
    "expert-spanish": ("100101", "4821", "es"),  # Ana García, the demo's expert
}


def publish_media(tmp_path) -> None:
    """v2 of the press instruction: a picture on step 9 and the demo clip on step 10, proposed by the quality
    engineer and signed by the supervisor, as the media journey does through the desk."""
    instruction = WorkInstruction.objects.get(part__number="BRK-2040", operation__sequence=10)
    engineer = Employee.objects.get(badge_id="300301").user
    supervisor = Employee.objects.get(badge_id="200201").user
    photo = tmp_path / "punch.png"
    punch_photo(photo)
    picture = media_ingest(
        upload=SimpleUploadedFile("punch.png", photo.read_bytes(), content_type="image/png"),
        instruction=instruction,
        user=engineer,
    )
    clip = media_ingest(
        upload=demo_media_file("electrode-check.webm"), instruction=instruction, user=engineer
    )
    base = instruction.current_version
    steps = {s.order: s.key for s in base.steps.all()}
    proposal = proposal_draft(
        instruction=instruction, base_version=base, source="engineer_edit", rationale="Show what to measure.",
        edits=[
            {"op": "change", "key": steps[9], "fields": {"media": picture.digest,
             "media_caption": "Check the hole from the burr side with the pin gauge."}},
            {"op": "change", "key": steps[10], "fields": {"media": clip.digest,
             "media_caption": "Short clip: load the part on CF-2040 and read the caliper."}},
        ],
        evidence=[], proposed_by=engineer,
    )  # fmt: skip
    outcome = proposal_sign(
        proposal=proposal, user=supervisor, meaning="approved_for_release", password="northfield-demo"
    )
    assert outcome.published is not None and outcome.published.number == 2


def operators_add() -> None:
    press = CertificationType.objects.get(code="PRESS-OP")
    certify(make_employee("100190", language="es", first="Lucía"), press, "trainee", 60)
    certify(make_employee("100191", first="Competent"), press, "certified", 200)


@pytest.mark.parametrize("who", list(OPERATORS))
def test_the_reading_field_is_on_the_first_screen_and_takes_the_gauge(
    live_server, demo_plant, browser, screenshot, tmp_path, who
):
    publish_media(tmp_path)
    demo_translations_load()  # the Spanish steps: longer text
    operators_add()
    badge, pin, language = OPERATORS[who]
    for orientation, viewport in (("landscape", LANDSCAPE), ("portrait", PORTRAIT)):
        context = browser.new_context(viewport=viewport, has_touch=True, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/station/ST-PRS-400/")
        page.get_by_test_id("badge").fill(badge)
        page.get_by_test_id("pin").fill(pin)
        page.get_by_test_id("pin").press("Enter")
        page.get_by_test_id("scan").fill("WO-24123-10")
        page.get_by_test_id("scan").press("Enter")
        page.wait_for_url("**/station/run/**")  # step 1, or where the first orientation left the run
        assert page.locator("html").get_attribute("lang") == language
        run = page.url.rsplit("/", 2)[0]
        for order, reading in MEASURED.items():
            page.goto(f"{run}/{order}/")
            page.locator(f'#step-panel[data-step="{order}"]').wait_for()
            media = {9: "step-image", 10: "step-video", 4: "step-image"}.get(order)
            if media:
                page.get_by_test_id(media).wait_for()
            screenshot(page, f"reading-{who}-{orientation}-step-{order}")
            assert_reading_on_screen(page)
            assert_actions_on_screen(page)
            if orientation == "landscape":
                # The gauge: digits and Enter into whatever has the focus, no tap first.
                page.keyboard.type(reading if language == "en" else reading.replace(".", ","))
                page.keyboard.press("Enter")
                page.locator(".readings .ok").wait_for()
                if order == 4:
                    screenshot(page, f"reading-{who}-{orientation}-step-{order}-recorded")
                    assert serious(page) == []  # axe-core on the field in the bar, its label and the message
                assert_reading_on_screen(page)  # the next reading (a re-check) goes in the same place
                assert_actions_on_screen(page)
        context.close()
