"""A change made in the Django admin is in the hash-chained audit trail (`plexcopilot/admin_audit.py`)."""

import pytest
from django.contrib import admin
from django.utils import timezone

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
    assert changed.summary == "Shift 'Shift A (06:00–14:00)' changed in the admin: Grace minutes: (empty) → 5"
    assert changed.data["fields"] == [{"field": "Grace minutes", "old": "(empty)", "new": "5"}]
    assert (
        changed.data["change"] == "Changed Grace minutes."
    )  # the admin's own message, kept beside the values
    assert added.summary.startswith("Shift 'Shift A (06:00–14:00)' added in the admin: Code: A; Name: Days;")
    assert {"field": "Starts", "old": None, "new": "06:00:00"} in added.data["fields"]
    assert {"field": "Grace minutes", "old": "05", "new": None} not in deleted.data["fields"]
    assert {"field": "Grace minutes", "old": "5", "new": None} in deleted.data["fields"]
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


EMPLOYEE = {"language": "en", "role": "operator", "active": "on", "plex_employee_id": "",
            "new_pin": "", "certifications-TOTAL_FORMS": "1", "certifications-INITIAL_FORMS": "1",
            "certifications-MIN_NUM_FORMS": "0", "certifications-MAX_NUM_FORMS": "1000"}  # fmt: skip


def _employee_form(employee, certification, **changes):
    form = {**EMPLOYEE, "user": employee.user_id, "badge_id": employee.badge_id,
            "first_name": employee.first_name, "last_name": employee.last_name, "shift": employee.shift,
            "certifications-0-id": certification.pk, "certifications-0-employee": employee.pk,
            "certifications-0-certification_type": certification.certification_type_id,
            "certifications-0-level": certification.level,
            "certifications-0-valid_until": certification.valid_until.isoformat(),
            "certifications-0-granted_on": certification.granted_on.isoformat()}  # fmt: skip
    return {**form, **changes}


def test_a_role_a_pin_and_a_certification_changed_on_an_employees_page_are_recorded_with_before_and_after(
    plant, admin_client
):
    """The admin's history says "Changed Role and New pin"; the audit trail says from what to what, and of a
    PIN only that it changed (neither the PIN nor its hash is in the trail)."""
    employee = plant.certified
    certification = employee.certifications.get()
    old_hash = employee.pin_hash
    response = admin_client.post(
        f"/admin/plexcopilot/employee/{employee.pk}/change/",
        _employee_form(employee, certification, role="supervisor", new_pin="975310",
                       **{"certifications-0-valid_until": "2031-05-01"}),
    )  # fmt: skip
    assert response.status_code == 302, response.content[:3000]
    (changed,) = [e for e in _events() if e.action == "admin.changed"]
    assert "Role: Operator → Supervisor" in changed.summary
    assert "Pin hash: (changed)" in changed.summary
    was = certification.valid_until
    certification.refresh_from_db()
    assert f"Employee certification '{certification}', valid until: {was} → 2031-05-01" in changed.summary
    trail = str(changed.data) + changed.summary
    employee.refresh_from_db()
    assert old_hash not in trail and employee.pin_hash not in trail and "975310" not in trail
    assert audit_verify()[0]


def test_a_save_that_changes_no_stored_value_says_so(plant, admin_client):
    employee = plant.certified
    certification = employee.certifications.get()
    url = f"/admin/plexcopilot/employee/{employee.pk}/change/"
    assert admin_client.post(url, _employee_form(employee, certification)).status_code == 302
    (changed,) = _events()
    assert changed.data["fields"] == []
    assert changed.summary == f"Employee '{employee}' changed in the admin: no stored value changed"


def test_a_deletion_records_the_related_records_it_takes_with_it(plant, admin_client):
    employee = plant.trainee
    certification = employee.certifications.get()
    url = f"/admin/plexcopilot/employee/{employee.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    (deleted,) = _events()
    assert deleted.summary == (
        f"Employee '{employee}' deleted in the admin with 1 related records: Employee certification: {certification}"
    )
    assert deleted.data["deleted_with"] == [f"Employee certification: {certification}"]
    assert {"field": "Badge id", "old": employee.badge_id, "new": None} in deleted.data["fields"]


