"""Employee (plexcopilot 0005 … labor 0006) and CertificationType (plexcopilot 0006 … labor 0007) moved from labor
to the core without touching the data.

The database is taken back to the state before the move, filled there through the old models (an employee, a
punch, a certification type and a certification, a copilot conversation, a Plex labor entry, an operation that
requires the certification, the old content types with a permission), then
migrated forward. The rows and the links must be the same rows, no schema statement may run on the way, and on
PostgreSQL the foreign-key constraints must be the very same constraints (not dropped and made again).
"""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

# Unapplies both moves in every app (they all depend on plexcopilot 0005).
BEFORE = [("plexcopilot", "0004_audit_guard_owner_only")]
MOVE = {
    ("plexcopilot", "0005_employee"),
    ("instructions", "0007_employee_in_core"),
    ("quality", "0007_employee_in_core"),
    ("copilot", "0006_employee_in_core"),
    ("labor_analytics", "0002_employee_in_core"),
    ("plex", "0002_employee_in_core"),
    ("labor", "0006_employee_to_core"),
    ("plexcopilot", "0006_certification_type"),
    ("instructions", "0008_certification_type_in_core"),
    ("labor", "0007_certification_type_to_core"),
}
SCHEMA_WORDS = ("CREATE ", "ALTER ", "DROP ", "RENAME ")

pytestmark = pytest.mark.clock_free  # schema and rows migrated: no plant clock anywhere


def _migrate(targets: list[tuple[str, str]]) -> tuple[MigrationExecutor, Any, list[str]]:
    """Migrate to `targets`: (a fresh executor, the models as the applied migrations leave them, the SQL run)."""
    executor = MigrationExecutor(connection)
    with CaptureQueriesContext(connection) as queries:
        state = executor.migrate(targets)
    return MigrationExecutor(connection), state.apps, [q["sql"] for q in queries.captured_queries]


def _fk_constraints() -> dict[str, int]:
    """PostgreSQL: every foreign key pointing at the moved tables, by name -> oid (a rebuilt one gets a new oid)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, oid FROM pg_constraint WHERE contype = 'f'"
            " AND confrelid IN ('labor_employee'::regclass, 'labor_certificationtype'::regclass)"
        )
        return {name: int(oid) for name, oid in cursor.fetchall()}


@pytest.fixture
def back_to_latest():
    """Whatever happens in the test, later tests find every migration applied (the test stops at the move's end)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _move_targets() -> list[tuple[str, str]]:
    """Each app to its last migration of the move, not to its newest: a later migration of an app (labor's punch
    note grew to 500 characters after the move) may change the schema; the move itself must not."""
    last: dict[str, str] = {}
    for app, name in MOVE:
        last[app] = max(last.get(app, ""), name)
    return sorted(last.items())


@pytest.mark.django_db(transaction=True)
def test_it_moves_identity_to_the_core_keeping_rows_links_and_constraints(back_to_latest):
    executor, old, _ = _migrate(BEFORE)
    assert not MOVE & set(executor.loader.applied_migrations), "the move should be unapplied here"
    assert "employee" in old.all_models["labor"]

    user = old.get_model("auth", "User").objects.create(username="moved")
    employee = old.get_model("labor", "Employee").objects.create(
        user=user, badge_id="770001", pin_hash="x", first_name="Ana", last_name="Moved", role="supervisor"
    )
    punch = old.get_model("labor", "Punch").objects.create(
        employee=employee, kind="clock_in", at=timezone.now(), source="station"
    )
    cert_type = old.get_model("labor", "CertificationType").objects.create(code="MOVE", name="Move")
    cert = old.get_model("labor", "EmployeeCertification").objects.create(
        employee=employee,
        certification_type=cert_type,
        level="certified",
        valid_until=datetime.date(2030, 1, 1),
    )
    operation = old.get_model("instructions", "Operation").objects.create(
        part=old.get_model("instructions", "Part").objects.create(number="MOVE-1", revision="A", name="Part"),
        sequence=10,
        name="Press",
        work_center=old.get_model("instructions", "WorkCenter").objects.create(code="MOVE-WC", name="WC"),
        required_certification=cert_type,
    )
    conversation = old.get_model("copilot", "Conversation").objects.create(employee=employee)
    entry = old.get_model("plex", "LaborEntry").objects.create(
        key="move-1", employee=employee, begin=timezone.now()
    )
    ContentType = old.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.get_or_create(app_label="labor", model="employee")[0]
    cert_content_type = ContentType.objects.get_or_create(app_label="labor", model="certificationtype")[0]
    permission = old.get_model("auth", "Permission").objects.create(
        content_type=content_type, codename="move_employee", name="Can move employee"
    )
    constraints_before = _fk_constraints() if connection.vendor == "postgresql" else {}

    executor, new, statements = _migrate(_move_targets())
    assert set(executor.loader.applied_migrations) >= MOVE
    schema = [sql for sql in statements if sql.lstrip().upper().startswith(SCHEMA_WORDS)]
    assert not schema, f"the move must not touch the schema: {schema[:5]}"

    assert "employee" not in new.all_models["labor"]
    Employee = new.get_model("plexcopilot", "Employee")
    assert Employee._meta.db_table == "labor_employee"
    moved = Employee.objects.get(pk=employee.pk)
    assert (moved.badge_id, moved.user_id, moved.role) == ("770001", user.pk, "supervisor")
    assert new.get_model("labor", "Punch").objects.get(pk=punch.pk).employee_id == employee.pk
    assert new.get_model("labor", "Punch")._meta.get_field("employee").related_model is Employee
    assert (
        new.get_model("labor", "EmployeeCertification").objects.get(pk=cert.pk).employee.badge_id == "770001"
    )
    assert new.get_model("copilot", "Conversation").objects.get(pk=conversation.pk).employee_id == employee.pk
    assert new.get_model("plex", "LaborEntry").objects.get(pk=entry.pk).employee_id == employee.pk
    ContentType = new.get_model("contenttypes", "ContentType")
    assert ContentType.objects.get(pk=content_type.pk).app_label == "plexcopilot"
    assert not ContentType.objects.filter(app_label="labor", model="employee").exists()
    assert (
        new.get_model("auth", "Permission").objects.get(pk=permission.pk).content_type_id == content_type.pk
    )

    assert "certificationtype" not in new.all_models["labor"]
    CertificationType = new.get_model("plexcopilot", "CertificationType")
    assert CertificationType._meta.db_table == "labor_certificationtype"
    assert CertificationType.objects.get(pk=cert_type.pk).code == "MOVE"
    moved_cert = new.get_model("labor", "EmployeeCertification").objects.get(pk=cert.pk)
    assert moved_cert.certification_type.code == "MOVE"
    assert type(moved_cert.certification_type) is CertificationType
    assert new.get_model("instructions", "Operation").objects.get(
        pk=operation.pk
    ).required_certification.code == ("MOVE")
    assert ContentType.objects.get(pk=cert_content_type.pk).app_label == "plexcopilot"
    if connection.vendor == "postgresql":
        assert constraints_before and _fk_constraints() == constraints_before
