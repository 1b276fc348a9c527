"""Background tasks (django-tasks-db; worked by `manage.py db_worker`).

`plex_sync_task` polls Plex, drains the outbox, and queues its own next run PLEX_SYNC_EVERY_SECONDS later,
so one `plex_schedule()` (run by `manage.py plex_sync --schedule`, safe to repeat) keeps the cache fresh.
"""

import datetime

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from plex.outbox import outbox_drain, plex_enabled
from plex.sync import plex_sync
from plexcopilot.worker import enqueue_unless_waiting


def plex_schedule(*, delay_seconds: int | None = None) -> bool:
    """Queue the next sync unless one is already waiting; True when one was queued."""
    delay = settings.PLEX_SYNC_EVERY_SECONDS if delay_seconds is None else delay_seconds
    return enqueue_unless_waiting(
        plex_sync_task, run_after=timezone.now() + datetime.timedelta(seconds=delay)
    )


@task()
def plex_sync_task() -> str:
    if not plex_enabled():
        return "off"
    try:
        status = plex_sync().status
        outbox_drain()
    finally:
        plex_schedule()
    return status


@task()
def plex_outbox_drain_task() -> dict[str, object]:
    result = outbox_drain()
    return {
        "sent": result.sent,
        "retrying": result.retrying,
        "failed": result.failed,
        "stopped": result.stopped,
    }
