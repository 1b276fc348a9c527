"""The run page warns an operator whose time on the job is not recorded (labor's notice through
instructions.station_hooks), with a button that clocks in here and comes back to the step; the run goes on."""

import pytest

from labor.models import Punch
from plexcopilot.models import AuditEvent
from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db

WARNING = "You are not clocked in: your time on this job is not recorded."


def test_it_warns_an_operator_not_clocked_in_and_lets_the_run_go_on(plant):
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    page = client.get(url).content.decode()
    assert 'data-testid="notice-clock"' in page and WARNING in page
    assert 'data-testid="notice-clock-action"' in page and "Clock in at PRS-T1" in page
    assert f'action="/labor/station/clock-in/?back={url.replace("/", "%2F")}"' in page
    done = client.post(url + "done/")  # not blocked: the plant decides its labor policy
    assert done.status_code == 200 and "Step 1 done." in done.content.decode()
    assert WARNING in done.content.decode()  # the next step says it too


def test_it_says_nothing_to_an_operator_clocked_in_here(plant):
    client = station_client(plant.station, plant.certified)
    client.post("/labor/station/clock-in/")
    page = client.get(start(client, "WO-1-10")).content.decode()
    assert 'data-testid="notice-clock"' not in page and "not clocked in" not in page


def test_it_says_where_an_operator_clocked_in_elsewhere_is(plant):
    station_client(plant.other_station, plant.certified).post("/labor/station/clock-in/")
    client = station_client(plant.station, plant.certified)
    page = client.get(start(client, "WO-1-10")).content.decode()
    assert "You are clocked in at WLD-T1, not at PRS-T1: your time on this job is not recorded here." in page
    assert 'data-testid="notice-clock-action"' in page and "Clock in at PRS-T1" in page


def test_its_button_clocks_in_here_and_returns_to_the_step(plant):
    station_client(plant.other_station, plant.certified).post("/labor/station/clock-in/")
    client = station_client(plant.station, plant.certified)
    url = at(start(client, "WO-1-10"), 2)
    client.get(url)
    response = client.post(f"/labor/station/clock-in/?back={url}")
    assert response.status_code == 302 and response["Location"] == url
    assert [(p.kind, p.work_center.code) for p in Punch.objects.order_by("id")] == [
        ("clock_in", "WLD-T1"), ("clock_out", "WLD-T1"), ("clock_in", "PRS-T1")]  # fmt: skip
    # clock-in's own audit, nothing new
    assert AuditEvent.objects.filter(action="punch.clock_in").count() == 2
    assert 'data-testid="notice-clock"' not in client.get(url).content.decode()
    # a double tap: back to the step, no new punch
    again = client.post(f"/labor/station/clock-in/?back={url}")
    assert again.status_code == 302 and again["Location"] == url and Punch.objects.count() == 3


def test_its_button_never_returns_off_the_station(plant):
    client = station_client(plant.station, plant.certified)
    response = client.post("/labor/station/clock-in/?back=https://evil.example/station/run/1/1/")
    assert response.status_code == 200 and "Clocked in at PRS-T1." in response.content.decode()


def test_it_speaks_the_operators_language(plant):
    plant.certified.language = "es"
    plant.certified.save()
    client = station_client(plant.station, plant.certified)
    page = client.get(start(client, "WO-1-10")).content.decode()
    assert "No ha registrado su entrada: su tiempo en este trabajo no queda registrado." in page
    assert "Registrar entrada en PRS-T1" in page
    assert WARNING not in page
