"""The desk's figures follow the floor without anyone pressing "Re-evaluate now": close-outs, releases, call-offs
and Plex containers syncs queue one evaluation shortly after (a burst is one), every evaluation queues the next,
and the desk says when its figures are from and whether the background worker is keeping up."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from instructions.models import WorkCenter
from materials.models import BomLine, BufferStatus, Component, LineSideLocation, Lot
from materials.tasks import EVALUATE_TASK_PATH, materials_evaluate_schedule
from plex.fake_data import fake_id
from plex.fake_server import FakePlex
from plex.sync import plex_sync
from plexcopilot import worker
from tests.actors import desk_login, station_client
from tests.instructions.test_closeout import finish_run
from tests.materials.conftest import NOW
from tests.plex.conftest import make_client


def queued() -> list[datetime.datetime]:
    return list(
        DBTaskResult.objects.filter(task_path=EVALUATE_TASK_PATH, status="READY")
        .order_by("run_after")
        .values_list("run_after", flat=True)
    )


@pytest.fixture
def keep_test_connection(monkeypatch):
    """The worker closes stale connections between rounds; inside a test transaction that would close ours."""
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.mark.django_db(transaction=True)  # PRODUCTION_RECORDED is delivered on commit
def test_close_outs_queue_one_evaluation_that_runs_and_queues_the_next(
    clock, plant, settings, keep_test_connection
):
    settings.MATERIALS_EVALUATE_AFTER_SECONDS = 30
    settings.MATERIALS_EVALUATE_EVERY_SECONDS = 900
    order = plant.work_order
    rod = Component.objects.create(number="ROD-8", name="Steel rod 8 mm", unit="ea")
    BomLine.objects.create(part=order.part, component=rod, quantity_per=2, operation=order.operation)
    rack = LineSideLocation.objects.create(work_center=order.operation.work_center, code="LS-1")
    Lot.objects.create(component=rod, location=rack, lot_number="A", quantity=600, updated_at=NOW)
    assert queued() == [] and not BufferStatus.objects.exists()

    client = station_client(plant.station, plant.expert)
    _url, execution = finish_run(client)
    client.post(f"/station/run/{execution.pk}/closeout/", {"good": "50", "scrap": "0"})
    assert queued() == [NOW + datetime.timedelta(seconds=30)]
    # A second event in the burst does not queue a second evaluation.
    assert materials_evaluate_schedule(delay_seconds=30) is False
    assert len(queued()) == 1

    worker.worker_round(worker_id="w-early")  # not due yet: nothing runs
    assert not BufferStatus.objects.exists()
    clock.move_to(NOW + datetime.timedelta(seconds=31))
    worker.worker_round(worker_id="w-1")
    status = BufferStatus.objects.get(component=rod, location=rack)
    assert float(status.on_hand) == 600 - 2 * 50  # the close-out's draw is counted
    assert status.computed_at == NOW + datetime.timedelta(seconds=31)
    # The evaluation queued the next one, the periodic interval later.
    assert queued() == [NOW + datetime.timedelta(seconds=31 + 900)]


@pytest.mark.django_db
def test_the_schedule_command_is_safe_to_repeat_and_an_event_brings_the_evaluation_forward(clock, settings):
    settings.MATERIALS_EVALUATE_EVERY_SECONDS = 900
    call_command("materials_evaluate", "--schedule")
    call_command("materials_evaluate", "--schedule")
    assert queued() == [NOW + datetime.timedelta(seconds=900)]
    assert materials_evaluate_schedule(delay_seconds=30) is True  # earlier than the waiting one
    assert materials_evaluate_schedule(delay_seconds=30) is False
    assert queued() == [NOW + datetime.timedelta(seconds=30), NOW + datetime.timedelta(seconds=900)]


@pytest.mark.django_db
def test_a_plex_containers_sync_queues_an_evaluation(clock, django_capture_on_commit_callbacks):
    with FakePlex() as fake, make_client(fake) as client:
        plex_sync(client=client, resources=["workcenters", "parts", "part_operations", "jobs"])
        LineSideLocation.objects.create(
            work_center=WorkCenter.objects.get(code="PRS-250"),
            code="LS-PRS-250",
            plex_location=fake_id("location", "LS-PRS-250"),
        )
        assert queued() == []
        with django_capture_on_commit_callbacks(execute=True):
            run = plex_sync(client=client, resources=["boms", "containers"])
        assert run.status == "ok"
    assert len(queued()) == 1


@pytest.mark.django_db
def test_a_containers_sync_that_changed_nothing_queues_no_evaluation(
    clock, django_capture_on_commit_callbacks
):
    """Plex is synced every few minutes and mostly says the same: an evaluation follows only a sync that moved
    stock (a quantity, a container come or gone)."""
    with FakePlex() as fake, make_client(fake) as client:
        plex_sync(client=client, resources=["workcenters", "parts", "part_operations", "jobs"])
        LineSideLocation.objects.create(
            work_center=WorkCenter.objects.get(code="PRS-250"),
            code="LS-PRS-250",
            plex_location=fake_id("location", "LS-PRS-250"),
        )

        def sync() -> list[datetime.datetime]:
            DBTaskResult.objects.filter(task_path=EVALUATE_TASK_PATH).delete()
            with django_capture_on_commit_callbacks(execute=True):
                assert plex_sync(client=client, resources=["boms", "containers"]).status == "ok"
            return queued()

        assert len(sync()) == 1  # the container arrives: stock moved
        assert sync() == []  # the same answer again
        fake.data.containers[0]["updateDateTime"] = "2026-11-30T05:30:00Z"  # touched in Plex, same quantity
        assert sync() == []
        fake.data.containers[0]["quantity"] = 1100.0
        assert len(sync()) == 1
        fake.data.containers.clear()  # used up: the lot goes
        assert len(sync()) == 1
        assert not Lot.objects.exists()
        assert sync() == []


@pytest.mark.django_db
def test_the_desk_says_when_its_figures_are_from_and_when_the_worker_is_behind(clock, demo_materials, client):
    assert desk_login(client, "500501", "northfield-demo")
    materials_evaluate_schedule(delay_seconds=60)
    page = client.get("/materials/").content.decode()
    assert "Figures from the evaluation at Mon 00:20." in page
    assert "Next automatic evaluation at 00:21" in page
    with time_machine.travel(NOW + datetime.timedelta(minutes=10), tick=False):
        page = client.get("/materials/").content.decode()
    assert "The automatic evaluation queued for 00:21 has not run: is the background worker running?" in page
