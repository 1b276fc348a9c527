"""A repeat tap of an Andon button joins the open call: a gloved double tap is one call, one audit event, one
announcement; another kind of help, a call after the first is resolved or a minute later is a call of its own."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connections

from labor.andon import andon_raise, andon_resolve
from labor.errors import local_time
from labor.models import AndonCall
from plexcopilot.models import AuditEvent
from tests.actors import build_plant, station_client

pytestmark = pytest.mark.django_db
SHIFT = datetime.datetime(2026, 3, 10, 10, 2, tzinfo=datetime.UTC)  # a Tuesday morning at the plant


@pytest.fixture
def clock():
    with time_machine.travel(SHIFT, tick=False) as traveller:
        yield traveller


def tap(plant, category="material", *, employee=None, **extra):
    return andon_raise(
        station=plant.station, employee=employee or plant.certified, category=category, **extra
    )


def test_it_joins_a_double_tap_to_the_open_call_without_a_second_audit_or_announcement(
    clock, plant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first_announced:
        first = tap(plant, idempotency_key="andon-tap-000001")
    clock.shift(datetime.timedelta(milliseconds=250))
    with django_capture_on_commit_callbacks() as second_announced:
        second = tap(plant, idempotency_key="andon-tap-000002")
    assert second.pk == first.pk and AndonCall.objects.count() == 1
    assert AuditEvent.objects.filter(action="andon.raise").count() == 1
    assert first_announced and not second_announced  # no board push, no andon_raised for the joined tap


def test_it_joins_a_neighbours_tap_of_the_same_button_within_a_minute(clock, plant):
    first = tap(plant, note="No nuts at the welder")
    clock.shift(datetime.timedelta(seconds=59))
    assert tap(plant, employee=plant.expert).pk == first.pk
    assert tap(plant, employee=plant.expert, note="No nuts at the welder").pk == first.pk
    assert AndonCall.objects.count() == 1


def test_it_raises_a_second_call_for_another_kind_of_help(clock, plant):
    material = tap(plant, "material")
    clock.shift(datetime.timedelta(seconds=1))
    quality = tap(plant, "quality")
    assert quality.pk != material.pk and AndonCall.objects.count() == 2
    assert AuditEvent.objects.filter(action="andon.raise").count() == 2


def test_it_raises_a_new_call_after_the_first_is_resolved(clock, plant):
    first = tap(plant)
    andon_resolve(call=first, user=plant.supervisor.user, resolution="Nuts delivered")
    clock.shift(datetime.timedelta(seconds=5))
    assert tap(plant).pk != first.pk and AndonCall.objects.count() == 2


def test_it_raises_a_new_call_a_minute_later_or_at_another_station(clock, plant):
    first = tap(plant)
    assert andon_raise(station=plant.other_station, employee=plant.expert, category="material").pk != first.pk
    clock.shift(datetime.timedelta(seconds=61))
    assert tap(plant).pk != first.pk and AndonCall.objects.count() == 3


def test_it_raises_a_call_of_its_own_for_a_repeat_that_says_more(clock, plant):
    first = tap(plant, "maintenance")
    clock.shift(datetime.timedelta(seconds=10))
    with_note = tap(plant, "maintenance", note="Hydraulic leak under the bolster")
    clock.shift(datetime.timedelta(seconds=10))
    stopped = tap(plant, "maintenance", line_down=True)
    clock.shift(datetime.timedelta(seconds=10))
    assert len({first.pk, with_note.pk, stopped.pk}) == 3
    assert (stopped.line_down, stopped.urgency) == (True, "high")
    assert tap(plant, "maintenance").pk == stopped.pk  # the latest open call of the kind


def test_the_station_shows_the_one_call_after_a_double_tap(clock, plant):
    client = station_client(plant.station, plant.certified)
    data = {"category": "material", "note": ""}
    first = client.post("/labor/station/andon/", {**data, "idempotency_key": "andon-tap-000011"})
    assert "Andon material raised (normal)" in first.content.decode()
    clock.shift(datetime.timedelta(milliseconds=250))
    second = client.post(
        "/labor/station/andon/",
        {**data, "idempotency_key": "andon-tap-000012"},
        headers={"HX-Request": "true"},
    )
    body = second.content.decode()
    assert second.status_code == 200
    raised_at = local_time(AndonCall.objects.get().raised_at)
    assert f"Andon material was already raised at {raised_at}. Help is on the way." in body
    assert body.count('class="andon-call ') == 1 and "Raised — waiting for help" in body
    assert AndonCall.objects.count() == 1


def test_it_raises_one_call_for_two_taps_at_the_same_instant(transactional_db):
    plant = build_plant()
    both_ready = threading.Barrier(2)

    def raise_from_thread(key: str) -> int:
        try:
            both_ready.wait(timeout=10)
            return tap(plant, idempotency_key=key).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        ids = list(pool.map(raise_from_thread, ["andon-tap-000021", "andon-tap-000022"]))
    assert ids[0] == ids[1] and AndonCall.objects.count() == 1
    assert AuditEvent.objects.filter(action="andon.raise").count() == 1
