"""A form sent from a stale page (signed in again in another tab, the session expired) gets the site's own page:
what happened and the way back, in the person's language, not Django's bare "CSRF verification failed"."""

import pytest
from django.test import Client
from django.utils import translation

from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db


def test_a_desk_form_with_a_stale_token_gets_the_styled_page(plant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(plant.quality.user)
    client.get("/")  # the CSRF cookie, as the page held it
    response = client.post(
        "/quality/ncrs/1/update/",
        {"csrfmiddlewaretoken": "stale" * 8, "containment": "Sorted 40 pcs"},
        HTTP_REFERER="http://testserver/quality/ncrs/1/",
    )
    body = response.content.decode()
    assert response.status_code == 403
    assert response["X-CSRF-Failure"] == "1"
    assert "CSRF verification failed" not in body
    assert "Your session changed" in body and "Nothing was changed." in body
    assert 'data-testid="go-back"' in body and "history.back()" in body
    assert 'href="http://testserver/quality/ncrs/1/"' in body  # reload the page the form came from
    assert 'data-testid="error-page"' in body  # the site's error layout


def test_a_foreign_referer_is_not_offered_as_the_reload(plant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(plant.quality.user)
    response = client.post("/quality/ncrs/1/update/", {}, HTTP_REFERER="https://evil.example/")
    assert response.status_code == 403 and "evil.example" not in response.content.decode()


def test_a_station_form_with_a_stale_token_gets_the_station_wording_in_the_operators_language(plant):
    plant.certified.language = "es"
    plant.certified.save()
    client = station_client(plant.station, plant.certified)
    url = at(start(client, "WO-1-10"), 1)
    client.handler.enforce_csrf_checks = True
    response = client.post(url + "defect/", {"csrfmiddlewaretoken": "stale" * 8, "description": "Grieta"})
    body = response.content.decode()
    assert response.status_code == 403 and "CSRF verification failed" not in body
    station_lead = (
        "This screen was opened before the station's sign-in changed (someone signed in or out, or the session "
        "ended), so it was not saved. Nothing was changed."
    )
    with translation.override("es"):
        expected = [translation.gettext(s) for s in ("Your session changed", station_lead, "Go back")]
    assert expected[1] != station_lead
    for text in expected:
        assert text.replace("'", "&#x27;") in body, text
    assert 'href="/station/home/">Volver a la estación</a>' in body
