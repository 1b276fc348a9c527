"""A supervisor approves a machine translation in a real browser; the operator's step loses its mark."""

import pytest

from languages.models import MemorySegment, StepTranslation
from languages.step_cache import version_translate
from tests.actors import make_employee
from tests.languages.fakes import serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_corrects_and_signs_a_machine_translation(
    live_server, plant, settings, tablet, screenshot
):
    make_employee("570001", language="es")
    with serve("libretranslate") as fake:
        settings.LIBRETRANSLATE_URL = fake.url
        version_translate(version=plant.version)
    settings.LIBRETRANSLATE_URL = ""
    page = tablet
    page.goto(f"{live_server.url}/accounts/login/?next=/languages/review/%3Flanguage%3Des")
    page.locator("input[name=username]").fill(plant.supervisor.badge_id)
    page.locator("input[name=password]").fill("desk-pass-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/languages/review/**")

    item = page.get_by_test_id("review-item").filter(has_text="Confirm die D-40 is loaded.")
    text = item.locator("textarea[name=final_text]")
    assert text.input_value() == "Confirm troquel D-40 is loaded."  # what the machine made of it
    # A correction that drops the die number is refused, and the typed text stays.
    text.fill("Confirme que el troquel está cargado.")
    item.locator("input[name=password]").fill("desk-pass-123")
    item.get_by_test_id("approve").click()
    page.get_by_text("missing from the translation: 40").wait_for()
    item = page.get_by_test_id("review-item").filter(has_text="Confirm die D-40 is loaded.")
    assert item.locator("textarea[name=final_text]").input_value() == "Confirme que el troquel está cargado."
    screenshot(page, "languages-review-refused")

    item.locator("textarea[name=final_text]").fill("Confirme que el troquel D-40 está cargado.")
    item.locator("input[name=password]").fill("desk-pass-123")
    item.get_by_test_id("approve").click()
    page.get_by_text("Approved and signed").wait_for()
    screenshot(page, "languages-review-approved")
    assert (
        MemorySegment.objects.get(language="es").target_text == "Confirme que el troquel D-40 está cargado."
    )
    row = StepTranslation.objects.get(version=plant.version, language="es", step__order=1)
    assert row.fields["text"]["text"] == "Confirme que el troquel D-40 está cargado."
