"""Evaluations run one at a time: the worker's, the desk's "Re-evaluate now" and the one after "Delivered" can start
together, and two at once must not open a second shortage alert or draft a second call-off for the same place. The
database refuses a second open one as the backstop."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connections, transaction
from django.db.models import Count

from materials import buffers, shortages
from materials.models import AlertStatus, CallOff, CallOffStatus, KanbanLoop, ShortageAlert
from materials.tasks import materials_evaluate_now
from tests.materials.conftest import NOW

NUT = "NUT-M10-WP"
OPEN_CALLS = [CallOffStatus.DRAFT, CallOffStatus.REQUESTED]


@pytest.fixture
def side_by_side(monkeypatch):
    """Each evaluation waits (up to 3 s) for the other before it reads the plant, so two unserialised evaluations
    both read before either writes, as two slow evaluations on a busy server do. Serialised, the first one's wait
    times out while the second waits for its lock, and both carry on one after the other."""
    both = threading.Barrier(2, timeout=3)

    def meeting(real):
        def needs(now):
            with contextlib.suppress(threading.BrokenBarrierError):
                both.wait()
            return real(now)

        return needs

    monkeypatch.setattr(shortages, "component_needs", meeting(shortages.component_needs))
    monkeypatch.setattr(buffers, "component_needs", meeting(buffers.component_needs))


def evaluate_in_thread() -> tuple[int, int]:
    try:
        return materials_evaluate_now(now=NOW)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_open_alert_and_one_open_call_off_per_place_when_two_evaluations_run_at_once(
    demo_materials, side_by_side
):
    # The demo's own evaluation raised the weld nut's alert and drafted its call-off: start from none.
    CallOff.objects.all().delete()
    ShortageAlert.objects.all().delete()
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(evaluate_in_thread) for _ in range(2)]
        results = [run.result(timeout=60) for run in runs]
    assert all(alerts >= 1 for alerts, _buffers in results)
    open_alerts = ShortageAlert.objects.filter(status=AlertStatus.OPEN)
    per_place = open_alerts.values("component", "location").annotate(n=Count("id"))
    assert [row["n"] for row in per_place if row["n"] > 1] == []
    assert open_alerts.filter(component__number=NUT).count() == 1
    open_calls = CallOff.objects.filter(status__in=OPEN_CALLS, kanban_card="")
    per_place = open_calls.values("component", "location").annotate(n=Count("id"))
    assert [row["n"] for row in per_place if row["n"] > 1] == []
    assert open_calls.filter(component__number=NUT).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_alert_or_draft_call_off_at_one_place(demo_materials):
    alert = ShortageAlert.objects.get(component__number=NUT, status=AlertStatus.OPEN)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShortageAlert.objects.create(
            component=alert.component, location=alert.location, predicted_at=NOW, shortage_at=NOW,
            lead_hours=1, shortfall=1,
        )  # fmt: skip
    ShortageAlert.objects.create(
        component=alert.component,
        location=alert.location,
        predicted_at=NOW,
        shortage_at=NOW,
        lead_hours=1,
        shortfall=1,
        status=AlertStatus.RESOLVED,
    )  # fmt: skip  — resolved ones are history: any number
    draft = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        CallOff.objects.create(
            component=draft.component, location=draft.location, quantity=1, status=CallOffStatus.DRAFT,
            reason="a second one", created_at=NOW,
        )  # fmt: skip
    # Requested ones are not refused: the evaluation drafts none beside an open one and approving is draft →
    # requested, both under the materials lock; requested ones the earlier race doubled stay (migration 0005).
    CallOff.objects.create(
        component=draft.component, location=draft.location, quantity=1, status=CallOffStatus.REQUESTED,
        reason="left by the earlier race", created_at=NOW,
    )  # fmt: skip
    # A kanban card is its own authorisation: it may be on its way beside the buffer's call-off.
    card = KanbanLoop.objects.get(component__number=NUT).card_barcode(1)
    CallOff.objects.create(
        component=draft.component, location=draft.location, quantity=500, status=CallOffStatus.REQUESTED,
        reason="card", kanban_card=card, created_at=NOW,
    )  # fmt: skip
    CallOff.objects.create(
        component=draft.component, location=draft.location, quantity=1, status=CallOffStatus.CANCELLED,
        reason="withdrawn", created_at=NOW,
    )  # fmt: skip
    assert CallOff.objects.filter(component__number=NUT).count() == 4
