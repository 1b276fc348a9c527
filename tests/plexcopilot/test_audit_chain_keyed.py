"""A keyed audit chain with checkpoints outside the database: truncation, re-hashing and deleted rows are found."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from plexcopilot.audit_chain import checkpoints_read
from plexcopilot.audit_guard import audit_guard_suspended
from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


def events(n: int) -> list[AuditEvent]:
    return [audit_record(actor=None, action="test.event", object_type="thing", object_id=str(i),
                         summary=f"event {i}") for i in range(n)]  # fmt: skip


def rehash_from(event: AuditEvent, *, summary: str, keyed: bool = False) -> None:
    """What a tamperer with table access does: rewrite one event and re-hash every event after it."""
    with audit_guard_suspended():
        prev = event.prev_hash
        for row in AuditEvent.objects.filter(pk__gte=event.pk).order_by("id"):
            if row.pk == event.pk:
                row.summary = summary
            row.prev_hash = prev
            row.hash = row.compute_hash(keyed=True) if keyed else hashlib.sha256(row.payload()).hexdigest()
            AuditEvent.objects.filter(pk=row.pk).update(
                summary=row.summary, prev_hash=row.prev_hash, hash=row.hash
            )
            prev = row.hash


def test_it_detects_the_last_events_deleted_after_a_checkpoint():
    events(6)
    assert audit_verify() == (True, 6, "")  # writes a checkpoint: 6 events, head
    with audit_guard_suspended():
        AuditEvent.objects.filter(
            pk__in=list(AuditEvent.objects.order_by("-id").values_list("pk", flat=True)[:2])
        ).delete()
    intact, count, problem = audit_verify()
    assert not intact and count == 4
    assert "a checkpoint recorded 6" in problem and "deleted from its end" in problem


def test_it_writes_a_checkpoint_every_n_events_after_commit(settings, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        made = events(7)
    points, problems = checkpoints_read()
    due = [e for e in made if e.pk % 3 == 0]
    assert problems == [] and len(points) == len(due) >= 2
    for point, event in zip(points, due, strict=True):
        assert (point.last_id, point.head) == (event.pk, event.hash)
        assert point.count == AuditEvent.objects.filter(pk__lte=event.pk).count()


def test_it_detects_an_event_rewritten_and_the_chain_re_hashed_without_the_key():
    made = events(5)
    rehash_from(made[2], summary="nothing happened")
    intact, _count, problem = audit_verify()
    assert not intact and f"event {made[2].pk} was altered" in problem


def test_it_detects_a_re_hash_with_the_key_against_the_checkpoints():
    """Even someone holding the key is caught by a checkpoint written before the rewrite."""
    made = events(5)
    assert audit_verify()[0]
    rehash_from(made[1], summary="nothing happened", keyed=True)
    intact, _count, problem = audit_verify()
    assert not intact and "not the event checkpointed as number 5" in problem


def test_it_detects_a_deleted_row_in_the_middle():
    made = events(4)
    with audit_guard_suspended():
        AuditEvent.objects.filter(pk=made[1].pk).delete()
    intact, _count, problem = audit_verify()
    assert not intact and f"event {made[2].pk} does not follow" in problem


def test_it_refuses_a_forged_checkpoint_line(settings):
    events(2)
    settings.AUDIT_CHECKPOINT_FILE.write_text(
        json.dumps({"count": 1, "last_id": 1, "head": "0", "mac": "f"}) + "\n"
    )
    intact, _count, problem = audit_verify()
    assert not intact and "valid key signature" in problem


def test_it_keeps_events_written_before_the_key_verifiable():
    legacy = events(3)
    rehash_from(legacy[0], summary=legacy[0].summary, keyed=False)  # as written before the key: plain SHA-256
    events(2)  # keyed from here on
    assert audit_verify() == (True, 5, "")


def test_verify_audit_command_reports_truncation():
    events(3)
    call_command("verify_audit")
    with audit_guard_suspended():
        AuditEvent.objects.filter(
            pk=AuditEvent.objects.order_by("-id").values_list("pk", flat=True).first()
        ).delete()
    with pytest.raises(CommandError, match="deleted from its end"):
        call_command("verify_audit")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL roles")
def test_the_application_role_cannot_switch_the_guard_off():
    events(2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = 'plexcopilot_app_test'")
        if cursor.fetchone() is None:
            cursor.execute("CREATE ROLE plexcopilot_app_test")
        cursor.execute(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON plexcopilot_auditevent TO plexcopilot_app_test"
        )
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE plexcopilot_app_test")
        cursor.execute("SELECT set_config('plexcopilot.audit_guard', 'off', true)")
        cursor.execute("UPDATE plexcopilot_auditevent SET summary = 'rewritten'")
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE plexcopilot_auditevent CASCADE")
