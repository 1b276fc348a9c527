"""Row locks never wait for an insert that only references the row (PostgreSQL).

`make soak` found deadlocks by the hundred (each a 503 and a retry, one entry lost after 90 s of them) when
operators filed defects, raised Andon calls and signed in at one station at once: a defect report's insert holds a
FOR KEY SHARE lock on its station row (the foreign key check) while it waits for the audit chain's lock; an Andon
raise asked FOR UPDATE on that row and queued behind it; a third writer holding the audit lock then queued behind
the Andon raise to reference the station too. Step completion had the same two-way form: it holds the audit lock
and asked FOR UPDATE on the run's row, which a reading's insert (waiting for the audit lock to record an
out-of-spec value) holds FOR KEY SHARE. The plant's row locks are FOR NO KEY UPDATE: they still serialise the
writers that take them, never an insert that merely references the row.
"""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from instructions.closeout import execution_hand_off
from instructions.models import Execution
from instructions.runs import execution_start
from labor.andon import andon_raise
from labor.models import AndonCall
from plexcopilot.services import AUDIT_LOCK_KEY, audit_record
from tests.actors import build_plant
from tests.threads import in_thread

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every write"
)


def waiting_for_the_audit_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(  # this test database's audit lock only: other runs may share the server
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [AUDIT_LOCK_KEY],
        )
        return cursor.fetchone()[0] > 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_andon_raise_and_an_audited_report_at_the_same_station_both_go_through():
    """The soak's deadlock, two-way: a report at the station holds the audit chain's lock and, at commit, checks its
    foreign key to the station row (Django's constraints are deferred: FOR KEY SHARE at commit); an Andon raise
    at that station holds the station row and waits for the audit lock."""
    plant = build_plant()
    audited, release = threading.Event(), threading.Event()

    def report():
        with transaction.atomic():
            audit_record(actor=None, action="test.report", summary="a report at the station")
            AndonCall.objects.create(station=plant.station, work_center_id=plant.station.work_center_id,
                                     category="quality", note="filed a moment before", raised_by=plant.expert,
                                     raised_at=timezone.now())  # fmt: skip
            audited.set()
            assert release.wait(timeout=30)
        return "committed"

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(in_thread(report))
        try:
            assert audited.wait(timeout=20)
            raised = pool.submit(in_thread(
                lambda: andon_raise(station=plant.station, employee=plant.certified, category="material")))  # fmt: skip
            deadline = time.monotonic() + 20
            while not waiting_for_the_audit_lock():  # the raise holds the station row and waits for the chain
                if raised.done():
                    raised.result()  # its error, if it failed before waiting
                    pytest.fail("the raise finished before the report committed: the race was not built")
                assert time.monotonic() < deadline, "the raise never waited for the audit lock"
                time.sleep(0.05)
        finally:
            release.set()
        assert first.result(timeout=30) == "committed"
        call = raised.result(timeout=30)
    assert AndonCall.objects.filter(pk=call.pk, category="material").exists()
    assert AndonCall.objects.count() == 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_hand_over_of_a_run_and_a_step_marked_done_on_it_both_go_through():
    """Step completion takes the audit chain's lock, then the run's row; a hand-over updated the run's row, then
    waited for the audit lock: deadlock. Every writer of a run takes the chain's lock first now."""
    plant = build_plant()
    run = execution_start(work_order=plant.work_order, employee=plant.certified)
    audited, release = threading.Event(), threading.Event()

    def completion_like():
        with transaction.atomic():
            audit_record(actor=None, action="test.step", summary="a step marked done")
            audited.set()
            assert release.wait(timeout=30)
            Execution.objects.select_for_update(no_key=True).get(pk=run.pk)
        return "committed"

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(in_thread(completion_like))
        try:
            assert audited.wait(timeout=20)
            handed = pool.submit(in_thread(lambda: execution_hand_off(
                execution=Execution.objects.get(pk=run.pk), to_employee=plant.expert, station=plant.station)))  # fmt: skip
            deadline = time.monotonic() + 20
            while not waiting_for_the_audit_lock():
                if handed.done():
                    handed.result()
                    pytest.fail(
                        "the hand-over finished before the completion committed: the race was not built"
                    )
                assert time.monotonic() < deadline, "the hand-over never waited for the audit lock"
                time.sleep(0.05)
        finally:
            release.set()
        assert first.result(timeout=30) == "committed"
        assert handed.result(timeout=30) is not None
    assert Execution.objects.get(pk=run.pk).operator_id == plant.expert.pk


APPS = ("plexcopilot", "instructions", "quality", "labor", "copilot", "languages", "plex", "labor_analytics",
        "planning", "materials")  # fmt: skip


def test_every_row_lock_lets_inserts_that_reference_the_row_through():
    """FOR UPDATE on a row waits for every transaction that inserted a row referencing it (its deferred foreign key
    check holds FOR KEY SHARE until commit, after the audit lock): with the audit chain's lock taken in between,
    two writers deadlock. The plant locks rows FOR NO KEY UPDATE."""
    root = Path(__file__).resolve().parents[2]
    plain = []
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            plain += [f"{path.relative_to(root)}: select_for_update({args.strip()})"
                      for args in re.findall(r"select_for_update\(([^)]*)\)", text) if "no_key=True" not in args]  # fmt: skip
    assert not plain, "lock with select_for_update(no_key=True):\n" + "\n".join(plain)
