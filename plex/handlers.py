"""What the plex app does when other apps announce floor events (subscribed in PlexConfig.ready())."""

import logging

from plex.models import OutboxItem
from plex.services import clock_writeback, measurement_writeback, outbox_enqueue, plex_enabled

log = logging.getLogger("plex.outbox")


def on_production_recorded(*, report_id: int) -> OutboxItem | None:
    """A run's close-out becomes a Plex production record (good and scrap against the job)."""
    from instructions.models import ProductionReport

    if not plex_enabled():
        return None
    report = (
        ProductionReport.objects.select_related(
            "work_order__part", "work_order__operation__work_center", "reported_by"
        )
        .filter(pk=report_id)
        .first()
    )
    if report is None or not report.work_order.plex_job_id:
        return None
    order = report.work_order
    payload = {
        "jobId": order.plex_job_id,
        "partId": order.part.plex_part_id,
        "partOperationId": order.operation.plex_operation_id,
        "workcenterId": order.operation.work_center.plex_workcenter_id,
        "employeeId": report.reported_by.plex_employee_id,
        "goodQuantity": report.good,
        "scrapQuantity": report.scrap,
        "scrapReason": report.scrap_reason,
        "note": f"plexcopilot {order.barcode} run {report.execution_id}",
    }
    payload = {key: value for key, value in payload.items() if value not in ("", None)}
    return outbox_enqueue(
        kind="production", payload=payload, idempotency_key=f"production:report:{report.pk}"
    )


def on_work_order_closed(*, work_order_id: int) -> OutboxItem | None:
    """The work order reached its quantity: mark the Plex job operation complete."""
    from instructions.models import WorkOrder

    if not plex_enabled():
        return None
    order = WorkOrder.objects.filter(pk=work_order_id).first()
    if order is None or not order.plex_job_id:
        return None
    return outbox_enqueue(
        kind="job_complete",
        payload={"jobId": order.plex_job_id, "status": "Complete"},
        idempotency_key=f"job-complete:{order.pk}",
    )


def on_measurement_recorded(*, measurement_id: int, **_: object) -> OutboxItem | None:
    """A station reading becomes a Plex checksheet (no-op when the integration is off or the work is local)."""
    from instructions.models import Measurement

    measurement = Measurement.objects.filter(pk=measurement_id).first()
    return measurement_writeback(measurement=measurement) if measurement is not None else None


def on_punch_recorded(*, punch_id: int, **_: object) -> OutboxItem | None:
    """A station clock-in/out is queued for Plex, the system of record for attendance."""
    from labor.models import Punch, PunchKind, PunchSource

    punch = Punch.objects.select_related("employee", "work_center").filter(pk=punch_id).first()
    if (
        punch is None
        or punch.kind not in (PunchKind.CLOCK_IN, PunchKind.CLOCK_OUT)
        or punch.source != PunchSource.STATION
        or punch.work_center is None
    ):
        return None
    return clock_writeback(
        employee=punch.employee,
        work_center=punch.work_center,
        direction="in" if punch.kind == PunchKind.CLOCK_IN else "out",
        idempotency_key=f"labor-punch:{punch.pk}",
    )
