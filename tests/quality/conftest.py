import signal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.management.commands import db_worker

from instructions.demo import DESK_PASSWORD
from quality.ncr_import import ncr_history_import
from tests.actors import desk_login

HISTORY = Path(__file__).resolve().parents[2] / "demo" / "ncr_history.csv"


def run_worker() -> None:
    """Work the real django-tasks-db queue in-process until it is empty, as `manage.py db_worker --batch`.

    The worker closes stale connections between tasks; inside a test's transaction that would close the
    test's own connection, so only that call is skipped.
    """
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    original = db_worker.close_old_connections
    db_worker.close_old_connections = lambda: None
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0
        )
    finally:
        db_worker.close_old_connections = original
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.fixture
def history(demo_plant):
    """The demo plant with the shipped NCR history imported."""
    with HISTORY.open(encoding="utf-8", newline="") as handle:
        report = ncr_history_import(lines=handle, actor=None, create_codes=True)
    assert report.errors == [] and report.imported >= 300
    return demo_plant


def desk_client(username: str, password: str = DESK_PASSWORD) -> Client:
    client = Client()
    assert desk_login(client, username, password)
    return client
