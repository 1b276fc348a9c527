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


def test_pay_rates_and_job_costs_in_the_trail_are_for_those_who_may_see_labor_costs(plant):
    """A quality engineer could read "Labor grade 'OP2 (29.50/h)'" on the audit page while labor analytics was
    closed to them (walkthrough finding)."""
    audit_record(actor=None, action="admin.changed", object_type="labor_analytics.laborgrade", object_id="2",
                 summary="Labor grade 'OP2 (29.50/h)' changed in the admin: Hourly rate: 28.00 → 29.50")  # fmt: skip
    audit_record(actor=None, action="labor.variance_alert", object_type="labor_analytics.variancealert",
                 object_id="1", summary="WO-24128 op 10 actual cost 815 (+64 %)")  # fmt: skip
    quality = desk(plant.quality)
    for url in ("/audit/", "/audit/?object=labor_analytics.laborgrade", "/audit/?q=29.50"):
        page = quality.get(url).content.decode()
        assert "Hourly rate: 28.00 → 29.50" not in page and "actual cost 815" not in page
    assert (
        "labor_analytics.laborgrade" not in quality.get("/audit/").content.decode()
    )  # nor among the filters
    assert "Published Stamp test bracket v1" in quality.get("/audit/").content.decode()  # the rest is there
    page = desk(plant.supervisor).get("/audit/").content.decode()
    assert "Hourly rate: 28.00 → 29.50" in page and "actual cost 815" in page
