"""Plex services other apps call: the write-back outbox, what to write back, and how fresh the cache is.

Every write-back goes through `outbox_enqueue` — a local database write, so the floor never waits on Plex —
and `outbox_drain` sends due items within the shared call budget, retrying with backoff until Plex
confirms. Nothing is dropped: an item leaves the outbox only as "sent", or waits as "failed" for the admin.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from plex.client import (
    PlexAuthError,
    PlexClient,
    PlexNotConfigured,
    PlexRejected,
    PlexUnavailable,
    plex_timestamp,
)
from plex.models import OutboxItem, OutboxStatus, PlexRecord, StepSpecLink, SyncState
from plexcopilot.services import audit_record

log = logging.getLogger("plex.outbox")

MAX_ATTEMPTS = 25
RETRY_BASE = datetime.timedelta(seconds=30)
RETRY_MAX = datetime.timedelta(hours=1)
CLAIM_TIMEOUT = datetime.timedelta(minutes=5)


def plex_enabled() -> bool:
    return bool(settings.PLEX_BASE_URL)


# --- Senders: one per kind, each one Plex call -------------------------------------------------------


def _send_checksheet(client: PlexClient, item: OutboxItem) -> Any:
    return client.post("quality/v1/checksheets", item.payload, idempotency_key=item.idempotency_key)


def _send_clock(direction: str) -> Callable[[PlexClient, OutboxItem], Any]:
    def send(client: PlexClient, item: OutboxItem) -> Any:
        payload = dict(item.payload)
        workcenter_id = payload.pop("workcenterId")
        return client.post(
            f"production/v1/control/workcenters/{workcenter_id}/operators/{direction}",
            payload,
            idempotency_key=item.idempotency_key,
        )

    return send


def _send_workcenter_status(client: PlexClient, item: OutboxItem) -> Any:
    payload = dict(item.payload)
    workcenter_id = payload.pop("workcenterId")
    return client.post(
        f"production/v1/control/workcenters/{workcenter_id}/status",
        payload,
        idempotency_key=item.idempotency_key,
    )


def _send_note(client: PlexClient, item: OutboxItem) -> Any:
    """NCR triage drafts and approved-version notices: to the activity manager or a custom object."""
    note = item.payload
    if settings.PLEX_DRAFTS_TARGET == "custom-objects":
        body = {"title": note["title"], "body": note["body"], "reference": note.get("reference", ""),
                "kind": item.kind, "idempotencyKey": item.idempotency_key}  # fmt: skip
        return client.post(
            f"platform/custom-objects/v1/data/{settings.PLEX_CUSTOM_OBJECT}", body,
            idempotency_key=item.idempotency_key,
        )  # fmt: skip
    body = {
        "activityName": note["title"][:100],
        "description": f"{note['body']}\n\n[plexcopilot {item.idempotency_key}]",
        "activityType": note.get("activity_type", "Quality"),
        "activityStatus": "Open",
        "priority": note.get("priority", 2),
    }
    if settings.PLEX_TENANT_ID:
        body["tenantId"] = settings.PLEX_TENANT_ID
    return client.post("management/v1/activity-manager", body, idempotency_key=item.idempotency_key)


def _send_schedule(client: PlexClient, item: OutboxItem) -> Any:
    """A released schedule: one job's priority and sequence on the scheduling board."""
    payload = dict(item.payload)
    job_no = payload.pop("jobNo")
    return client.post(f"scheduling/v1/jobs/{job_no}/sequence", payload, idempotency_key=item.idempotency_key)


def _send_production(client: PlexClient, item: OutboxItem) -> Any:
    return client.post(
        "production/v1/production-history/production-entries",
        item.payload,
        idempotency_key=item.idempotency_key,
    )


def _send_job_complete(client: PlexClient, item: OutboxItem) -> Any:
    payload = dict(item.payload)
    job_id = payload.pop("jobId")
    return client.post(f"scheduling/v1/jobs/{job_id}/status", payload, idempotency_key=item.idempotency_key)


SENDERS: dict[str, Callable[[PlexClient, OutboxItem], Any]] = {
    "production": _send_production,
    "job_complete": _send_job_complete,
    "checksheet": _send_checksheet,
    "clock_in": _send_clock("clockin"),
    "clock_out": _send_clock("clockout"),
    "workcenter_status": _send_workcenter_status,
    "ncr_draft": _send_note,
    "version_notice": _send_note,
    "labor_correction": _send_note,  # no labor-entry edit in Plex's API: an activity for the labor admin
    "schedule_sequence": _send_schedule,
    "material_request": _send_note,
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "production": ("jobId",),
    "job_complete": ("jobId", "status"),
    "checksheet": ("measurements",),
    "clock_in": ("workcenterId", "accountId"),
    "clock_out": ("workcenterId",),
    "workcenter_status": ("workcenterId", "workcenterStatusId"),
    "ncr_draft": ("title", "body"),
    "version_notice": ("title", "body"),
    "labor_correction": ("title", "body"),
    "schedule_sequence": ("jobNo", "sequence"),
    "material_request": ("title", "body"),
}


