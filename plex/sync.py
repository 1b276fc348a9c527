"""Polling sync from Plex into the local cache the floor works from.

Each resource is fetched completely first (network only), then applied in one short transaction
(database only): an outage midway through a resource leaves that resource as it was, never half-applied.
Records are idempotent upserts keyed by Plex ids (falling back to natural keys to adopt local rows once).
A malformed record is logged, recorded as a SyncError for the admin, skipped, and the rest goes on.
"""

import datetime
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from instructions.models import Operation, Part, WorkCenter, WorkInstruction, WorkOrder, WorkOrderStatus
from instructions.publishing import version_publish
from instructions.runs import SCAN_PATTERN
from labor.models import Employee
from plex.client import (
    PlexAuthError,
    PlexClient,
    PlexError,
    PlexUnavailable,
    parse_plex_timestamp,
    plex_timestamp,
)
from plex.models import (
    ControlPlan,
    LaborEntry,
    PartSpecification,
    PlexRecord,
    StepSpecLink,
    SyncError,
    SyncRun,
    SyncRunStatus,
    SyncState,
    WorkCenterStatus,
)
from plexcopilot.roles import ADMIN, user_has_role
from plexcopilot.services import audit_record

log = logging.getLogger("plex.sync")

RESOURCES = [
    "workcenters",
    "employees",
    "parts",
    "part_operations",
    "part_specifications",
    "control_plans",
    "jobs",
    "labor_entries",
    "workcenter_status",
    "boms",
    "containers",
]
LABOR_OVERLAP = datetime.timedelta(hours=6)
JOB_OPERATIONS_REFRESH = datetime.timedelta(hours=1)


class Malformed(Exception):
    """A Plex record this sync cannot use; the message names the field and what was wrong."""


# --- Field readers: strict about types, so bad payloads are caught here and not in the database --------


def _text(rec: dict[str, Any], key: str, *, required: bool = False, max_len: int = 200) -> str:
    value = rec.get(key)
    if value is None or value == "":
        if required:
            raise Malformed(f"{key} is missing")
        return ""
    if not isinstance(value, str):
        raise Malformed(f"{key} should be text, got {type(value).__name__}")
    return value.strip()[:max_len]


