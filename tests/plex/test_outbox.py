"""The write-back outbox: idempotent enqueue, an outage and recovery lose nothing, failures wait for the admin."""

import datetime

import pytest
from django.utils import timezone

from instructions.models import Measurement, Station, WorkCenter
from plex.fake_data import fake_id
from plex.models import OutboxItem, OutboxStatus
from plex.outbox import outbox_drain, outbox_enqueue, outbox_retry
from plex.sync import plex_sync
from plex.writebacks import (
    clock_writeback,
    measurement_writeback,
    note_writeback,
    workcenter_status_writeback,
)
from plexcopilot.models import AuditEvent, Employee
from tests.actors import PIN, at, start, station_client

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(days=2)
ANDON = fake_id("status", "Andon")  # a status the fake tenant knows


def checksheet(n: int) -> dict:
    return {"jobOperationId": f"jo-{n}", "measurements": [{"specificationId": f"spec-{n}", "value": 8.5}]}


def test_it_is_off_when_plex_is_not_configured(settings):
    settings.PLEX_BASE_URL = ""
    assert outbox_enqueue(kind="checksheet", payload=checksheet(1), idempotency_key="k1") is None
    assert OutboxItem.objects.count() == 0


def test_it_enqueues_once_per_idempotency_key(plex_on):
    first = outbox_enqueue(kind="checksheet", payload=checksheet(1), idempotency_key="k1")
    again = outbox_enqueue(kind="checksheet", payload=checksheet(1), idempotency_key="k1")
    assert first == again and OutboxItem.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("teleport", {}, "Unknown Plex write-back kind"),
        ("checksheet", {"jobOperationId": "x"}, "needs measurements"),
        ("clock_in", {"workcenterId": "w"}, "needs accountId"),
    ],
)
def test_it_refuses_an_unknown_kind_or_an_incomplete_payload(plex_on, kind, payload, message):
    with pytest.raises(ValueError, match=message):
        outbox_enqueue(kind=kind, payload=payload, idempotency_key="k")


def test_it_loses_nothing_through_an_outage_and_recovery(plex_on, client):
    plex_sync(client=client)
    press = WorkCenter.objects.get(code="PRS-250")
    lena = Employee.objects.get(badge_id="410001")
    for n in range(5):
        outbox_enqueue(kind="checksheet", payload=checksheet(n), idempotency_key=f"cs-{n}")
    clock_writeback(employee=lena, work_center=press, direction="in", idempotency_key="clock-1")
    workcenter_status_writeback(work_center=press, status_id=ANDON, idempotency_key="andon-1")
    note_writeback(kind="ncr_draft", title="NCR-88 triage draft", body="Burr on pierce hole", reference="NCR-88",
                   idempotency_key="ncr-88")  # fmt: skip
    assert OutboxItem.objects.count() == 8

    plex_on.mode = "outage"
    now = timezone.now()
    for _ in range(3):
        down = outbox_drain(client=client, now=now)
        assert down.sent == 0 and down.retrying == 1 and "unavailable" in down.stopped
    assert OutboxItem.objects.filter(status=OutboxStatus.PENDING).count() == 8
    assert plex_on.received == {}

    plex_on.mode = "ok"
    up = outbox_drain(client=client, now=now + LATER)
    assert (up.sent, up.retrying, up.failed) == (8, 0, 0)
    assert OutboxItem.objects.filter(status=OutboxStatus.SENT).count() == 8
    assert sorted(r["key"] for r in plex_on.received["checksheet"]) == [f"cs-{n}" for n in range(5)]
    assert plex_on.received["clock_in"][0]["body"]["accountId"]  # learned from synced labor records
    assert plex_on.received["workcenter_status"][0]["body"] == {"workcenterStatusId": ANDON}
    assert plex_on.received["activity"][0]["body"]["activityName"] == "NCR-88 triage draft"
    # Draining again sends nothing twice.
    assert outbox_drain(client=client, now=now + LATER + LATER).sent == 0
    assert sum(len(v) for v in plex_on.received.values()) == 8


def test_it_backs_off_between_attempts(plex_on, client):
    item = outbox_enqueue(kind="checksheet", payload=checksheet(1), idempotency_key="cs-1")
    plex_on.mode = "outage"
    now = timezone.now()
    outbox_drain(client=client, now=now)
    item.refresh_from_db()
    assert item.attempts == 1 and item.next_attempt_at == now + datetime.timedelta(seconds=30)
    assert outbox_drain(client=client, now=now + datetime.timedelta(seconds=10)).retrying == 0  # not due yet
    outbox_drain(client=client, now=now + datetime.timedelta(seconds=31))
    item.refresh_from_db()
    assert item.attempts == 2 and "unavailable" in item.last_error


def test_it_parks_a_rejected_item_for_the_admin_and_sends_it_after_a_retry(plex_on, client, settings):
    item = workcenter_status_writeback(
        work_center=WorkCenter(code="X", plex_workcenter_id="wc-unknown"),
        status_id=ANDON,
        idempotency_key="andon-x",
    )
    outbox_drain(client=client)
    item.refresh_from_db()
    assert item.status == OutboxStatus.FAILED and "404" in item.last_error
    assert AuditEvent.objects.filter(action="plex.outbox.failed").count() == 1
    plex_on.data.setups["wc-unknown"] = {"id": "wc-unknown", "operators": []}  # fixed in Plex
    assert outbox_retry(items=[item], actor=None) == 1
    assert outbox_drain(client=client).sent == 1
    item.refresh_from_db()
    assert item.status == OutboxStatus.SENT


def test_it_writes_a_station_measurement_back_as_a_checksheet(plex_on, client, plex_admin):
    plex_sync(client=client, actor=plex_admin)
    Station.objects.create(
        code="ST-PRS-250", name="Press tablet", work_center=WorkCenter.objects.get(code="PRS-250")
    )
    lena = Employee.objects.get(badge_id="410001")
    lena.set_pin(PIN)
    lena.save()
    tablet = station_client(Station.objects.get(), lena)
    url = start(tablet, "J-24017-10")
    tablet.post(url + "done/")
    tablet.post(at(url, 2) + "measure/", {"value": "8.71"})
    measurement = Measurement.objects.get()

    item = measurement_writeback(measurement=measurement)
    assert measurement_writeback(measurement=measurement) == item  # the lead's hook may fire twice
    assert outbox_drain(client=client).sent == 1
    body = plex_on.received["checksheet"][0]["body"]
    spec = plex_on.data.part_specifications[0]
    assert body["measurements"] == [{"specificationId": spec["id"], "value": 8.71, "note": "8.71"}]
    assert body["jobOperationId"] == measurement.execution.work_order.plex_job_id
    assert body["inspectorEmployeeId"] == lena.plex_employee_id
    assert "OUT OF SPEC" in body["note"]


def test_it_skips_measurements_on_local_only_work(plex_on, plant):
    tablet = station_client(plant.station, plant.certified)
    url = start(tablet, "WO-1-10")
    tablet.post(url + "done/")
    tablet.post(at(url, 2) + "measure/", {"value": "26"})
    assert measurement_writeback(measurement=Measurement.objects.get()) is None
    assert OutboxItem.objects.count() == 0
