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