def test_a_changed_many_to_many_set_is_recorded_with_before_and_after(admin_client):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Line leads")
    change, view = Permission.objects.filter(codename__in=["view_shift", "change_shift"]).order_by("codename")
    group.permissions.add(view)
    url = f"/admin/auth/group/{group.pk}/change/"
    assert (
        admin_client.post(url, {"name": "Line leads", "permissions": [view.pk, change.pk]}).status_code == 302
    )
    (changed,) = _events()
    assert changed.summary == (
        f"Group 'Line leads' changed in the admin: Permissions: {view} → {change}, {view}"  # sorted by name
    ), changed.summary


def test_every_admin_action_records_what_it_did(plant, admin_client):
    """Actions are not in the admin's own history (it logs change pages only): each records itself."""
    from plex.models import SyncError, SyncRun, SyncState
    from quality.models import DefectCategory

    actions = {
        (model._meta.label, name)
        for model, model_admin in admin.site._registry.items()
        for name in (model_admin.actions or [])
        if model._meta.app_label != "axes"
    }
    run = SyncRun.objects.create(status="failed", started_at=timezone.now())
    objects = {
        ("plexcopilot.Employee", "deactivate"): plant.trainee,
        ("quality.DefectCategory", "retire"): DefectCategory.objects.create(code="BURR", label="Burr"),
        ("quality.DefectCategory", "reinstate"): DefectCategory.objects.create(
            code="GAP", label="Gap", active=False
        ),
        ("quality.RootCauseCode", "retire"): None,
        ("quality.RootCauseCode", "reinstate"): None,
        ("plex.SyncState", "sync_now"): SyncState.objects.create(resource="parts"),
        ("plex.SyncError", "mark_resolved"): SyncError.objects.create(
            run=run, resource="parts", plex_id="P1", message="unknown unit"
        ),  # fmt: skip
        ("plex.OutboxItem", "retry"): None,
    }
    assert actions == set(objects), "a new admin action: give it an object here and make it record itself"
    for (label, name), obj in objects.items():
        if obj is None:
            continue  # same code as the case above it (root causes share the categories' admin), or tested in plex
        before = AuditEvent.objects.count()
        url = f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/"
        response = admin_client.post(url, {"action": name, "_selected_action": [obj.pk], "index": "0"})
        assert response.status_code == 302, (label, name)
        recorded = AuditEvent.objects.filter(id__gt=0).order_by("-id")[: AuditEvent.objects.count() - before]
        assert [e for e in recorded if e.object_id == str(obj.pk)], (label, name)


def test_an_inline_row_deleted_on_a_page_is_named_not_called_no_change(plant, admin_client):
    """Review finding: deleting an employee's certification on the employee's page read "no stored value
    changed" (a deleted row has no before and after)."""
    employee = plant.certified
    certification = employee.certifications.get()
    form = _employee_form(employee, certification, **{"certifications-0-DELETE": "on"})
    assert admin_client.post(f"/admin/plexcopilot/employee/{employee.pk}/change/", form).status_code == 302
    (changed,) = _events()
    assert not employee.certifications.exists()
    assert changed.summary == (
        f"Employee '{employee}' changed in the admin: Deleted employee certification '{certification}'"
    )


def test_a_deletion_lists_labor_cost_records_without_their_rates(plant, admin_client):
    """The audit page hides pay records from roles without labor analytics; a cascade listed "OP2 (28.00/h)"."""
    from labor_analytics.models import EmployeeGrade, LaborGrade

    employee = plant.trainee
    EmployeeGrade.objects.create(employee=employee, grade=LaborGrade.objects.create(code="OP2", name="Op 2",
                                                                                      hourly_rate="28.00"))  # fmt: skip
    assert (
        admin_client.post(f"/admin/plexcopilot/employee/{employee.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    (deleted,) = _events()
    assert "Employee grade: (a labor cost record)" in deleted.summary and "28.00" not in str(deleted.data)
