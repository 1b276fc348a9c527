"""Jobs from Plex: job operations become work orders (with their operation placed at its work center), and an
operation arriving without a work instruction gets a baseline one from the part's Plex specifications."""

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from instructions.models import Operation, Part, WorkCenter, WorkInstruction, WorkOrder, WorkOrderStatus
from instructions.publishing import version_publish
from instructions.runs import SCAN_PATTERN
from plex.client import PlexClient, plex_timestamp
from plex.models import PartSpecification, PlexRecord, StepSpecLink, SyncState
from plex.sync_records import (
    Context,
    Malformed,
    other_rows,
    problem_report,
    read_integer,
    read_moment,
    read_number,
    read_text,
    record_digest,
    record_list,
    records_apply,
)
from plexcopilot.roles import ADMIN
from plexcopilot.services import audit_record

JOB_OPERATIONS_REFRESH = datetime.timedelta(hours=1)


def fetch_jobs(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
    window = datetime.timedelta(days=settings.PLEX_JOB_WINDOW_DAYS)
    jobs = record_list(
        client.get(
            "scheduling/v1/jobs",
            params={"dueDateBegin": plex_timestamp(now - window), "dueDateEnd": plex_timestamp(now + window)},
        ),
        "jobs",
    )
    operations: dict[str, Any] = {}
    for job in jobs:
        job_id = job.get("id") if isinstance(job, dict) else None
        if not isinstance(job_id, str) or not job_id:
            continue
        known = PlexRecord.objects.filter(resource="job", plex_id=job_id).first()
        fetched = PlexRecord.objects.filter(resource="job-operations-fetched", plex_id=job_id).first()
        fresh = known is not None and fetched is not None and known.digest == record_digest(job)
        recent = fetched is not None and fetched.last_seen_at > now - JOB_OPERATIONS_REFRESH
        closed = job.get("jobStatus") in ("Complete", "Completed", "Closed", "Cancelled")
        if fresh and (recent or closed):
            continue
        operations[job_id] = client.get(f"scheduling/v1/jobs/{job_id}/operations")
    return {"jobs": jobs, "operations": operations}


def _status_from_plex(raw: str, current: str | None) -> str:
    lowered = raw.lower()
    if "hold" in lowered:
        return WorkOrderStatus.ON_HOLD
    if lowered.startswith(("complete", "closed", "cancel")):
        return WorkOrderStatus.COMPLETE
    # Plex's "Scheduled"/"Released"/"Running": never move a job the floor has started back to released.
    return WorkOrderStatus.IN_PROGRESS if current == WorkOrderStatus.IN_PROGRESS else WorkOrderStatus.RELEASED


def apply_jobs(body: dict[str, Any], ctx: Context) -> None:
    jobs = {
        job["id"]: job for job in body["jobs"] if isinstance(job, dict) and isinstance(job.get("id"), str)
    }

    def apply_job(rec: dict[str, Any]) -> None:
        read_text(rec, "jobNumber", required=True, max_len=40)
        read_text(rec, "jobStatus", max_len=40)
        read_moment(rec, "dueDate")

    def apply_operation(rec: dict[str, Any]) -> None:
        job = jobs.get(rec.get("jobId"))  # type: ignore[arg-type]
        if job is None:
            raise Malformed("jobId does not match a job in this sync")
        number = read_text(job, "jobNumber", required=True, max_len=40)
        sequence = read_integer(rec, "jobOperationNumber", required=True)
        if sequence is None or sequence < 0:
            raise Malformed("jobOperationNumber must be zero or more")
        part = Part.objects.filter(plex_part_id=read_text(rec, "partId", required=True, max_len=64)).first()
        if part is None:
            raise Malformed(f"partId {rec['partId']} is not a synced part")
        center = WorkCenter.objects.filter(
            plex_workcenter_id=read_text(rec, "workcenterId", required=True, max_len=64)
        ).first()
        if center is None:
            raise Malformed(f"workcenterId {rec['workcenterId']} is not a synced work center")
        quantity = read_number(rec, "quantity")
        if quantity is None or quantity < 0:
            raise Malformed("quantity is missing or negative")
        due = read_moment(rec, "dueDate") or read_moment(job, "dueDate")
        operation = _operation_upsert(rec, part=part, center=center, sequence=sequence)
        baseline_instruction(part=part, operation=operation, ctx=ctx)
        plex_id = read_text(rec, "jobOperationId", required=True, max_len=64)
        barcode = f"{number}-{sequence}".upper().replace(" ", "-")
        if not SCAN_PATTERN.fullmatch(barcode):
            raise Malformed(f"job number {number!r} cannot be printed as a scannable barcode")
        order = WorkOrder.objects.filter(plex_job_id=plex_id).first()
        order = order or WorkOrder.objects.filter(barcode=barcode, plex_job_id="").first()
        if other_rows(WorkOrder.objects.filter(barcode=barcode), order).exists():
            raise Malformed(f"barcode {barcode} already belongs to another work order")
        order = order or WorkOrder(plex_job_id=plex_id)
        raw_status = read_text(rec, "jobOperationStatus", max_len=40) or read_text(
            job, "jobStatus", max_len=40
        )
        order.plex_job_id, order.number, order.barcode = plex_id, number, barcode
        order.part, order.operation, order.quantity = part, operation, int(quantity)
        order.due_date = timezone.localdate(due) if due else None
        order.status = _status_from_plex(raw_status, order.status if order.pk else None)
        order.save()

    records_apply(ctx, "job", body["jobs"], "id", apply_job)
    for job_id, answer in body["operations"].items():
        try:
            operations = record_list(answer, f"operations of job {job_id}")
        except Malformed as exc:
            ctx.tally.skipped += 1
            problem_report(ctx.run, "job-operation", job_id, str(exc), answer)
            continue
        records_apply(ctx, "job-operation", operations, "jobOperationId", apply_operation)
        PlexRecord.objects.update_or_create(
            resource="job-operations-fetched",
            plex_id=job_id,
            defaults={"digest": record_digest(answer), "data": {}, "last_seen_at": ctx.now},
        )


def _operation_upsert(rec: dict[str, Any], *, part: Part, center: WorkCenter, sequence: int) -> Operation:
    name = read_text(rec, "operationCode", max_len=120) or f"Operation {sequence}"
    part_operation = next(
        (
            r.plex_id
            for r in PlexRecord.objects.filter(resource="part-operation", data__partId=part.plex_part_id)
            if r.data.get("operationNumber") == sequence
        ),
        "",
    )
    operation = Operation.objects.filter(part=part, sequence=sequence).first()
    if operation is None:
        return Operation.objects.create(
            part=part, sequence=sequence, name=name, work_center=center, plex_operation_id=part_operation
        )
    operation.name, operation.work_center = name, center
    operation.plex_operation_id = part_operation or operation.plex_operation_id
    operation.save()
    return operation


def baseline_instruction(*, part: Part, operation: Operation, ctx: Context) -> None:
    """Plex has no work instructions. An operation arriving without one gets a baseline v1 listing the part's
    Plex specifications as measured checks, so the floor can work it; engineering refines it through the
    normal approval flow. An existing published instruction is never touched.

    No change without signed approval: v1 is released only under the system-import signature of the admin
    running the sync (recorded in the audit trail with the content hash). A sync with no admin (the
    background task) leaves the instruction as a draft with no published version, reported on the run."""
    existing = WorkInstruction.objects.filter(part=part, operation=operation).first()
    if existing is not None and (existing.current_version_id or existing.versions.exists()):
        return
    specs = list(PartSpecification.objects.filter(part=part).order_by("number"))
    steps: list[dict[str, Any]] = [
        {
            "title": f"Set up {operation.name}",
            "text": f"Set up {operation.work_center.name} for {part.number} rev {part.revision} "
            f"operation {operation.sequence} as on the Plex routing.",
        }
    ]
    links = []
    for spec in specs:
        if spec.lower is None and spec.upper is None:
            continue
        key = f"spec-{spec.number or spec.pk}"[:32].lower().replace(" ", "-")
        torque = spec.unit.replace("·", "").replace(" ", "").lower() in ("nm", "ft-lb", "ftlb", "in-lb")
        steps.append(
            {
                "key": key,
                "title": f"Check {spec.description or spec.number}"[:120],
                "text": f"Measure {spec.description or spec.number} ({spec.number}) and enter the reading.",
                "critical": True,
                "check_kind": "torque" if torque else "dimension",
                "spec_nominal": spec.nominal,
                "spec_lower": spec.lower,
                "spec_upper": spec.upper,
                "spec_unit": spec.unit,
            }
        )
        links.append((key, spec))
    instruction = existing or WorkInstruction.objects.create(
        part=part, operation=operation, title=f"{part.number} op {operation.sequence} {operation.name}"[:200]
    )
    for key, spec in links:
        StepSpecLink.objects.get_or_create(instruction=instruction, step_key=key, specification=spec)
    if ctx.actor is None:
        if existing is None:
            audit_record(actor=None, action="instructions.baseline_awaiting_approval", obj=instruction,
                         summary=f"Baseline instruction for {part.number} op {operation.sequence} from Plex "
                         "awaits an admin: run `manage.py plex_sync --actor <admin>` to release it under a "
                         "system-import signature.")  # fmt: skip
        return
    version = version_publish(
        instruction=instruction,
        steps=steps,
        change_note="Baseline from Plex routing and part specifications (system import)",
        published_by=ctx.actor,
        base_version=None,
    )
    audit_record(
        actor=ctx.actor,
        action="instructions.system_import_signed",
        obj=version,
        summary=f"System-import signature: {instruction.title} v{version.number} released from Plex by "
        f"{ctx.actor.get_full_name() or ctx.actor.get_username()} (admin), who ran the first sync",
        data={"meaning": "approved_for_release", "method": "system_import", "role": ADMIN,
              "printed_name": ctx.actor.get_full_name() or ctx.actor.get_username(),
              "content_hash": version.content_hash, "sync_run": ctx.run.pk},
    )  # fmt: skip
