"""The materials evaluation in the background (django-tasks-db; worked by `manage.py run_worker`).

The desk's figures must not wait for someone to press "Re-evaluate now": a close-out (stock drawn), a released
plan or a closed work order (demand moved), an approved call-off (supply on its way) and a Plex containers sync
(stock counted) each queue one evaluation MATERIALS_EVALUATE_AFTER_SECONDS later, so a burst of events is one
evaluation; and every evaluation queues the next MATERIALS_EVALUATE_EVERY_SECONDS later, because time alone moves
a shortage closer. `manage.py materials_evaluate --schedule` (run by `make demo`, safe to repeat) starts that
chain. The evaluation is the one behind the button, with no one named as its actor.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from plexcopilot.worker import enqueue_unless_waiting

EVALUATE_TASK_PATH = "materials.tasks.materials_evaluate_task"


def materials_evaluate_now(*, now: datetime.datetime, actor: Any = None) -> tuple[int, int]:
    """Predict shortages, then re-evaluate buffers (the drafts follow the alerts); (alerts, buffers).

    One evaluation at a time: the worker's, "Re-evaluate now" and the one after "Delivered" may start together, and
    two reading the plant before either writes would open a second alert or draft a second call-off for one place.
    The whole evaluation is one transaction that takes the materials lock first (`materials_lock`: an advisory lock
    on PostgreSQL; SQLite's IMMEDIATE transaction holds the write lock from its start); the call-off actions take it
    first too. Its audit events are appended at its end (`buffers_evaluate`), so the audit chain's lock, which every
    audited write in the plant takes, is held only for those appends and the commit, never for the evaluation."""
    from materials.buffers import buffers_evaluate
    from materials.services import materials_lock
    from materials.shortages import shortages_predict

    with transaction.atomic():
        materials_lock()
        alerts = shortages_predict(now=now)
        buffers = buffers_evaluate(now=now, actor=actor)
    return len(alerts), len(buffers)


def _waiting() -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=EVALUATE_TASK_PATH, status=TaskResultStatus.READY)


def materials_evaluate_schedule(*, delay_seconds: int | None = None) -> bool:
    """Queue an evaluation `delay_seconds` from now (the periodic interval by default) unless one is already
    waiting to run by then; True when one was queued."""
    delay = settings.MATERIALS_EVALUATE_EVERY_SECONDS if delay_seconds is None else delay_seconds
    run_after = timezone.now() + datetime.timedelta(seconds=delay)
    return enqueue_unless_waiting(materials_evaluate_task, run_after=run_after, waiting_by=run_after)


def next_evaluation_at() -> datetime.datetime | None:
    """When the next queued evaluation may run (None when none is queued)."""
    waiting = _waiting().order_by("run_after").values_list("run_after", flat=True).first()
    return waiting


def on_stock_or_demand_changed(**_: Any) -> None:
    """Any event that moves stock, supply or demand: evaluate shortly (one evaluation for a burst)."""
    materials_evaluate_schedule(delay_seconds=settings.MATERIALS_EVALUATE_AFTER_SECONDS)


@task()
def materials_evaluate_task() -> str:
    try:
        alerts, buffers = materials_evaluate_now(now=timezone.now())
    finally:
        # The next periodic evaluation, unless one (queued by an event) is already waiting, whenever it runs.
        run_after = timezone.now() + datetime.timedelta(seconds=settings.MATERIALS_EVALUATE_EVERY_SECONDS)
        enqueue_unless_waiting(materials_evaluate_task, run_after=run_after)
    return f"{alerts} shortage(s) predicted, {buffers} buffer(s) evaluated"
