"""Completing the last step closes the run in the same transaction as the completion and the work order's
status; a blip leaves nothing half-done and the retry finishes it."""

import pytest
from django.db import connection
from django.test import Client

from instructions import station_hooks
from instructions.models import Execution, ExecutionStatus, StepCompletion, WorkOrder, WorkOrderStatus
from instructions.runs import StationError, execution_start, step_complete
from languages import pipeline
from plexcopilot.models import AuditEvent
from tests.actors import at, start, station_client
from tests.faults import database_blip
from tests.languages.fakes import word_translate

pytestmark = pytest.mark.django_db


def to_last_step(client: Client, url: str) -> str:
    client.post(at(url, 1) + "done/")
    client.post(at(url, 2) + "measure/", {"value": "26"})
    client.post(at(url, 2) + "done/")
    client.post(at(url, 3) + "done/")
    return at(url, 4)


@pytest.fixture
def last(plant):
    client = station_client(plant.station, plant.expert)
    url = start(client, "WO-1-10")
    return client, to_last_step(client, url)


def test_it_closes_the_run_with_the_last_step(last):
    client, url = last
    assert client.post(url + "done/").status_code == 302  # on to the close-out
    run = Execution.objects.get()
    assert run.status == ExecutionStatus.COMPLETE and run.completed_at is not None
    assert WorkOrder.objects.get().status == WorkOrderStatus.IN_PROGRESS  # closes at close-out
    assert AuditEvent.objects.filter(action="execution.complete").count() == 1


def test_it_rolls_everything_back_when_the_database_fails_between_writes_and_a_retry_finishes(last):
    client, url = last
    failing = Client(raise_request_exception=False)
    failing.cookies = client.cookies
    with database_blip('INSERT INTO "plexcopilot_auditevent"') as failed:  # after the run was closed
        response = failing.post(url + "done/", {"idempotency_key": "retry-key-0001"})
    assert failed and response.status_code == 503
    assert StepCompletion.objects.filter(step__order=4).count() == 0  # the completion went with the rest
    assert Execution.objects.get().status == ExecutionStatus.ACTIVE
    assert WorkOrder.objects.get().status == WorkOrderStatus.IN_PROGRESS

    assert client.post(url + "done/", {"idempotency_key": "retry-key-0001"}).status_code == 302
    assert StepCompletion.objects.filter(step__order=4).count() == 1
    assert Execution.objects.get().status == ExecutionStatus.COMPLETE


def test_it_counts_a_retried_step_done_once(last):
    client, url = last
    for _ in range(3):
        assert client.post(url + "done/", {"idempotency_key": "same-tap-00001"}).status_code in (200, 302)
    assert StepCompletion.objects.filter(step__order=4).count() == 1
    assert AuditEvent.objects.filter(action="execution.complete").count() == 1


@pytest.mark.django_db(transaction=True)  # the test's own transaction would hide the one step_complete opens
def test_it_translates_the_title_of_a_step_still_to_do_outside_the_lock(plant, monkeypatch):
    operator = plant.certified
    operator.language = "es"
    operator.save(update_fields=["language"])
    run = execution_start(work_order=WorkOrder.objects.get(barcode="WO-1-10"), employee=operator)
    first, third = run.version.steps.get(order=1), run.version.steps.get(order=3)
    in_transaction = []

    def engine(sentences, *, source, target):  # the machine translator (argos): seconds per uncached step
        in_transaction.append(connection.in_atomic_block)
        return [word_translate(s) for s in sentences], "argos"

    monkeypatch.setattr(pipeline, "machine_translate", engine)
    with pytest.raises(StationError) as refused:
        step_complete(execution=run, step=third, employee=operator, station=plant.station)
    assert in_transaction and not any(in_transaction)  # the run's row lock was not held meanwhile
    # The step named as the page for it titles it, in the operator's language.
    title = station_hooks.step_title(version=run.version, step=first, language="es")
    assert title != first.title and str(refused.value) == f"Finish step 1 ({title}) first."
    assert not StepCompletion.objects.exists()
