"""The background sync keeps itself scheduled, once."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from plex.models import SyncRun
from plex.tasks import plex_schedule, plex_sync_task

pytestmark = pytest.mark.django_db


def waiting() -> int:
    return DBTaskResult.objects.filter(task_path=plex_sync_task.module_path, status="READY").count()


def test_it_queues_one_sync_however_often_it_is_asked(plex_on):
    assert plex_schedule() is True
    assert plex_schedule() is False
    call_command("plex_sync", "--schedule")
    assert waiting() == 1


def test_it_syncs_drains_and_queues_its_next_run(plex_on, settings):
    settings.PLEX_MAX_RETRIES = 0
    assert plex_sync_task.call() == "ok"
    assert SyncRun.objects.get().calls == 17  # includes one BOM list per part and the containers
    assert waiting() == 1


def test_it_stays_quiet_when_plex_is_off(settings):
    settings.PLEX_BASE_URL = ""
    assert plex_sync_task.call() == "off"
    assert waiting() == 0
