"""Copilot tests: a fresh vector store per test, and a small library built from the demo plant's own."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from plexcopilot import llm

LIBRARY = Path(settings.BASE_DIR) / "demo" / "library"


@pytest.fixture(autouse=True)
def _copilot_isolated(settings, tmp_path):
    settings.COPILOT_CHROMA_DIR = tmp_path / "chroma"
    settings.COPILOT_UPLOAD_DIR = tmp_path / "uploads"
    settings.CHROMA_URL = ""
    settings.LLM_BASE_URL = ""
    llm.breaker.success()
    yield
    llm.breaker.success()


@pytest.fixture
def library_dir(tmp_path) -> Path:
    """A copy of part of the demo library that tests may change."""
    target = tmp_path / "library"
    for relative in (
        "sops/prs-400-clearing-a-jam.md",
        "troubleshooting/prs-400-troubleshooting.md",
        "sops/pw2-electrode-tip-dressing.md",
        "sops/lt1-leak-tester-calibration.md",
        "troubleshooting/vm2-sensor-bore.html",
        "maintenance/pw2-maintenance-log.txt",
        "maintenance/prs-400-electrical-notes.md",
    ):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(LIBRARY / relative, target / relative)
    return target


@pytest.fixture
def library(demo_plant, library_dir):
    """The demo plant with the small library and its instruction versions indexed."""
    from copilot.library_files import library_ingest_paths
    from copilot.plant_index import instruction_versions_index

    library_ingest_paths(paths=[library_dir])
    instruction_versions_index()
    return library_dir


@pytest.fixture
def station_run(library):
    """Ana García signed in at the 400 t press tablet, on step 4 of WO-24123-10 (the die clamp torque)."""
    from instructions.models import Execution, Station
    from plexcopilot.models import Employee
    from tests.actors import start, station_client

    station = Station.objects.get(code="ST-PRS-400")
    ana = Employee.objects.get(badge_id="100101")
    client = station_client(station, ana, pin="4821")
    start(client, "WO-24123-10")
    execution = Execution.objects.get(work_order__barcode="WO-24123-10", status="active")
    return client, execution, ana


@pytest.fixture
def run_worker(monkeypatch):
    """Run the background worker once over what is queued (uploads are indexed there, not in the request)."""
    from django_tasks_db.management.commands import db_worker

    from plexcopilot import worker

    # The worker closes stale connections between rounds; inside a test transaction that would close ours.
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        worker.worker_round(worker_id="test-worker")

    return run
