import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

DETROIT = ZoneInfo("America/Detroit")
# A Monday just after midnight plant time, the morning after the spring DST change.
MONDAY = datetime.datetime(2026, 3, 9, 0, 20, tzinfo=DETROIT)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def demo_schedule(db, clock, settings):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # write-backs queue in the outbox; nothing is sent here
    from instructions.demo import demo_plant_load
    from planning.demo import demo_schedule_load

    demo_plant_load()
    return demo_schedule_load(time_limit=3)


@pytest.fixture
def run_worker(monkeypatch):
    """Run what the background worker has queued, the way `manage.py run_worker` does (one round)."""
    from django_tasks_db.management.commands import db_worker

    from plexcopilot import worker

    # The worker closes stale connections between rounds; inside a test that would close ours.
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        worker.worker_round(worker_id="test-worker")

    return run
