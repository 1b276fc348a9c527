"""Database and Redis outages answer a styled 503 that says the entry was not saved, never a bare 500."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests.actors import station_client

pytestmark = pytest.mark.django_db


def refuse() -> None:
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def database_down(monkeypatch):
    monkeypatch.setattr(connection, "ensure_connection", refuse)


def test_it_shows_the_outage_page_rendered_without_the_database(database_down):
    response = Client(raise_request_exception=False).get("/station/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5" and response["X-Outage"] == "database"
    body = response.content.decode()
    assert 'data-testid="outage-page"' in body and "Your entry was NOT saved" in body
    assert '<link rel="stylesheet"' in body


def test_it_answers_htmx_with_a_message_fragment_the_page_shows_in_its_banner(plant, monkeypatch):
    client = Client(raise_request_exception=False)
    client.cookies = station_client(plant.station, plant.certified).cookies
    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.post("/station/scan/", {"code": "WO-1-10"}, headers={"HX-Request": "true"})
    assert response.status_code == 503
    body = response.content.decode()
    assert body.startswith('<div class="outage-message" data-outage="database"') and "<html" not in body


def test_it_says_busy_when_no_pooled_connection_is_free(monkeypatch):
    from psycopg_pool import PoolTimeout

    def full() -> None:
        raise OperationalError("couldn't get a connection after 10.00 sec") from PoolTimeout("pool full")

    monkeypatch.setattr(connection, "ensure_connection", full)
    response = Client(raise_request_exception=False).get("/station/")
    assert response.status_code == 503 and response["X-Outage"] == "busy"
    assert "busy" in response.content.decode()


def test_it_keeps_real_bugs_as_500(monkeypatch):
    def bug(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("instructions.views.Station.objects.filter", bug)
    response = Client(raise_request_exception=False).get("/station/")
    assert response.status_code == 500


def test_a_spanish_operator_reads_the_outage_page_and_banner_in_spanish_and_no_one_after_sign_out(
    plant, monkeypatch
):
    """The outage page is rendered without the database, so without the session: it was English for every
    operator. The station sign-in leaves the operator's language in a cookie it can read."""
    from tests.actors import make_employee

    ana = make_employee("510088", language="es")
    signed_in = station_client(plant.station, ana)
    assert signed_in.cookies["plexcopilot_station_language"].value == "es"
    assert signed_in.cookies["plexcopilot_station_language"]["httponly"]
    client = Client(raise_request_exception=False)
    client.cookies = signed_in.cookies
    monkeypatch.setattr(connection, "ensure_connection", refuse)
    banner = client.post(
        "/station/scan/", {"code": "WO-1-10"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "No se puede acceder a la base de datos de la planta. Su entrada NO se guardó" in banner
    page = client.get("/station/home/")
    body = page.content.decode()
    assert (
        page.status_code == 503 and 'lang="es"' in body and "No guardado: base de datos no disponible" in body
    )
    monkeypatch.undo()
    signed_out = signed_in.post("/station/signout/")
    assert signed_out.cookies["plexcopilot_station_language"].value == ""  # deleted


def test_the_operators_language_cookie_goes_when_a_desk_user_signs_in_on_the_same_tablet(plant):
    """A supervisor signing in at the desk on a tablet an operator used kept the operator's Spanish for their own
    outage page (review finding)."""
    from tests.actors import make_employee

    tablet = station_client(plant.station, make_employee("510089", language="es"))
    assert tablet.cookies["plexcopilot_station_language"].value == "es"
    assert tablet.get("/station/home/").status_code == 200  # still the operator's: kept
    assert tablet.cookies["plexcopilot_station_language"].value == "es"
    signed_in = tablet.post(
        "/accounts/login/", {"username": plant.supervisor.badge_id, "password": "desk-pass-123"}
    )
    assert signed_in.status_code == 302
    assert signed_in.cookies["plexcopilot_station_language"].value == ""  # gone with the station session
