"""403, 404 and 500 pages in the app's style, each with a way back that fits who is looking."""

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def desk(employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def test_a_role_refused_gets_a_styled_403_with_the_way_back_to_its_dashboard(plant):
    response = desk(plant.supervisor).get("/copilot/library/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "plexcopilot.css" in page and "This page is not open to you" in page
    assert 'href="/" data-testid="way-back"' in page and "Back to the floor overview" in page


def test_a_station_refused_a_desk_page_is_told_it_is_for_the_desk(plant):
    from tests.actors import station_client

    response = station_client(plant.station, plant.certified).get("/governance/queue/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "for desk roles (supervisor, quality engineer, planner, material handler, admin)" in page
    assert "sign in at a desk" in page and "cannot open that work" not in page
    assert "Back to the station" in page


def test_a_station_refused_another_work_centers_run_is_told_why(plant):
    from tests.actors import at, start, station_client

    press_run = at(start(station_client(plant.station, plant.certified), "WO-1-10"), 1)
    response = station_client(plant.other_station, plant.expert).get(press_run)
    page = response.content.decode()
    assert response.status_code == 403
    assert "This station cannot open that work: it belongs to another work center" in page
    assert "desk roles" not in page


def test_an_unknown_page_is_a_styled_404_for_a_visitor_with_the_start_and_sign_in(plant):
    response = Client().get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "We could not find that page" in page and "plexcopilot.css" in page
    assert "Back to the start" in page and "/accounts/login/" in page


def test_a_station_gets_its_404_with_the_way_back_to_the_station(plant):
    from tests.actors import station_client

    page = station_client(plant.station, plant.certified).get("/station/run/999999/1/").content.decode()
    assert "We could not find that page" in page and "Back to the station" in page


def test_the_500_page_renders_without_any_request_context():
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "plexcopilot.css" in page and 'href="/"' in page


def test_every_error_page_extends_the_one_error_base():
    from pathlib import Path

    from django.conf import settings

    for code in ("403", "404", "500"):
        text = (Path(settings.BASE_DIR) / "templates" / f"{code}.html").read_text()
        assert text.startswith('{% extends "errors/base.html" %}')


def test_a_polish_operator_gets_the_403_404_and_500_pages_in_polish(plant, monkeypatch):
    """The station's language switch ends with the view, so the error pages were English for every operator
    (a Spanish operator's close-out 500 read 'Something went wrong on our side': walkthrough finding)."""
    from tests.actors import at, certify, make_employee, start, station_client

    polish = make_employee("510077", language="pl")
    certify(polish, plant.instruction.operation.required_certification, "certified", 100)
    press_run = at(start(station_client(plant.station, plant.certified), "WO-1-10"), 1)
    client = station_client(plant.other_station, polish)
    refused = client.get(press_run)
    assert refused.status_code == 403 and 'lang="pl"' in refused.content.decode()
    assert "To stanowisko nie może otworzyć tej pracy" in refused.content.decode()
    missing = client.get("/station/run/999999/1/").content.decode()
    assert "Nie znaleźliśmy tej strony" in missing and "Powrót do stanowiska" in missing

    def broken(station):
        raise RuntimeError("a bug")

    monkeypatch.setattr("instructions.views.open_work_orders", broken)
    client.raise_request_exception = False
    failed = client.get("/station/home/")
    assert failed.status_code == 500 and "Coś poszło nie tak po naszej stronie" in failed.content.decode()
    assert "Something went wrong" not in failed.content.decode()
