""" "Queue unless one is waiting" (plexcopilot.worker.enqueue_unless_waiting) is atomic: the Plex sync, the job-model
retraining, the materials evaluation and the copilot's index run are each queued once when two events ask at the
same instant."""

import contextlib
import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connections
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from copilot.tasks import knowledge_index_enqueue, knowledge_index_task
from labor_analytics.tasks import job_model_retrain_schedule, job_model_retrain_task
from materials.tasks import materials_evaluate_schedule, materials_evaluate_task
from plex.tasks import plex_schedule, plex_sync_task
from plexcopilot.worker import enqueue_unless_waiting

T0 = datetime.datetime(2026, 11, 30, 5, 20, tzinfo=datetime.UTC)
CALLERS = {
    "plex sync": (plex_schedule, plex_sync_task),
    "job model retraining": (job_model_retrain_schedule, job_model_retrain_task),
    "materials evaluation": (lambda: materials_evaluate_schedule(delay_seconds=30), materials_evaluate_task),
    "copilot index run": (knowledge_index_enqueue, knowledge_index_task),
}


def waiting(task) -> int:
    return DBTaskResult.objects.filter(task_path=task.module_path, status="READY").count()


@pytest.fixture
def side_by_side(monkeypatch):
    """Each enqueue waits (up to 3 s) for the other caller's, so two callers that both checked before either queued
    both queue, as on a busy server. Under the lock the second caller is still waiting for it: the first one's wait
    times out and it queues alone."""
    both = threading.Barrier(2, timeout=3)
    real = DatabaseBackend.enqueue

    def enqueue(self, task, args, kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both.wait()
        return real(self, task, args, kwargs)

    monkeypatch.setattr(DatabaseBackend, "enqueue", enqueue)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("caller", CALLERS)
def test_two_callers_at_the_same_instant_queue_one_task(caller, side_by_side):
    schedule, task = CALLERS[caller]

    def ask() -> bool:
        try:
            return schedule()
        finally:
            connections.close_all()

    with time_machine.travel(T0, tick=False), ThreadPoolExecutor(2) as pool:
        asked = [pool.submit(ask) for _ in range(2)]
        queued = sorted(answer.result(timeout=60) for answer in asked)
    assert queued == [False, True]
    assert waiting(task) == 1


@pytest.mark.django_db
def test_a_waiting_task_counts_only_when_it_runs_by_the_bound():
    later, sooner = T0 + datetime.timedelta(minutes=15), T0 + datetime.timedelta(seconds=30)
    assert enqueue_unless_waiting(materials_evaluate_task, run_after=later) is True
    assert enqueue_unless_waiting(materials_evaluate_task, run_after=later) is False
    assert enqueue_unless_waiting(materials_evaluate_task, run_after=sooner, waiting_by=sooner) is True
    assert enqueue_unless_waiting(materials_evaluate_task, run_after=sooner, waiting_by=sooner) is False
    assert sorted(DBTaskResult.objects.values_list("run_after", flat=True)) == [sooner, later]
