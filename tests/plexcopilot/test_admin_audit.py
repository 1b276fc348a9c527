"""A change made in the Django admin is in the hash-chained audit trail (`plexcopilot/admin_audit.py`)."""

import pytest

from labor.models import Shift
from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_verify

pytestmark = pytest.mark.django_db

SHIFT = {"code": "A", "name": "Days", "starts": "06:00:00", "ends": "14:00:00", "paid_hours": "8"}


def _events():
    return list(AuditEvent.objects.filter(action__startswith="admin.").order_by("id"))


def test_adding_changing_and_deleting_a_shift_in_the_admin_is_audited_with_who_and_what(
    admin_client, admin_user
):
    assert admin_client.post("/admin/labor/shift/add/", {**SHIFT, "grace_minutes": ""}).status_code == 302
    shift = Shift.objects.get(code="A")
    url = f"/admin/labor/shift/{shift.pk}/change/"
    assert admin_client.post(url, {**SHIFT, "grace_minutes": "5"}).status_code == 302
    assert admin_client.post(f"/admin/labor/shift/{shift.pk}/delete/", {"post": "yes"}).status_code == 302
    added, changed, deleted = _events()
    assert [e.action for e in (added, changed, deleted)] == ["admin.added", "admin.changed", "admin.deleted"]
    assert {e.object_type for e in (added, changed, deleted)} == {"labor.shift"}
    assert {e.object_id for e in (added, changed, deleted)} == {str(shift.pk)}
    assert {e.actor_id for e in (added, changed, deleted)} == {admin_user.pk}
    assert changed.summary == "Shift 'Shift A (06:00–14:00)' changed in the admin: Changed Grace minutes."
    assert deleted.summary == "Shift 'Shift A (06:00–14:00)' deleted in the admin"
    assert audit_verify()[0]


def test_a_refused_admin_form_records_nothing(admin_client):
    response = admin_client.post("/admin/labor/shift/add/", {**SHIFT, "grace_minutes": "241"})
    assert response.status_code == 200 and _events() == [] and not Shift.objects.exists()


def test_deleting_many_at_once_is_not_offered_each_deletion_is_one_recorded_page(admin_client):
    for code in ("A", "B"):
        Shift.objects.create(code=code, name=code, starts="06:00", ends="14:00")
    page = admin_client.get("/admin/labor/shift/").content.decode()
    assert "delete_selected" not in page
    response = admin_client.post(
        "/admin/labor/shift/",
        {"action": "delete_selected", "_selected_action": list(Shift.objects.values_list("pk", flat=True))},
    )
    assert Shift.objects.count() == 2 and _events() == []  # refused ("No action selected"), nothing gone
    assert response.status_code in (200, 302)


def test_an_admin_write_takes_the_audit_chains_lock_before_it_writes_its_row(admin_client, settings):
    """The audit record follows the admin's own write: without the lock first, an admin edit held the row while
    it waited for the chain, which station writers hold while they wait for rows (lock order, docs/architecture)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's write lock serialises every write; the advisory lock is PostgreSQL's")
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert (
            admin_client.post("/admin/labor/shift/add/", {**SHIFT, "grace_minutes": "3"}).status_code == 302
        )
    lock = next(i for i, sql in enumerate(statements) if "pg_advisory_xact_lock" in sql)
    write = next(i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "labor_shift"'))
    assert lock < write, statements[: write + 1]
