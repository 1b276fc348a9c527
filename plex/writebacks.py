"""What to write back: Plex payloads built from the floor's records (checksheets, clock in/out, work center
status, notes), queued in the outbox. Each returns None when the integration is off or the local record has no
Plex ids (demo data)."""

import logging
from typing import Any

from plex.client import plex_timestamp
from plex.models import OutboxItem, PlexRecord, StepSpecLink
from plex.outbox import outbox_enqueue, plex_enabled

log = logging.getLogger("plex.outbox")


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
