import pytest
from django.db import IntegrityError, connection, transaction

from plexcopilot.audit_guard import audit_guard_suspended
from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


def events(n=3):
    return [
        audit_record(
            actor=None, action="test.event", object_type="thing", object_id=str(i), summary=f"event {i}"
        )
        for i in range(n)
    ]


class TestAuditTrail:
    def test_it_chains_events_and_verifies_them(self):
        events(5)
        intact, count, problem = audit_verify()
        assert (intact, count, problem) == (True, 5, "")

    def test_it_detects_an_edited_event(self):
        middle = events()[1]
        with audit_guard_suspended():
            AuditEvent.objects.filter(pk=middle.pk).update(summary="rewritten")
        intact, _count, problem = audit_verify()
        assert not intact
        assert f"event {middle.pk} was altered" in problem

    def test_it_detects_a_deleted_event(self):
        first, middle, last = events()
        with audit_guard_suspended():
            AuditEvent.objects.filter(pk=middle.pk).delete()
        intact, _count, problem = audit_verify()
        assert not intact
        assert f"event {last.pk} does not follow" in problem

    def test_it_refuses_updates_and_deletes_through_the_model(self):
        event = audit_record(actor=None, action="test.event", object_type="thing", object_id="1", summary="x")
        with pytest.raises(ValueError):
            event.save()
        with pytest.raises(ValueError):
            event.delete()

    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE plexcopilot_auditevent SET summary = 'rewritten'",
            "DELETE FROM plexcopilot_auditevent",
        ],
    )
    def test_the_database_refuses_updates_and_deletes(self, sql):
        events(2)
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
        assert list(AuditEvent.objects.values_list("summary", flat=True)) == ["event 0", "event 1"]
        assert audit_verify()[0]

    def test_the_database_refuses_queryset_updates_and_deletes(self):
        events(1)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.update(summary="rewritten")
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.all().delete()
        assert AuditEvent.objects.get().summary == "event 0"
