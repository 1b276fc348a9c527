"""What the plex app does when other apps announce floor events (subscribed in PlexConfig.ready())."""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.utils import timezone

from plex.client import plex_timestamp
from plex.models import OutboxItem
from plex.outbox import outbox_enqueue, plex_enabled
from plex.writebacks import (
    clock_writeback,
    measurement_writeback,
    note_writeback,
    workcenter_status_writeback,
)

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


def on_replenishment_requested(
    *, call_off_id: int, previous_needed_by: str = "", **_: object
) -> OutboxItem | None:
    """A requested call-off (approved, or called by a kanban card) goes to Plex as a material activity; asked
    again for an earlier time (`previous_needed_by`), it goes again, saying it is needed sooner."""
    from materials.models import CallOff

    call_off = CallOff.objects.select_related("component", "location").filter(pk=call_off_id).first()
    if call_off is None:
        return None
    when = timezone.localtime(call_off.needed_by) if call_off.needed_by else None
    earlier = bool(previous_needed_by) and when is not None
    was = timezone.localtime(datetime.datetime.fromisoformat(previous_needed_by)) if earlier else None
    return outbox_enqueue(
        kind="material_request",
        payload={
            "title": ("Needed earlier: " if earlier else "")
            + f"Material call-off {call_off.component.number} → {call_off.location.code}",
            "body": f"Bring {call_off.quantity:g} {call_off.component.unit} of {call_off.component.number} "
            f"({call_off.component.name}) to {call_off.location.code}"
            + (f" by {when:%Y-%m-%d %H:%M}" if when else "")
            + (f" (earlier than the {was:%Y-%m-%d %H:%M} first requested)" if was else "")
            + f". {call_off.reason}",
            "reference": f"call-off {call_off.pk}",
            "activity_type": "Material",
            "priority": 1 if call_off.shortage_id or earlier else 2,
        },
        # one key per time asked for (in seconds: unique across the repeated hour of the autumn change)
        idempotency_key=f"material-call-off-{call_off.pk}"
        + (f"-by-{int(when.timestamp())}" if earlier and when else ""),
    )


def on_schedule_released(*, plan_id: int, **_: object) -> int:
    """A released schedule: one write-back per job, its priority and, per work center, its place in the
    sequence. Returns how many were queued (0 when the integration is off)."""
    from planning.models import Plan

    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        return 0
    jobs: dict[str, dict[str, Any]] = {}
    position: dict[int, int] = {}
    for slot in plan.slots.select_related("job", "work_center", "operation").order_by("start"):
        position[slot.work_center_id] = position.get(slot.work_center_id, 0) + 1
        entry = jobs.setdefault(slot.job.number, {"jobNo": slot.job.number, "priority": slot.job.priority,
                                                  "sequence": [], "scheduleVersion": plan.version})  # fmt: skip
        entry["sequence"].append({
            "operation": slot.operation.sequence, "workcenter": slot.work_center.plex_workcenter_id or slot.work_center.code,
            "position": position[slot.work_center_id], "start": slot.start.isoformat(), "end": slot.end.isoformat(),
        })  # fmt: skip
    count = 0
    for number, payload in jobs.items():
        if outbox_enqueue(
            kind="schedule_sequence", payload=payload, idempotency_key=f"schedule-v{plan.version}-{number}"
        ):
            count += 1
    return count


def on_timecard_approved(*, approval_id: int, **_: object) -> list[OutboxItem]:
    """Each recoding of an approved timecard goes to Plex. Plex's public API has no labor-entry edit, so it is
    an activity (or custom-object record, PLEX_DRAFTS_TARGET) naming the employee, the times and the old and
    new job, for the Plex labor administrator to apply."""
    from labor_analytics.models import TimecardApproval

    approval = (
        TimecardApproval.objects.select_related("employee", "approved_by").filter(pk=approval_id).first()
    )
    if approval is None:
        return []
    employee, day, user = approval.employee, approval.day, approval.approved_by
    queued = []
    for item in approval.corrections:
        queued.append(outbox_enqueue(kind="labor_correction", idempotency_key=f"labor-recode:{item['punch']}", payload={
            "title": f"Labor correction: {employee.full_name} {day}",
            "body": (f"Employee {employee.badge_id} ({employee.plex_employee_id or 'no Plex id'}), "
                     f"{item['begin']} – {item['end'] or 'open'}: job {item['from']} ({item['from_code']}) "
                     f"→ {item['to']} ({item['to_code']}). Approved by {user.get_username()}."),
            "reference": f"labor-recode:{item['punch']}", "activity_type": "Labor",
        }))  # fmt: skip
    return [item for item in queued if item is not None]


