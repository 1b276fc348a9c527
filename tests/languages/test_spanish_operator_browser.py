"""A Spanish-speaking operator's station page in a real browser (Debian chromium through Playwright)."""

import pytest

from languages.demo import demo_translations_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_ana_her_instruction_in_spanish_with_the_english_one_tap_away(
    live_server, demo_plant, tablet, screenshot
):
    demo_translations_load()
    page = tablet
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill("100101")  # Ana García, language es
    page.get_by_test_id("pin").fill("4821")
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_role("heading", name="Escanee una orden de trabajo").is_visible()
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    assert page.locator("h1").inner_text() == "Confirme el troquel y la bobina contra la orden de trabajo"
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("button", name="✓ Hecho").is_visible()

    for order in (1, 2):
        page.get_by_test_id("done").click()
        page.wait_for_url(f"**/{order + 1}/")
    # Step 3: lockout, safety-critical. The caution is in approved Spanish, whole, in the full box.
    assert page.locator("h1").inner_text() == "Bloquee la prensa antes de trabajar en el troquel"
    caution = page.locator(".caution-full")
    assert "Nunca entre en el espacio del troquel solo con el paro de emergencia." in caution.inner_text()
    assert "El carro todavía puede bajar o ciclar" in caution.inner_text()
    assert page.get_by_text("CRÍTICO PARA LA SEGURIDAD").first.is_visible()

    # The English original is one tap away.
    original = page.get_by_test_id("original")
    assert not original.locator("div").is_visible()
    original.locator("summary").click()
    assert original.get_by_text("Never enter the die space on E-stop alone.").is_visible()
    assert page.get_by_test_id("mark-machine").count() == 0
    screenshot(page, "languages-spanish-operator-step-3")

    page.get_by_test_id("done").click()
    page.wait_for_url("**/4/")
    text = page.locator(".step-text").inner_text()
    assert "180 N·m (165–195 N·m)" in text and "M16" in text and text.startswith("Apriete los ocho tornillos")
    page.get_by_test_id("measure").fill("181")
    page.get_by_role("button", name="Registrar", exact=True).click()  # not "Registrar entrada en …"
    page.locator(".readings .ok").wait_for()
    assert "dentro de especificación" in page.locator(".readings .ok").inner_text()
    screenshot(page, "languages-spanish-operator-step-4")
