"""The supervised worker: stale RUNNING tasks go back to the queue, outages do not stop it, the UI tells the truth."""

import datetime
import sys

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from plexcopilot import worker
from plexcopilot.models import WorkerHeartbeat
from quality.tasks import step_feedback_task
from tests.faults import database_blip
from tests.quality.conftest import history  # noqa: F401 — fixture

T0 = datetime.datetime(2026, 3, 8, 6, 55, tzinfo=datetime.UTC)  # a DST morning in Detroit


@pytest.fixture
def keep_test_connection(monkeypatch):
    """The worker closes stale connections between rounds; inside a test transaction that would close ours."""
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def claimed_task(plant, worker_id: str) -> DBTaskResult:
    result = step_feedback_task.enqueue(plant.instruction.pk, plant.version.steps.first().key)
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim(worker_id)
    return task


@pytest.mark.django_db
def test_it_requeues_a_running_task_whose_worker_stopped_beating_and_runs_it(plant, keep_test_connection):
    with time_machine.travel(T0, tick=False):
        worker.heartbeat(worker_id="killed-1")
        task = claimed_task(plant, "killed-1")
    with time_machine.travel(T0 + datetime.timedelta(seconds=45), tick=False):
        assert worker.stale_tasks_requeue() == 1
        task.refresh_from_db()
        assert task.status == "READY"
        worker.worker_round(worker_id="fresh-1")
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.worker_ids == ["killed-1", "fresh-1"]


@pytest.mark.django_db
def test_it_leaves_a_live_workers_task_alone_until_its_timeout(plant, settings):
    settings.TASK_RUNNING_TIMEOUT_SECONDS = 600
    with time_machine.travel(T0, tick=False):
        task = claimed_task(plant, "alive-1")
    with time_machine.travel(T0 + datetime.timedelta(seconds=300), tick=False):
        worker.heartbeat(worker_id="alive-1")
        assert worker.stale_tasks_requeue() == 0
    with time_machine.travel(T0 + datetime.timedelta(seconds=601), tick=False):
        worker.heartbeat(worker_id="alive-1")
        assert worker.stale_tasks_requeue() == 1  # hung: past the timeout although its worker still beats
    task.refresh_from_db()
    assert task.status == "READY"


@pytest.mark.django_db
def test_it_requeues_the_task_of_a_worker_the_supervisor_saw_die_at_once(plant):
    with time_machine.travel(T0, tick=False):
        worker.heartbeat(worker_id="child-0")
        task = claimed_task(plant, "child-0")
        assert worker.stale_tasks_requeue() == 0
        assert worker.stale_tasks_requeue(dead_worker_id="child-0") == 1
    task.refresh_from_db()
    assert task.status == "READY"


@pytest.mark.django_db(transaction=True)
def test_it_keeps_working_through_a_database_outage(plant, monkeypatch):
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    result = step_feedback_task.enqueue(plant.instruction.pk, plant.version.steps.first().key)
    pauses: list[float] = []
    with database_blip("plexcopilot_workerheartbeat", times=2) as failed:
        rounds = worker.worker_loop(worker_id="w-1", max_rounds=4, sleep=pauses.append)
    assert len(failed) == 2 and rounds == 4
    assert pauses[:2] == [1.0, 2.0]  # back-off while the database is down
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"


@pytest.mark.django_db
def test_the_supervisor_restarts_a_worker_that_exits():
    starts = worker.supervise(argv=["-c", "import sys; sys.exit(3)"], stop=lambda: False, max_restarts=2)
    assert starts == 3
    assert sys.executable


@pytest.mark.django_db
def test_the_ncr_page_says_whether_the_drafting_worker_runs(history):  # noqa: F811
    from quality.models import NCR
    from tests.quality.conftest import desk_client
    from tests.quality.test_ncr_triage import report_defect

    report_defect("WO-24119-10", 9, "Sensor bore oversize")
    ncr = NCR.objects.get(defect__isnull=False)
    client = desk_client("300301")
    page = client.get(f"/quality/ncrs/{ncr.pk}/").content.decode()
    assert "the drafting worker is not running" in page and "manage.py run_worker" in page
    WorkerHeartbeat.objects.create(worker_id="w-1", seen_at=timezone.now())
    page = client.get(f"/quality/ncrs/{ncr.pk}/").content.decode()
    assert "Drafting… the background worker" in page and "not running" not in page
