"""The background worker, supervised: it outlives database outages, and work it was doing when killed runs again.

`manage.py run_worker` is a small supervisor that starts `manage.py run_worker --child` and starts it again
whenever it exits (back-off 1 s → 30 s). The child works django-tasks-db's queue in rounds; between rounds it
writes a heartbeat row and re-queues RUNNING tasks whose worker is gone (no heartbeat for
WORKER_HEARTBEAT_STALE_SECONDS) or that ran longer than TASK_RUNNING_TIMEOUT_SECONDS. A database error in a round
is logged, the connection dropped, and the round retried after a pause: the worker never exits on an outage.
Run the supervisor itself under systemd or compose with restart=always (README "Deployment").
"""

import datetime
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.tasks import Task, TaskResultStatus
from django.utils import timezone

from plexcopilot.models import WorkerHeartbeat
from plexcopilot.services import named_lock

logger = logging.getLogger(__name__)


def worker_id_new() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{int(time.time())}"[:64]


def heartbeat(*, worker_id: str, now: datetime.datetime | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"seen_at": now or timezone.now(), "pid": os.getpid()}
    )


def worker_running(*, now: datetime.datetime | None = None) -> bool:
    """True when some worker wrote a heartbeat recently (the pages say "worker not running" otherwise)."""
    since = (now or timezone.now()) - datetime.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()


def stale_tasks_requeue(*, now: datetime.datetime | None = None, dead_worker_id: str = "") -> int:
    """Put RUNNING tasks back in the queue when their worker is gone or they ran past the timeout."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    alive_since = now - datetime.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    too_old = now - datetime.timedelta(seconds=settings.TASK_RUNNING_TIMEOUT_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=alive_since).values_list("worker_id", flat=True))
    alive.discard(dead_worker_id)
    requeued = 0
    for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids", "started_at"
    ):
        owner = task.worker_ids[-1] if task.worker_ids else ""
        if owner in alive and task.started_at is not None and task.started_at >= too_old:
            continue
        if task.started_at is not None and task.started_at >= alive_since and owner != dead_worker_id:
            continue  # just claimed: its worker's first heartbeat may not be written yet
        requeued += DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
        logger.warning("Re-queued task %s (worker %s gone or task past its timeout)", task.pk, owner or "?")
    return requeued


QUEUE_LOCK_SPACE = 7_220_612  # the first key of the advisory locks below (the second is the task's path)


def enqueue_unless_waiting(
    task: Task[Any, Any],
    *,
    run_after: datetime.datetime | None = None,
    waiting_by: datetime.datetime | None = None,
) -> bool:
    """Queue `task` (to run at `run_after`; as soon as a worker is free when None) unless one is already waiting
    (READY); with `waiting_by`, only one waiting to run by then counts. True when one was queued.

    The debounce behind "a burst of events is one run": the check and the enqueue are one transaction under one
    lock, so two events at once queue one task. PostgreSQL: a transaction-scoped advisory lock keyed on the task's
    path. SQLite: the IMMEDIATE transaction (settings) holds the write lock from its first statement, before the
    check."""
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        named_lock(task.module_path, space=QUEUE_LOCK_SPACE)
        waiting = DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)
        if waiting_by is not None:
            waiting = waiting.filter(run_after__lte=waiting_by)
        if waiting.exists():
            return False
        (task.using(run_after=run_after) if run_after is not None else task).enqueue()
    return True


def worker_round(*, worker_id: str, max_tasks: int = 20) -> None:
    """Heartbeat, recover stale tasks, then run what is ready (up to max_tasks) and return."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    close_old_connections()
    heartbeat(worker_id=worker_id)
    stale_tasks_requeue()
    if not DBTaskResult.objects.ready().exists():
        return
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


def worker_loop(
    *,
    worker_id: str,
    interval: float = 1.0,
    stop: Callable[[], bool] = lambda: False,
    max_rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run rounds until `stop()`; a failed round (database down) is retried with back-off. Returns rounds run."""
    rounds, backoff = 0, 1.0
    while not stop() and (max_rounds is None or rounds < max_rounds):
        rounds += 1
        try:
            worker_round(worker_id=worker_id)
            backoff = 1.0
            sleep(interval)
        except Exception:
            logger.exception("Worker round failed (database or task error); retrying in %.0f s", backoff)
            try:
                connection.close()
            except Exception:
                logger.debug("closing the broken connection failed", exc_info=True)
            sleep(backoff)
            backoff = min(backoff * 2, 30.0)
    return rounds


def heartbeat_thread(*, worker_id: str, stop: threading.Event, every: float = 5.0) -> threading.Thread:
    """Keeps the heartbeat fresh while a long task runs (its own connection, errors only logged)."""

    def beat() -> None:
        while not stop.wait(every):
            try:
                heartbeat(worker_id=worker_id)
            except Exception:
                logger.warning("Heartbeat not written (database unavailable?)")
            finally:
                connection.close()

    thread = threading.Thread(target=beat, name="worker-heartbeat", daemon=True)
    thread.start()
    return thread


def supervise(*, argv: list[str], stop: Callable[[], bool], max_restarts: int | None = None) -> int:
    """Start the child worker and restart it whenever it exits; returns the number of starts."""
    starts, backoff = 0, 1.0
    while not stop() and (max_restarts is None or starts <= max_restarts):
        worker_id = worker_id_new() + f"-{starts}"
        starts += 1
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, *argv, "--child", "--worker-id", worker_id])  # noqa: S603 — our own argv
        logger.info("Worker %s started (pid %s)", worker_id, child.pid)
        while child.poll() is None:
            if stop():
                child.terminate()
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                return starts
            time.sleep(0.5)
        logger.warning("Worker %s exited with %s; restarting in %.0f s", worker_id, child.returncode, backoff)
        try:
            close_old_connections()
            stale_tasks_requeue(dead_worker_id=worker_id)
        except Exception:
            logger.warning(
                "Could not re-queue the dead worker's tasks now; the next worker will", exc_info=True
            )
        finally:
            connection.close()
        backoff = 1.0 if time.monotonic() - started > 60 else min(backoff * 2, 30.0)
        time.sleep(backoff)
    return starts
