"""The write-back outbox: how plexcopilot writes to Plex.

Every write-back goes through `outbox_enqueue` — a local database write, so the floor never waits on Plex —
and `outbox_drain` sends due items within the shared call budget, retrying with backoff until Plex
confirms. Nothing is dropped: an item leaves the outbox only as "sent", or waits as "failed" for the admin.
What to write back is built in `plex.writebacks` and `plex.handlers` (the other apps' events).
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from plex.client import PlexAuthError, PlexClient, PlexNotConfigured, PlexRejected, PlexUnavailable
from plex.models import OutboxItem, OutboxStatus
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
