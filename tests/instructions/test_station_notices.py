"""The run page shows what the apps above instructions register as station notices (instructions.station_hooks),
and nothing when none is registered."""

import pytest

from instructions import station_hooks
from instructions.station_hooks import StationNotice
from tests.actors import start, station_client

pytestmark = pytest.mark.django_db


def test_it_shows_no_notice_when_none_is_registered(plant, monkeypatch):
    monkeypatch.setattr(station_hooks, "_station_notice", [])
    client = station_client(plant.station, plant.certified)
    page = client.get(start(client, "WO-1-10")).content.decode()
    assert "station-notice" not in page and "has-notice" not in page


def test_it_shows_a_registered_notice_with_its_button_back_to_the_step(plant, monkeypatch):
    def provider(*, employee, station, work_order):
        return StationNotice(key="demo", text=f"{employee.badge_id} at {station.code} on {work_order.barcode}", action_label="Do it",
                             action_url="/somewhere/")  # fmt: skip

    monkeypatch.setattr(station_hooks, "_station_notice", [provider])
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    page = client.get(url).content.decode()
    assert 'class="run has-notice"' in page and 'data-testid="notice-demo"' in page
    assert "500002 at ST-T1 on WO-1-10" in page
    assert f'action="/somewhere/?back={url.replace("/", "%2F")}"' in page and "Do it</button>" in page