# --- The outbox ---------------------------------------------------------------------------------------


def outbox_enqueue(*, kind: str, payload: dict[str, Any], idempotency_key: str) -> OutboxItem | None:
    """Queue a write-back to Plex. Safe to call twice with the same key (the first item is returned).

    Returns None when the integration is off (PLEX_BASE_URL empty): there is nowhere to write back to.
    Raises ValueError for an unknown kind or a payload missing what Plex needs — a caller's bug.
    """
    if kind not in SENDERS:
        raise ValueError(f"Unknown Plex write-back kind {kind!r}; choose from {', '.join(SENDERS)}.")
    missing = [key for key in REQUIRED[kind] if not payload.get(key)]
    if missing:
        raise ValueError(f"A {kind} write-back needs {', '.join(missing)}.")
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError("An idempotency key of 1-200 characters is required.")
    if not plex_enabled():
        return None
    existing = OutboxItem.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return OutboxItem.objects.create(
                kind=kind, payload=payload, idempotency_key=idempotency_key, next_attempt_at=timezone.now()
            )
    except IntegrityError:
        return OutboxItem.objects.get(idempotency_key=idempotency_key)


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stopped: str = ""


def outbox_drain(
    *, client: PlexClient | None = None, now: datetime.datetime | None = None, limit: int = 100
) -> DrainResult:
    """Send due items, oldest first. Stops early when Plex is unreachable so an outage costs one call."""
    result = DrainResult()
    now = now or timezone.now()
    # An item claimed by a drainer that died mid-send goes back to the queue.
    OutboxItem.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT).update(
        status=OutboxStatus.PENDING
    )
    due = list(
        OutboxItem.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return result
    owned = client is None
    try:
        client = client or PlexClient.from_settings()
    except PlexNotConfigured as exc:
        result.stopped = str(exc)
        return result
    try:
        for pk in due:
            # Claim with a conditional update: two drainers never send the same item.
            claimed = OutboxItem.objects.filter(pk=pk, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.SENDING, claimed_at=now
            )
            if not claimed:
                continue
            item = OutboxItem.objects.get(pk=pk)
            item.attempts += 1
            try:
                answer = SENDERS[item.kind](client, item)
            except (PlexUnavailable, PlexAuthError) as exc:
                _retry_later(item, exc, now)
                result.retrying += 1
                result.stopped = str(exc)
                break
            except PlexRejected as exc:
                _fail(item, exc)
                result.failed += 1
                continue
            except Exception as exc:  # noqa: BLE001 - a bad item must not block the queue behind it
                log.exception("Plex write-back %s crashed", item.idempotency_key)
                _fail(item, exc)
                result.failed += 1
                continue
            item.status, item.sent_at, item.response, item.last_error = (
                OutboxStatus.SENT,
                timezone.now(),
                answer,
                "",
            )
            item.save(update_fields=["status", "sent_at", "response", "last_error", "attempts"])
            result.sent += 1
    finally:
        if owned:
            client.close()
    return result


def _retry_later(item: OutboxItem, exc: Exception, now: datetime.datetime) -> None:
    if item.attempts >= MAX_ATTEMPTS:
        _fail(item, exc)
        return
    delay = min(RETRY_BASE * 2 ** (item.attempts - 1), RETRY_MAX)
    item.status, item.next_attempt_at, item.last_error = OutboxStatus.PENDING, now + delay, str(exc)[:2000]
    item.save(update_fields=["status", "next_attempt_at", "last_error", "attempts"])


def _fail(item: OutboxItem, exc: Exception) -> None:
    item.status, item.last_error = OutboxStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    item.save(update_fields=["status", "last_error", "attempts"])
    audit_record(
        actor=None,
        action="plex.outbox.failed",
        obj=item,
        summary=f"Plex write-back {item.kind} {item.idempotency_key} failed: {item.last_error[:200]}",
    )


def outbox_retry(*, items: list[OutboxItem], actor: Any) -> int:
    """Put failed (or waiting) items back at the front of the queue. Sent items are left alone."""
    count = 0
    for item in items:
        moved = OutboxItem.objects.filter(
            pk=item.pk, status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING]
        ).update(status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), attempts=0)
        if moved:
            count += 1
            audit_record(
                actor=actor,
                action="plex.outbox.retry",
                obj=item,
                summary=f"Retry requested for Plex write-back {item.kind} {item.idempotency_key}",
            )
    return count


# --- What to write back -----------------------------------------------------------------------------


def measurement_writeback(*, measurement: Any) -> OutboxItem | None:
    """Queue a Plex checksheet for a station measurement; None when there is nothing to send it against
    (integration off, or the work order / step is local-only with no Plex ids). Never raises into the
    station flow: a problem here is logged and the operator carries on."""
    try:
        return _measurement_writeback(measurement)
    except Exception:  # noqa: BLE001 - write-back must never break the station
        log.exception("Could not queue a Plex checksheet for measurement %s", measurement.pk)
        return None