def on_version_published(*, version_id: int, **_: object) -> OutboxItem | None:
    """A version released by signed approval (a change, or a rollback: its summary says so) becomes a notice in
    Plex, naming the change and who signed it. Versions published without a proposal (the Plex sync's baselines,
    the demo plant) send nothing: there is no approved change to announce."""
    from instructions.models import ChangeProposal, ProposalStatus

    if not plex_enabled():
        return None
    proposal = (
        ChangeProposal.objects.select_related("instruction", "published_version")
        .filter(published_version_id=version_id, status=ProposalStatus.APPROVED)
        .first()
    )
    if proposal is None:
        return None
    version, instruction = proposal.published_version, proposal.instruction
    assert version is not None  # filtered on published_version_id
    signed = proposal.signatures.filter(content_hash=proposal.content_hash).order_by("signed_at", "pk")
    signers = ", ".join(f"{s.printed_name} ({s.role}, {s.get_meaning_display().lower()})" for s in signed)
    return note_writeback(
        kind="version_notice",
        title=f"{instruction.title} v{version.number}",
        body=f"{instruction.title} v{version.number} is in effect from {plex_timestamp(version.effective_from)}. "
        f"Change: {proposal.summary or version.change_note}. Signed by {signers or 'nobody'}.",
        reference=f"instruction {instruction.pk} version {version.pk}",
        idempotency_key=f"version-notice-{version.pk}",
    )


def on_ncr_draft_approved(
    *, ncr_id: int, revision: int, withdrawn: list[str] | None = None, **_: object
) -> OutboxItem | None:
    """The triage as a quality engineer approved it (accepted or edited fields only, never the raw draft) becomes
    an NCR draft note in Plex; each approval is a new revision, so a later edit reaches Plex too. A value approved
    and then rejected is `withdrawn`: the next revision says so, even when nothing approved is left."""
    from quality.models import NCR, TriageField, TriageVerdict

    if not plex_enabled():
        return None
    ncr = NCR.objects.select_related("part", "operation", "triage").filter(pk=ncr_id).first()
    if ncr is None or getattr(ncr, "triage", None) is None:
        return None
    approved = (
        ncr.triage.decisions.filter(verdict__in=[TriageVerdict.ACCEPTED, TriageVerdict.EDITED])
        .select_related("decided_by")
        .order_by("field")
    )
    lines = [
        f"{TriageField(d.field).label}: {d.final} ({d.get_verdict_display().lower()} by "
        f"{d.decided_by.get_full_name() or d.decided_by.get_username()})"
        for d in approved
    ]
    for d in ncr.triage.decisions.filter(
        field__in=withdrawn or [], verdict=TriageVerdict.REJECTED
    ).select_related("decided_by"):
        who = d.decided_by.get_full_name() or d.decided_by.get_username()
        lines.append(
            f"{TriageField(d.field).label}: withdrawn (the value sent in an earlier revision was rejected by {who})"
        )
    if not lines:
        return None
    where = " ".join(x for x in (ncr.part_label, ncr.operation_label) if x)
    return note_writeback(
        kind="ncr_draft",
        title=f"{ncr.number} triage draft (revision {revision})",
        body=f"{ncr.number} {where}: {ncr.description[:1000]}\n" + "\n".join(lines),
        reference=f"ncr {ncr.pk} revision {revision}",
        idempotency_key=f"ncr-draft-{ncr.pk}-{revision}",
    )


def on_andon_raised(*, call_id: int, work_center_id: int, **_: object) -> OutboxItem | None:
    """An Andon call sets the work center's Plex status to the plant's "raised" status (PLEX_ANDON_STATUS_IDS)."""
    return _andon_status("raised", call_id=call_id, work_center_id=work_center_id)


def on_andon_resolved(*, call_id: int, work_center_id: int, **_: object) -> OutboxItem | None:
    """The last open Andon call at a work center resolved: its Plex status goes to the plant's "resolved" status.
    While another call there is still open, the status stays raised."""
    from labor.models import AndonCall

    if AndonCall.objects.filter(work_center_id=work_center_id, resolved_at__isnull=True).exists():
        return None
    return _andon_status("resolved", call_id=call_id, work_center_id=work_center_id)


def _andon_status(state: str, *, call_id: int, work_center_id: int) -> OutboxItem | None:
    from instructions.models import WorkCenter

    status_id = getattr(settings, "PLEX_ANDON_STATUS_IDS", {}).get(state)
    if not status_id or not plex_enabled():
        return None  # the plant has not mapped Andon to Plex statuses: nothing is written back
    center = WorkCenter.objects.filter(pk=work_center_id).first()
    if center is None:
        return None
    return workcenter_status_writeback(
        work_center=center, status_id=status_id, idempotency_key=f"andon-{state}-{call_id}"
    )
