"""The station sign-in page speaks the browser's language (Accept-Language) before anyone has signed in.

Nobody is known at the badge + PIN screen, so the tablet's own language setting is all there is: each of the
plant languages is asked for the way a browser asks (a regional variant first, English as a fallback), and every
visible text of the page and its messages (wrong PIN, badge locked, signed out for inactivity) is compared with
the English page; a text identical in both is English the operator cannot read.
"""

import re

import pytest
from django.test import Client
from django.utils import translation

from instructions.models import Station
from tests.actors import PIN, make_employee
from tests.languages.test_station_translation_complete import kept_words, plant_data, visible

pytestmark = pytest.mark.django_db

# As a tablet set to that language sends it: region first, then the bare language, English last.
ACCEPT = {
    "en": "en-US,en;q=0.9",
    "es": "es-MX,es;q=0.9,en;q=0.5",
    "pl": "pl-PL,pl;q=0.9,en;q=0.5",
    "vi": "vi-VN,vi;q=0.9,en;q=0.5",
    "pt": "pt-BR,pt;q=0.9,en;q=0.5",
}
LOCKED_BADGE = {"en": "770001", "es": "770002", "pl": "770003", "vi": "770004", "pt": "770005"}
WORD = re.compile(r"[^\W\d_]{3,}")


def signin_pages(plant, language: str) -> dict[str, str]:
    """The sign-in page and each of its messages, as a browser reading `language` gets them."""
    browser = Client(HTTP_ACCEPT_LANGUAGE=ACCEPT[language])
    url = f"/station/{plant.station.code}/"
    pages = {}
    response = browser.get(url)
    assert response.status_code == 200
    assert response["Content-Language"] == language and "Accept-Language" in response["Vary"]
    pages["signin"] = response.content.decode()
    pages["signed-out-idle"] = browser.get(url + "?idle=1").content.decode()
    pages["wrong-pin"] = browser.post(url, {"badge": plant.trainee.badge_id, "pin": "0000"}).content.decode()
    locked = make_employee(LOCKED_BADGE[language], language="en", first="Locked")
    for _ in range(6):
        response = browser.post(url, {"badge": locked.badge_id, "pin": "0000"})
    pages["badge-locked"] = response.content.decode()
    return pages


@pytest.fixture
def station_plant(plant, settings):
    settings.PLEX_BASE_URL = "http://plex.invalid"  # the freshness badge shows in the station header
    return plant


@pytest.mark.parametrize("language", ["es", "pl", "vi", "pt"])
def test_the_signin_page_is_in_the_browsers_language(station_plant, language):
    english = signin_pages(station_plant, "en")
    other = signin_pages(station_plant, language)
    stations = set(Station.objects.values_list("name", flat=True))  # plant data too, as stored
    data = sorted(plant_data() | stations | kept_words(language), key=len, reverse=True)

    def english_left(text: str) -> bool:
        for item in data:
            text = text.replace(item, " ")
        return bool(WORD.search(text))

    untranslated = {
        name: sorted(t for t in visible(html) & visible(english[name]) if english_left(t))
        for name, html in other.items()
    }
    assert {name: texts for name, texts in untranslated.items() if texts} == {}
    with translation.override(language):
        expected = {
            "signin": translation.gettext("Scan your badge"),
            "signed-out-idle": translation.gettext("You were signed out after a period without activity."),
            "wrong-pin": translation.gettext("Badge or PIN not recognised. Check the PIN and try again."),
            "badge-locked": translation.gettext(
                "Too many wrong PINs for this badge. Wait a minute, then try again."
            ),
        }
        keypad = translation.gettext("Keypad")
    for name, text in expected.items():
        assert text in other[name], name
        assert f'<html lang="{language}"' in other[name]
    # The on-screen keypad labels itself and types the decimal separator of that language too.
    assert f'data-text-keypad="{keypad}"' in other["signin"] and 'data-decimal=","' in other["signin"]


def test_english_is_the_fallback_for_a_language_the_plant_does_not_have(station_plant):
    response = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get(f"/station/{station_plant.station.code}/")
    assert response["Content-Language"] == "en" and b"Scan your badge" in response.content


def test_the_next_signin_page_follows_the_tablet_not_the_operator_who_signed_out(station_plant):
    """A Spanish-reading operator signs out of a tablet set to Polish: the sign-in page is Polish again."""
    operator = make_employee("770101", language="es", first="Ana")
    tablet = Client(HTTP_ACCEPT_LANGUAGE=ACCEPT["pl"])
    url = f"/station/{station_plant.station.code}/"
    assert tablet.post(url, {"badge": operator.badge_id, "pin": PIN}).status_code == 302
    with translation.override("es"):  # signed in: the operator's language
        assert translation.gettext("Sign out") in tablet.get("/station/home/").content.decode()
    page = tablet.post("/station/signout/", follow=True)
    assert page.redirect_chain[-1][0] == url
    with translation.override("pl"):
        assert translation.gettext("Scan your badge") in page.content.decode()
    assert page["Content-Language"] == "pl"