def _integer(rec: dict[str, Any], key: str, *, required: bool = False) -> int | None:
    value = rec.get(key)
    if value is None:
        if required:
            raise Malformed(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise Malformed(f"{key} should be a whole number, got {value!r}"[:200])
    return int(value)


def _number(rec: dict[str, Any], key: str) -> Decimal | None:
    value = rec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(f"{key} should be a number, got {value!r}"[:200])
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise Malformed(f"{key} is not a usable number") from exc
    if not number.is_finite() or abs(number) >= Decimal("1e7"):
        raise Malformed(f"{key} is out of range: {value!r}")
    return number


def _moment(rec: dict[str, Any], key: str, *, required: bool = False) -> datetime.datetime | None:
    value = rec.get(key)
    if value is None or value == "":
        if required:
            raise Malformed(f"{key} is missing")
        return None
    try:
        return parse_plex_timestamp(value)
    except ValueError as exc:
        raise Malformed(f"{key} is not a Plex timestamp: {value!r}"[:200]) from exc


def _others(queryset: Any, obj: Any) -> Any:
    """Rows other than `obj` (all of them when `obj` is not saved yet)."""
    return queryset.exclude(pk=obj.pk) if obj is not None and obj.pk else queryset


def _plain(value: Decimal | None) -> str:
    return "—" if value is None else format(Decimal(value).normalize(), "f")


def _digest(rec: Any) -> str:
    return hashlib.sha256(json.dumps(rec, sort_keys=True, default=str).encode()).hexdigest()


# --- One run ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    seen: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class Context:
    run: SyncRun
    now: datetime.datetime
    tally: Tally = field(default_factory=Tally)
    actor: Any | None = None  # the admin who ran this sync: signs baseline instructions as a system import


def plex_sync(
    *,
    client: PlexClient | None = None,
    resources: list[str] | None = None,
    now: datetime.datetime | None = None,
    actor: Any | None = None,
) -> SyncRun:
    """Poll Plex for every resource (or those named) and apply what changed. Never raises for Plex trouble:
    the run's status, SyncState rows and SyncError rows say what happened.

    `actor` is the plant admin running the sync: baseline instructions for new operations are released under
    their recorded system-import signature. Without one (the background sync) they wait as drafts."""
    if actor is not None and not user_has_role(actor, ADMIN):
        raise PermissionError(f"{actor} is not a plant admin: only an admin may sign Plex baselines.")
    now = now or timezone.now()
    owned = client is None
    client = client or PlexClient.from_settings()
    run = SyncRun.objects.create(started_at=now)
    calls_before = client.calls
    stopped = ""
    try:
        for resource in resources or RESOURCES:
            if resource not in FETCHERS:
                raise ValueError(f"Unknown Plex resource {resource!r}; choose from {', '.join(RESOURCES)}.")
            state, _ = SyncState.objects.get_or_create(resource=resource)
            state.last_attempt_at = now
            if stopped:
                state.last_error = f"not attempted: {stopped}"
                state.save(update_fields=["last_attempt_at", "last_error"])
                continue
            ctx = Context(run=run, now=now, actor=actor)
            try:
                fetched = FETCHERS[resource](client, state, now)
                with transaction.atomic():
                    APPLIERS[resource](fetched, ctx)
            except (PlexUnavailable, PlexAuthError) as exc:
                # Plex is down or refuses us: everything after this would fail the same way.
                stopped = str(exc)
                _report(run, resource, "", f"{type(exc).__name__}: {exc}")
                state.last_error = str(exc)[:2000]
                state.save(update_fields=["last_attempt_at", "last_error"])
                continue
            except (PlexError, Malformed) as exc:
                _report(run, resource, "", f"{type(exc).__name__}: {exc}")
                state.last_error = str(exc)[:2000]
                state.save(update_fields=["last_attempt_at", "last_error"])
                run.counts[resource] = {"error": str(exc)[:200]}
                continue
            state.last_success_at = now
            state.window_end = now
            state.last_error = ""
            state.seen, state.changed, state.skipped = ctx.tally.seen, ctx.tally.changed, ctx.tally.skipped
            state.save()
            run.counts[resource] = ctx.tally.__dict__
        if (
            actor is not None
        ):  # drafts an earlier (background) sync left unsigned: the admin releases them now
            waiting = WorkInstruction.objects.filter(
                versions__isnull=True, operation__plex_operation_id__gt=""
            ).select_related("part", "operation__work_center")
            for draft in waiting:
                with transaction.atomic():
                    _baseline_instruction(
                        part=draft.part, operation=draft.operation, ctx=Context(run=run, now=now, actor=actor)
                    )
    finally:
        if owned:
            client.close()
    run.calls = client.calls - calls_before
    run.finished_at = timezone.now()
    errors = run.errors.count()
    run.status = SyncRunStatus.FAILED if stopped else (SyncRunStatus.PARTIAL if errors else SyncRunStatus.OK)
    run.message = stopped[:1000]
    run.save()
    audit_record(
        actor=None,
        action="plex.sync",
        obj=run,
        summary=f"Plex sync {run.status}: {sum(c.get('changed', 0) for c in run.counts.values())} changed, "
        f"{errors} problems, {run.calls} calls",
        data={"counts": run.counts},
    )
    return run


def _report(run: SyncRun, resource: str, plex_id: str, message: str, payload: Any = None) -> None:
    """Record a problem for the admin once: a record that stays bad, or an outage that lasts, is not
    re-reported every run (the open problem moves to the latest run instead)."""
    log.warning("Plex sync %s %s: %s", resource, plex_id or "-", message)
    open_same = SyncError.objects.filter(
        resource=resource, plex_id=plex_id, message=message[:500], resolved=False
    )
    if open_same.exists():
        open_same.update(run=run)
        return
    if payload is not None:
        text = json.dumps(payload, default=str)
        payload = (
            json.loads(text)
            if len(text) <= 20000 and isinstance(payload, dict | list)
            else {"raw": text[:2000]}
        )
    SyncError.objects.create(
        run=run, resource=resource, plex_id=plex_id[:64], message=message[:500], payload=payload
    )


def _records(body: Any, resource: str) -> list[Any]:
    if not isinstance(body, list):
        raise Malformed(f"{resource}: expected a JSON list from Plex, got {type(body).__name__}")
    return body


def _each(
    ctx: Context, resource: str, records: list[Any], id_key: str, apply: Callable[[dict[str, Any]], None]
) -> None:
    """Apply records one by one in savepoints; unchanged payloads are skipped, malformed ones reported."""
    for rec in records:
        ctx.tally.seen += 1
        plex_id = rec.get(id_key) if isinstance(rec, dict) else None
        plex_id = plex_id if isinstance(plex_id, str) else ""
        try:
            if not isinstance(rec, dict):
                raise Malformed(f"expected an object, got {type(rec).__name__}")
            if not plex_id:
                raise Malformed(f"{id_key} is missing")
            digest = _digest(rec)
            known = PlexRecord.objects.filter(resource=resource, plex_id=plex_id).first()
            if known is not None and known.digest == digest:
                ctx.tally.unchanged += 1
                PlexRecord.objects.filter(pk=known.pk).update(last_seen_at=ctx.now)
                continue
            with transaction.atomic():
                apply(rec)
                PlexRecord.objects.update_or_create(
                    resource=resource,
                    plex_id=plex_id,
                    defaults={"digest": digest, "data": rec, "last_seen_at": ctx.now},
                )
            ctx.tally.changed += 1
        except Malformed as exc:
            ctx.tally.skipped += 1
            _report(ctx.run, resource, plex_id, str(exc), rec)


# --- Fetchers (network only) -----------------------------------------------------------------------


def _fetch_list(path: str) -> Callable[[PlexClient, SyncState, datetime.datetime], Any]:
    def fetch(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
        return client.get(path)

    return fetch


def _fetch_jobs(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
    window = datetime.timedelta(days=settings.PLEX_JOB_WINDOW_DAYS)
    jobs = _records(
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
        fresh = known is not None and fetched is not None and known.digest == _digest(job)
        recent = fetched is not None and fetched.last_seen_at > now - JOB_OPERATIONS_REFRESH
        closed = job.get("jobStatus") in ("Complete", "Completed", "Closed", "Cancelled")
        if fresh and (recent or closed):
            continue
        operations[job_id] = client.get(f"scheduling/v1/jobs/{job_id}/operations")
    return {"jobs": jobs, "operations": operations}


def _fetch_labor(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
    begin = (state.window_end - LABOR_OVERLAP) if state.window_end else now - datetime.timedelta(days=7)
    return client.get(
        "production/v1/production-history/labor-entries",
        params={"beginDate": plex_timestamp(begin), "endDate": plex_timestamp(now)},
    )


def _fetch_statuses(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
    answers = {}
    for wc_id in WorkCenter.objects.exclude(plex_workcenter_id="").values_list(
        "plex_workcenter_id", flat=True
    ):
        answers[wc_id] = client.get(f"production/v1/control/workcenters/{wc_id}")
    return answers


# --- Appliers (database only) ----------------------------------------------------------------------


def _apply_workcenters(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        plex_id = _text(rec, "workcenterId", required=True, max_len=64)
        code = _text(rec, "workcenterCode", required=True, max_len=32)
        name = _text(rec, "name", max_len=120) or code
        area = _text(rec, "workcenterGroup", max_len=60) or _text(rec, "workcenterType", max_len=60)
        center = WorkCenter.objects.filter(plex_workcenter_id=plex_id).first()
        center = center or WorkCenter.objects.filter(code=code, plex_workcenter_id="").first()
        if _others(WorkCenter.objects.filter(code=code), center).exists():
            raise Malformed(f"work center code {code} is already used by another Plex work center")
        center = center or WorkCenter(plex_workcenter_id=plex_id)
        center.plex_workcenter_id, center.code, center.name, center.area = plex_id, code, name, area
        center.save()

    _each(ctx, "workcenter", _records(body, "workcenters"), "workcenterId", apply)


def _apply_employees(body: Any, ctx: Context) -> None:
    user_model = get_user_model()

    def apply(rec: dict[str, Any]) -> None:
        plex_id = _text(rec, "id", required=True, max_len=64)
        badge = _text(rec, "badgeNumber", required=True, max_len=32)
        first = _text(rec, "firstName", required=True, max_len=80)
        last = _text(rec, "lastName", required=True, max_len=80)
        active = _text(rec, "status", max_len=40).lower() in ("", "active")
        shift = _text(rec, "shift", max_len=4)
        employee = Employee.objects.filter(plex_employee_id=plex_id).first()
        employee = employee or Employee.objects.filter(badge_id=badge, plex_employee_id="").first()
        if _others(Employee.objects.filter(badge_id=badge), employee).exists():
            raise Malformed(f"badge {badge} already belongs to another employee")
        if employee is None:
            username = f"plex-{badge}"
            if user_model.objects.filter(username=username).exists():
                raise Malformed(f"a user named {username} already exists")
            user = user_model.objects.create_user(username=username, first_name=first, last_name=last)
            user.set_unusable_password()
            user.save()
            # No PIN comes from Plex: the admin sets one before this person can sign in at a station.
            employee = Employee(user=user, pin_hash=make_password(None))
        employee.plex_employee_id, employee.badge_id = plex_id, badge
        employee.first_name, employee.last_name, employee.active, employee.shift = first, last, active, shift
        employee.save()

    _each(ctx, "employee", _records(body, "employees"), "id", apply)


def _apply_parts(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        plex_id = _text(rec, "id", required=True, max_len=64)
        number = _text(rec, "number", required=True, max_len=40)
        revision = _text(rec, "revision", max_len=10)
        name = _text(rec, "name", max_len=120) or number
        description = _text(rec, "description", max_len=2000)
        part = Part.objects.filter(plex_part_id=plex_id).first()
        part = part or Part.objects.filter(number=number, revision=revision, plex_part_id="").first()
        clash = _others(Part.objects.filter(number=number, revision=revision), part)
        if clash.exists():
            raise Malformed(f"part {number} rev {revision} already exists with another Plex id")
        part = part or Part()
        part.plex_part_id, part.number, part.revision, part.name, part.description = (
            plex_id, number, revision, name, description,
        )  # fmt: skip
        part.save()

    _each(ctx, "part", _records(body, "parts"), "id", apply)


def _apply_part_operations(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        _text(rec, "partId", required=True, max_len=64)
        _integer(rec, "operationNumber", required=True)
        if "active" in rec and not isinstance(rec["active"], bool | None):
            raise Malformed("active should be true or false")
        # Kept as a PlexRecord; jobs place the operation at its work center (part operations do not).
        operation = Operation.objects.filter(
            part__plex_part_id=rec["partId"], sequence=rec["operationNumber"]
        ).first()
        if operation is not None and operation.plex_operation_id != rec["id"]:
            operation.plex_operation_id = rec["id"]
            operation.save(update_fields=["plex_operation_id"])

    _each(ctx, "part-operation", _records(body, "part_operations"), "id", apply)


def _apply_specifications(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        plex_id = _text(rec, "id", required=True, max_len=64)
        part_id = _text(rec, "partId", required=True, max_len=64)
        part = Part.objects.filter(plex_part_id=part_id).first()
        if part is None:
            raise Malformed(f"partId {part_id} is not a synced part")
        tolerance = rec.get("toleranceType") or {}
        if not isinstance(tolerance, dict):
            raise Malformed("toleranceType should be an object")
        target = _number(tolerance, "target")
        plus, minus = _number(tolerance, "targetPlus"), _number(tolerance, "targetMinus")
        lower = _number(tolerance, "oneSidedMinimum")
        upper = _number(tolerance, "oneSidedMaximum")
        if target is not None and plus is not None:
            upper = target + plus
        if target is not None and minus is not None:
            lower = target - minus
        if lower is not None and upper is not None and lower > upper:
            raise Malformed(f"lower limit {lower} is above upper limit {upper}")
        spec, _ = PartSpecification.objects.update_or_create(
            plex_id=plex_id,
            defaults={
                "part": part,
                "number": _text(rec, "specificationNumber", max_len=60),
                "description": _text(rec, "description", max_len=300) or _text(rec, "note", max_len=300),
                "nominal": target,
                "lower": lower,
                "upper": upper,
                "unit": _text(tolerance, "unit", max_len=16),
                "updated_at": _moment(rec, "updatedDateTime"),
            },
        )
        _report_drift(ctx, spec)

    _each(ctx, "part-specification", _records(body, "part_specifications"), "id", apply)


def _report_drift(ctx: Context, spec: PartSpecification) -> None:
    """A published step keeps its limits until a person approves a change; when Plex's limits move, the
    admin (and engineering) are told which step still checks the old ones."""
    for link in StepSpecLink.objects.filter(specification=spec).select_related(
        "instruction__current_version"
    ):
        version = link.instruction.current_version
        step = version.steps.filter(key=link.step_key).first() if version else None
        if version is None or step is None or (step.spec_lower, step.spec_upper) == (spec.lower, spec.upper):
            continue
        _report(
            ctx.run,
            "spec-drift",
            spec.plex_id,
            f"Plex limits for {spec.part.number} {spec.number} are now {_plain(spec.lower)}–{_plain(spec.upper)} "
            f"{spec.unit}; step {step.order} of {link.instruction.title} v{version.number} still checks "
            f"{_plain(step.spec_lower)}–{_plain(step.spec_upper)}. Propose a change to the instruction.",
        )


def _apply_control_plans(body: Any, ctx: Context) -> None:
    def apply(rec: dict[str, Any]) -> None:
        number = _number(rec, "controlPlanNo")
        ControlPlan.objects.update_or_create(
            plex_id=_text(rec, "id", required=True, max_len=64),
            defaults={
                "number": "" if number is None else format(number.normalize(), "f"),
                "description": _text(rec, "description", max_len=300),
                "status": _text(rec, "controlPlanStatus", max_len=40),
                "plan_type": _text(rec, "controlPlanType", max_len=60),
            },
        )

    _each(ctx, "control-plan", _records(body, "control_plans"), "id", apply)


OPEN_STATUSES = {WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS}


def _status_from_plex(raw: str, current: str | None) -> str:
    lowered = raw.lower()
    if "hold" in lowered:
        return WorkOrderStatus.ON_HOLD
    if lowered.startswith(("complete", "closed", "cancel")):
        return WorkOrderStatus.COMPLETE
    # Plex's "Scheduled"/"Released"/"Running": never move a job the floor has started back to released.
    return WorkOrderStatus.IN_PROGRESS if current == WorkOrderStatus.IN_PROGRESS else WorkOrderStatus.RELEASED


def _apply_jobs(body: dict[str, Any], ctx: Context) -> None:
    jobs = {
        job["id"]: job for job in body["jobs"] if isinstance(job, dict) and isinstance(job.get("id"), str)
    }

    def apply_job(rec: dict[str, Any]) -> None:
        _text(rec, "jobNumber", required=True, max_len=40)
        _text(rec, "jobStatus", max_len=40)
        _moment(rec, "dueDate")

    def apply_operation(rec: dict[str, Any]) -> None:
        job = jobs.get(rec.get("jobId"))  # type: ignore[arg-type]
        if job is None:
            raise Malformed("jobId does not match a job in this sync")
        number = _text(job, "jobNumber", required=True, max_len=40)
        sequence = _integer(rec, "jobOperationNumber", required=True)
        if sequence is None or sequence < 0:
            raise Malformed("jobOperationNumber must be zero or more")
        part = Part.objects.filter(plex_part_id=_text(rec, "partId", required=True, max_len=64)).first()
        if part is None:
            raise Malformed(f"partId {rec['partId']} is not a synced part")
        center = WorkCenter.objects.filter(
            plex_workcenter_id=_text(rec, "workcenterId", required=True, max_len=64)
        ).first()
        if center is None:
            raise Malformed(f"workcenterId {rec['workcenterId']} is not a synced work center")
        quantity = _number(rec, "quantity")
        if quantity is None or quantity < 0:
            raise Malformed("quantity is missing or negative")
        due = _moment(rec, "dueDate") or _moment(job, "dueDate")
        operation = _operation_upsert(rec, part=part, center=center, sequence=sequence)
        _baseline_instruction(part=part, operation=operation, ctx=ctx)
        plex_id = _text(rec, "jobOperationId", required=True, max_len=64)
        barcode = f"{number}-{sequence}".upper().replace(" ", "-")
        if not SCAN_PATTERN.fullmatch(barcode):
            raise Malformed(f"job number {number!r} cannot be printed as a scannable barcode")
        order = WorkOrder.objects.filter(plex_job_id=plex_id).first()
        order = order or WorkOrder.objects.filter(barcode=barcode, plex_job_id="").first()
        if _others(WorkOrder.objects.filter(barcode=barcode), order).exists():
            raise Malformed(f"barcode {barcode} already belongs to another work order")
        order = order or WorkOrder(plex_job_id=plex_id)
        raw_status = _text(rec, "jobOperationStatus", max_len=40) or _text(job, "jobStatus", max_len=40)
        order.plex_job_id, order.number, order.barcode = plex_id, number, barcode
        order.part, order.operation, order.quantity = part, operation, int(quantity)
        order.due_date = timezone.localdate(due) if due else None
        order.status = _status_from_plex(raw_status, order.status if order.pk else None)
        order.save()

    _each(ctx, "job", body["jobs"], "id", apply_job)
    for job_id, answer in body["operations"].items():
        try:
            operations = _records(answer, f"operations of job {job_id}")
        except Malformed as exc:
            ctx.tally.skipped += 1
            _report(ctx.run, "job-operation", job_id, str(exc), answer)
            continue
        _each(ctx, "job-operation", operations, "jobOperationId", apply_operation)
        PlexRecord.objects.update_or_create(
            resource="job-operations-fetched",
            plex_id=job_id,
            defaults={"digest": _digest(answer), "data": {}, "last_seen_at": ctx.now},
        )


def _operation_upsert(rec: dict[str, Any], *, part: Part, center: WorkCenter, sequence: int) -> Operation:
    name = _text(rec, "operationCode", max_len=120) or f"Operation {sequence}"
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


def _baseline_instruction(*, part: Part, operation: Operation, ctx: Context) -> None:
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


def _apply_labor(body: Any, ctx: Context) -> None:
    records = _records(body, "labor_entries")
    for rec in records:
        if isinstance(rec, dict):
            seed = "|".join(
                str(rec.get(k, "")) for k in ("employeeId", "workcenterId", "beginTime", "costActivity")
            )
            rec.setdefault("_key", hashlib.sha256(seed.encode()).hexdigest())

    def apply(rec: dict[str, Any]) -> None:
        begin = _moment(rec, "beginTime", required=True)
        assert begin is not None
        employee_id = _text(rec, "employeeId", max_len=64)
        account_id = _text(rec, "accountId", max_len=64)
        center_id = _text(rec, "workcenterId", max_len=64)
        LaborEntry.objects.update_or_create(
            key=rec["_key"],
            defaults={
                "employee": Employee.objects.filter(plex_employee_id=employee_id).first()
                if employee_id
                else None,
                "plex_employee_id": employee_id,
                "work_center": WorkCenter.objects.filter(plex_workcenter_id=center_id).first()
                if center_id
                else None,
                "job_code": _text(rec, "jobCode", max_len=40),
                "cost_activity": _text(rec, "costActivity", max_len=60),
                "begin": begin,
                "end": _moment(rec, "endTime"),
                "duration_minutes": _integer(rec, "duration"),
            },
        )
        if employee_id and account_id:
            # Clock-in/out write-backs need the person's IAM account id, which only labor records carry.
            PlexRecord.objects.update_or_create(
                resource="employee-account",
                plex_id=employee_id,
                defaults={"digest": account_id, "data": {"accountId": account_id}, "last_seen_at": ctx.now},
            )

    _each(ctx, "labor-entry", records, "_key", apply)


def _apply_statuses(body: dict[str, Any], ctx: Context) -> None:
    for wc_id, answer in body.items():
        ctx.tally.seen += 1
        try:
            if not isinstance(answer, dict):
                raise Malformed(f"expected an object, got {type(answer).__name__}")
            operators = answer.get("operators") or []
            if not isinstance(operators, list):
                raise Malformed("operators should be a list")
            center = WorkCenter.objects.get(plex_workcenter_id=wc_id)
            WorkCenterStatus.objects.update_or_create(
                work_center=center,
                defaults={
                    "status_id": _text(answer, "statusId", max_len=64),
                    "status": _text(answer, "statusDescription", max_len=100),
                    "job_number": _text(answer, "jobNumber", max_len=40),
                    "operators": operators,
                    "fetched_at": ctx.now,
                },
            )
            ctx.tally.changed += 1
        except Malformed as exc:
            ctx.tally.skipped += 1
            _report(ctx.run, "workcenter-status", wc_id, str(exc), answer)


FETCHERS: dict[str, Callable[[PlexClient, SyncState, datetime.datetime], Any]] = {
    "workcenters": _fetch_list("production/v1/production-definitions/workcenters"),
    "employees": _fetch_list("mdm/v1/employees"),
    "parts": _fetch_list("mdm/v1/parts"),
    "part_operations": _fetch_list("mdm/v1/part-operations"),
    "part_specifications": _fetch_list("quality/v1/part-specifications"),
    "control_plans": _fetch_list("quality/v1/control-plans"),
    "jobs": _fetch_jobs,
    "labor_entries": _fetch_labor,
    "workcenter_status": _fetch_statuses,
}
APPLIERS: dict[str, Callable[[Any, Context], None]] = {
    "workcenters": _apply_workcenters,
    "employees": _apply_employees,
    "parts": _apply_parts,
    "part_operations": _apply_part_operations,
    "part_specifications": _apply_specifications,
    "control_plans": _apply_control_plans,
    "jobs": _apply_jobs,
    "labor_entries": _apply_labor,
    "workcenter_status": _apply_statuses,
}

# Materials (BOMs, containers): in their own module; registered here so one sync run covers them.
from plex import sync_materials  # noqa: E402

FETCHERS.update({"boms": sync_materials.fetch_boms, "containers": sync_materials.fetch_containers})
APPLIERS.update({"boms": sync_materials.apply_boms, "containers": sync_materials.apply_containers})
