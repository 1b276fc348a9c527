import pytest
from django.test import Client

from plexcopilot.audit_guard import audit_guard_suspended
from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_record
from tests.actors import desk_login

pytestmark = pytest.mark.django_db


def desk(employee) -> Client:
    client = Client()
    assert desk_login(client, employee.badge_id, "desk-pass-123")
    return client


class TestAuditTrailView:
    def test_it_filters_by_action_and_text_and_escapes(self, plant):
        audit_record(actor=plant.supervisor.user, action="proposal.approve", object_type="x", object_id="1",
                     summary="Approved <b>bold</b> change")  # fmt: skip
        client = desk(plant.supervisor)
        page = client.get("/audit/?action=proposal.approve").content.decode()
        assert "Approved &lt;b&gt;bold&lt;/b&gt; change" in page and "version.publish</code>" not in page
        page = client.get("/audit/?q=Initial").content.decode()
        assert "Published Stamp test bracket v1" in page and "bold" not in page
        page = client.get("/audit/?actor=Sue").content.decode()
        assert "bold" in page

    def test_it_verifies_the_chain_on_demand(self, plant):
        client = desk(plant.quality)
        assert 'data-testid="chain-ok"' in client.get("/audit/?verify=1").content.decode()
        first = AuditEvent.objects.order_by("id").first()
        with audit_guard_suspended():
            AuditEvent.objects.filter(pk=first.pk).update(summary="edited")
        page = client.get("/audit/?verify=1").content.decode()
        assert f"event {first.pk} was altered" in page

    def test_it_ignores_a_malformed_date(self, plant):
        response = desk(plant.supervisor).get("/audit/?since=yesterday")
        assert response.status_code == 200

    def test_it_is_closed_to_operators(self, plant):
        assert desk(plant.certified).get("/audit/").status_code == 403
