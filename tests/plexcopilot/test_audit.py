import pytest

from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


class TestAuditTrail:
    def test_it_chains_events_and_verifies_them(self):
        for n in range(5):
            audit_record(
                actor=None, action="test.event", object_type="thing", object_id=str(n), summary=f"event {n}"
            )
        intact, count, problem = audit_verify()
        assert (intact, count, problem) == (True, 5, "")

    def test_it_detects_an_edited_event(self):
        for n in range(3):
            audit_record(
                actor=None, action="test.event", object_type="thing", object_id=str(n), summary=f"event {n}"
            )
        middle = AuditEvent.objects.order_by("id")[1]
        AuditEvent.objects.filter(pk=middle.pk).update(summary="rewritten")
        intact, _count, problem = audit_verify()
        assert not intact
        assert f"event {middle.pk} was altered" in problem

    def test_it_refuses_updates_and_deletes_through_the_model(self):
        event = audit_record(actor=None, action="test.event", object_type="thing", object_id="1", summary="x")
        with pytest.raises(ValueError):
            event.save()
        with pytest.raises(ValueError):
            event.delete()
