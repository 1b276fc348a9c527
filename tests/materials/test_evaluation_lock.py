"""An evaluation runs one at a time under the materials lock, not the audit chain's: every audited write in the plant
(a station's "Done", a punch, a signature) takes the chain's lock, and must not wait out an evaluation."""

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from materials import buffers
from materials.models import CallOff, CallOffStatus
from materials.services import call_off_approve
from materials.tasks import materials_evaluate_now
from plexcopilot.models import AuditEvent
from plexcopilot.services import audit_record
from tests.materials.conftest import NOW
from tests.threads import in_thread

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every write anyway"
)


@pytest.fixture
def evaluation_held(monkeypatch):
    """An evaluation stopped inside its buffers step (after its shortages, which write and audit nothing), until
    released: (inside, release)."""
    inside, release = threading.Event(), threading.Event()
    real = buffers.component_needs

    def needs(now):
        inside.set()
        release.wait(timeout=20)
        return real(now)

    monkeypatch.setattr(buffers, "component_needs", needs)
    return inside, release


@pytest.mark.django_db(transaction=True)
def test_it_lets_an_unrelated_audited_write_through_while_an_evaluation_runs(demo_materials, evaluation_held):
    inside, release = evaluation_held
    with ThreadPoolExecutor(2) as pool:
        evaluation = pool.submit(in_thread(lambda: materials_evaluate_now(now=NOW)))
        try:
            assert inside.wait(timeout=20)
            append = pool.submit(
                in_thread(lambda: audit_record(actor=None, action="test.elsewhere", summary="x"))
            )
            try:
                event = append.result(timeout=5)
            except FutureTimeout:
                pytest.fail("an audited write waited for the materials evaluation")
        finally:
            release.set()
        evaluation.result(timeout=60)
    assert AuditEvent.objects.filter(pk=event.pk, action="test.elsewhere").exists()


@pytest.mark.django_db(transaction=True)
def test_it_makes_an_approval_wait_for_the_evaluation_under_way(demo_materials, evaluation_held):
    draft = CallOff.objects.get(component__number="NUT-M10-WP", status=CallOffStatus.DRAFT)
    user = get_user_model().objects.get(username="500501")  # the demo's material handler
    inside, release = evaluation_held
    with ThreadPoolExecutor(2) as pool:
        evaluation = pool.submit(in_thread(lambda: materials_evaluate_now(now=NOW)))
        try:
            assert inside.wait(timeout=20)
            approval = pool.submit(in_thread(lambda: call_off_approve(call_off=draft, user=user, now=NOW)))
            with pytest.raises(FutureTimeout):
                approval.result(timeout=1)
        finally:
            release.set()
        evaluation.result(timeout=60)
        approval.result(timeout=30)
    assert CallOff.objects.get(pk=draft.pk).status == CallOffStatus.REQUESTED
