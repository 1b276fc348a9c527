"""Background tasks (django-tasks-db; worked by `manage.py db_worker`)."""

from django.tasks import task

from plex.services import outbox_drain, plex_enabled
from plex.sync import plex_sync


@task()
def plex_sync_task() -> str:
    if not plex_enabled():
        return "off"
    return plex_sync().status


@task()
def plex_outbox_drain_task() -> dict[str, object]:
    result = outbox_drain()
    return {
        "sent": result.sent,
        "retrying": result.retrying,
        "failed": result.failed,
        "stopped": result.stopped,
    }
