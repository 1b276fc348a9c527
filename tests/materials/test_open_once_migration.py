"""The migration that makes one open shortage alert and one draft buffer call-off per place a database rule first
closes the duplicates concurrent evaluations left behind (materials 0005), so it applies to a plant's database."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("materials", "0004_zone_history_by_day")]
T0 = datetime.datetime(2026, 11, 30, 5, 20, tzinfo=datetime.UTC)

pytestmark = pytest.mark.clock_free  # rows and schema migrated: the instants are data


@pytest.fixture
def back_to_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    return executor.migrate(targets).apps


@pytest.mark.django_db(transaction=True)
def test_it_closes_duplicate_open_alerts_and_drafts_then_keeps_one_per_place(plant, back_to_latest):
    old = _migrate(BEFORE)
    component = old.get_model("materials", "Component").objects.create(number="NUT-1", name="Nut")
    rack = old.get_model("materials", "LineSideLocation").objects.create(
        work_center_id=plant.station.work_center_id, code="LS-1"
    )
    Alert, CallOff = old.get_model("materials", "ShortageAlert"), old.get_model("materials", "CallOff")

    def alert(minutes, status="open"):
        at = T0 + datetime.timedelta(minutes=minutes)
        return Alert.objects.create(component=component, location=rack, predicted_at=at, shortage_at=at,
                                    lead_hours=4, shortfall=10, status=status).pk  # fmt: skip

    def call(minutes, status, card=""):
        return CallOff.objects.create(component=component, location=rack, quantity=500, status=status,
                                      reason="test", kanban_card=card,
                                      created_at=T0 + datetime.timedelta(minutes=minutes)).pk  # fmt: skip

    older_alert, newer_alert, resolved = alert(0), alert(1), alert(-60, "resolved")
    first_draft, second_draft, card = call(0, "draft"), call(1, "draft"), call(2, "requested", "KB-1-1")

    new = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    Alert, CallOff = new.get_model("materials", "ShortageAlert"), new.get_model("materials", "CallOff")
    assert dict(Alert.objects.values_list("pk", "status")) == {
        older_alert: "resolved", newer_alert: "open", resolved: "resolved"
    }  # fmt: skip
    assert dict(CallOff.objects.values_list("pk", "status")) == {
        first_draft: "draft", second_draft: "cancelled", card: "requested"
    }  # fmt: skip
    assert CallOff.objects.get(pk=second_draft).still_needed is False


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_requested_call_off_and_migrates_when_the_race_requested_two(plant, back_to_latest):
    # Two requested call-offs for one place are material perhaps on its way: migrate never stops on them, never
    # closes one; only the draft beside them (which the evaluation would not have drafted) is withdrawn.
    old = _migrate(BEFORE)
    component = old.get_model("materials", "Component").objects.create(number="NUT-1", name="Nut")
    rack = old.get_model("materials", "LineSideLocation").objects.create(
        work_center_id=plant.station.work_center_id, code="LS-1"
    )
    CallOff = old.get_model("materials", "CallOff")

    def call(minutes, status):
        return CallOff.objects.create(component=component, location=rack, quantity=500, status=status,
                                      reason="test", created_at=T0 + datetime.timedelta(minutes=minutes)).pk  # fmt: skip

    first, second, draft = call(0, "requested"), call(1, "requested"), call(2, "draft")

    new = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    CallOff = new.get_model("materials", "CallOff")
    assert dict(CallOff.objects.values_list("pk", "status")) == {
        first: "requested", second: "requested", draft: "cancelled"
    }  # fmt: skip
    assert CallOff.objects.get(pk=first).still_needed is True


@pytest.mark.django_db(transaction=True)
def test_it_trades_the_first_open_call_off_constraint_for_the_draft_one_on_a_database_that_applied_it(
    back_to_latest,
):
    # A database migrated with the first 0006 holds one_open_call_off_per_place (drafts and requested ones): 0007
    # replaces it with the draft-only one.
    _migrate([("materials", "0006_open_once_per_place")])
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX one_draft_call_off_per_place")
        cursor.execute(
            "CREATE UNIQUE INDEX one_open_call_off_per_place ON materials_calloff (component_id, location_id) "
            "WHERE kanban_card = '' AND status IN ('draft', 'requested')"
        )
    _migrate([("materials", "0007_one_draft_call_off_per_place")])
    with connection.cursor() as cursor:
        names = set(connection.introspection.get_constraints(cursor, "materials_calloff"))
    assert "one_draft_call_off_per_place" in names and "one_open_call_off_per_place" not in names