def _measurement_writeback(measurement: Any) -> OutboxItem | None:
    if not plex_enabled():
        return None
    execution = measurement.execution
    order = execution.work_order
    link = (
        StepSpecLink.objects.select_related("specification")
        .filter(instruction=execution.version.instruction_id, step_key=measurement.step.key)
        .first()
    )
    if link is None or not order.plex_job_id:
        return None
    payload: dict[str, Any] = {
        "jobOperationId": order.plex_job_id,
        "partId": order.part.plex_part_id,
        "partOperationId": order.operation.plex_operation_id,
        "productionWorkcenterId": order.operation.work_center.plex_workcenter_id,
        "inspectorEmployeeId": measurement.entered_by.plex_employee_id,
        "note": f"plexcopilot {order.barcode} step {measurement.step.order}"
        f"{'' if measurement.in_spec else ' OUT OF SPEC'} at {plex_timestamp(measurement.entered_at)}",
        "measurements": [
            {
                "specificationId": link.specification.plex_id,
                "value": float(measurement.value),
                "note": measurement.raw_value,
            }
        ],
    }
    payload = {key: value for key, value in payload.items() if value not in ("", None)}
    return outbox_enqueue(
        kind="checksheet", payload=payload, idempotency_key=f"checksheet:measurement:{measurement.pk}"
    )


def plex_account_id(*, employee: Any) -> str:
    """The Plex IAM account id clock-in/out needs (learned from synced labor records), or ""."""
    if not employee.plex_employee_id:
        return ""
    record = PlexRecord.objects.filter(resource="employee-account", plex_id=employee.plex_employee_id).first()
    return record.data.get("accountId", "") if record else ""


def clock_writeback(
    *, employee: Any, work_center: Any, direction: str, idempotency_key: str, cost_sub_type_id: str = ""
) -> OutboxItem | None:
    """Queue a clock in ("in") or out ("out") at a work center; None when Plex ids are unknown or it is off."""
    if direction not in ("in", "out"):
        raise ValueError("direction is 'in' or 'out'")
    account = plex_account_id(employee=employee)
    if not plex_enabled() or not work_center.plex_workcenter_id or (direction == "in" and not account):
        return None
    payload = {"workcenterId": work_center.plex_workcenter_id}
    if account:
        payload["accountId"] = account
    if cost_sub_type_id:
        payload["costSubTypeId"] = cost_sub_type_id
    return outbox_enqueue(kind=f"clock_{direction}", payload=payload, idempotency_key=idempotency_key)


def workcenter_status_writeback(
    *, work_center: Any, status_id: str, idempotency_key: str
) -> OutboxItem | None:
    """Queue an Andon status change; `status_id` is the plant's Plex workcenterStatusId."""
    if not plex_enabled() or not work_center.plex_workcenter_id:
        return None
    return outbox_enqueue(
        kind="workcenter_status",
        payload={"workcenterId": work_center.plex_workcenter_id, "workcenterStatusId": status_id},
        idempotency_key=idempotency_key,
    )


def note_writeback(
    *, kind: str, title: str, body: str, reference: str, idempotency_key: str
) -> OutboxItem | None:
    """Queue an NCR triage draft (kind="ncr_draft") or an approved-version notice (kind="version_notice")
    to the activity manager or a custom object (PLEX_DRAFTS_TARGET)."""
    if kind not in ("ncr_draft", "version_notice", "material_request"):
        raise ValueError("kind is 'ncr_draft', 'version_notice' or 'material_request'")
    return outbox_enqueue(
        kind=kind,
        payload={"title": title, "body": body, "reference": reference},
        idempotency_key=idempotency_key,
    )


# --- Freshness: how old is the cache the floor works from ---------------------------------------------

CORE_RESOURCES = ("workcenters", "employees", "parts", "jobs")


@dataclass(frozen=True)
class Freshness:
    enabled: bool
    last_sync: datetime.datetime | None
    age_seconds: int | None
    stale: bool
    pending: int
    failed: int


def plex_last_sync() -> datetime.datetime | None:
    """When the floor's core data (work centers, people, parts, jobs) last came in whole from Plex."""
    times = list(
        SyncState.objects.filter(resource__in=CORE_RESOURCES).values_list("last_success_at", flat=True)
    )
    if len(times) < len(CORE_RESOURCES) or any(t is None for t in times):
        return None
    return min(t for t in times if t is not None)


def plex_freshness(*, now: datetime.datetime | None = None) -> Freshness:
    if not plex_enabled():
        return Freshness(False, None, None, False, 0, 0)
    now = now or timezone.now()
    last = plex_last_sync()
    age = int((now - last).total_seconds()) if last else None
    counts = OutboxItem.objects.filter(
        Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING)
    ).count()
    failed = OutboxItem.objects.filter(status=OutboxStatus.FAILED).count()
    return Freshness(True, last, age, age is None or age > settings.PLEX_STALE_AFTER_SECONDS, counts, failed)
