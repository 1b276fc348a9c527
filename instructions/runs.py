"""A run at the station: scan a work order, start or resume its execution, complete steps in order, flag a step
unclear, let a supervisor past the certification gate. Readings are in `instructions.readings`."""

import re

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from instructions import station_hooks
from instructions.adaptation import step_gate_locked
from instructions.models import (
    CertificationOverride,
    Execution,
    ExecutionStatus,
    InstructionVersion,
    Station,
    Step,
    StepCompletion,
    UnclearFlag,
    WorkInstruction,
    WorkOrder,
    WorkOrderStatus,
)
from plexcopilot import events
from plexcopilot.models import Employee
from plexcopilot.roles import ADMIN, SUPERVISOR
from plexcopilot.services import audit_chain_lock, audit_record
from plexcopilot.signatures import BadgeLocked, badge_check


class StationError(Exception):
    """A problem the operator must see; the message is written for them."""


class _EarlierStepOpen(Exception):
    """An earlier step is not done: found under step_complete's lock, worded once the lock is released."""

    def __init__(self, *, version: InstructionVersion, step: Step) -> None:
        self.version, self.step = version, step


SCAN_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._/\-]{1,63}$")


def work_order_scan(*, raw: str, station: Station) -> WorkOrder:
    """Find the work order a scan or typed number names, for this station's work center."""
    value = raw.strip().upper()
    if not value:
        raise StationError(gettext("Scan the work order barcode, or type its number."))
    if not SCAN_PATTERN.fullmatch(value):
        raise StationError(
            gettext(
                "That scan could not be read (unexpected characters or length). "
                "Scan the barcode again, or type the work order number."
            )
        )
    work_order = (
        WorkOrder.objects.select_related("operation__work_center", "part").filter(barcode=value).first()
    )
    if work_order is None:
        candidates = list(
            WorkOrder.objects.select_related("operation__work_center", "part").filter(
                number=value, operation__work_center=station.work_center
            )[:2]
        )
        work_order = candidates[0] if len(candidates) == 1 else None
    if work_order is None:
        raise StationError(
            gettext("No work order found for “%(value)s”. Check the traveler or ask your supervisor.")
            % {"value": value}
        )
    if work_order.operation.work_center_id != station.work_center_id:
        raise StationError(
            gettext("%(barcode)s runs at %(center)s, not at this station (%(here)s).")
            % {
                "barcode": work_order.barcode,
                "center": work_order.operation.work_center,
                "here": station.work_center.code,
            }  # fmt: skip
        )
    if work_order.status in (WorkOrderStatus.ON_HOLD, WorkOrderStatus.COMPLETE):
        raise StationError(
            gettext("%(barcode)s is %(status)s; it cannot be started.")
            % {"barcode": work_order.barcode, "status": str(work_order.get_status_display()).lower()}
        )
    return work_order


def released_instructions() -> QuerySet[WorkInstruction]:
    """Instructions with a version in effect: a work order of their part and operation can be started (the station
    home lists the others as waiting for one)."""
    return WorkInstruction.objects.filter(current_version__isnull=False)


def execution_start(*, work_order: WorkOrder, employee: Employee, new_run: bool = False) -> Execution:
    """Resume the work order's open execution, or start one on the version in effect now.

    A finished run is returned as it is (the station shows its close-out) unless `new_run` is asked for
    explicitly: a tap on a finished work order never restarts it at step 1.
    """
    existing = Execution.objects.filter(work_order=work_order, status=ExecutionStatus.ACTIVE).first()
    if existing is not None:
        return existing
    if not new_run:
        finished = Execution.objects.filter(work_order=work_order, status=ExecutionStatus.COMPLETE).first()
        if finished is not None:
            return finished
    instruction = released_instructions().filter(part=work_order.part, operation=work_order.operation).first()
    if instruction is None or instruction.current_version_id is None:
        raise StationError(
            gettext("There is no released work instruction for %(part)s op %(op)s. Call your supervisor.")
            % {"part": work_order.part, "op": work_order.operation.sequence}
        )
    try:
        with transaction.atomic():
            execution = Execution.objects.create(
                work_order=work_order,
                version_id=instruction.current_version_id,
                started_by=employee,
                operator=employee,
            )
            WorkOrder.objects.filter(pk=work_order.pk, status=WorkOrderStatus.RELEASED).update(
                status=WorkOrderStatus.IN_PROGRESS
            )
    except IntegrityError:
        # Another tablet started it in the same instant: join that one.
        return Execution.objects.get(work_order=work_order, status=ExecutionStatus.ACTIVE)
    audit_record(
        actor=employee.user,
        action="execution.start",
        obj=execution,
        summary=f"Started {work_order.barcode} on {instruction.title} v{execution.version.number}",
    )
    return execution


def step_complete(
    *,
    execution: Execution,
    step: Step,
    employee: Employee,
    station: Station | None,
) -> StepCompletion:
    """Mark a step done. Idempotent: a second submit (a double tap, a retry after an outage, another tablet)
    returns the first completion. The certification gate is checked here, not by the caller.

    The completion, the execution's progress or completion and the work order's status are written in one
    transaction: a database blip leaves either all of them or none, and the operator's retry finishes the job.
    """
    try:
        completion = _step_complete_locked(execution=execution, step=step, employee=employee, station=station)
    except _EarlierStepOpen as open_step:
        # Titled as the operator's step page titles it; a title not translated yet takes the translator seconds,
        # so not while the run's row and the audit chain are locked.
        title = station_hooks.step_title(
            version=open_step.version, step=open_step.step, language=employee.language
        )
        raise StationError(
            gettext("Finish step %(order)s (%(title)s) first.")
            % {"order": open_step.step.order, "title": title}
        ) from None
    execution.refresh_from_db()
    return completion


def _step_complete_locked(
    *, execution: Execution, step: Step, employee: Employee, station: Station | None
) -> StepCompletion:
    with transaction.atomic():
        audit_chain_lock()  # first, so every transaction that also writes audit events locks in one order
        run = (
            Execution.objects.select_for_update(no_key=True, of=("self",))  # not the joined rows
            .select_related("work_order", "version")
            .get(pk=execution.pk)
        )
        done = StepCompletion.objects.filter(execution=run, step=step).first()
        if done is not None:
            return done
        _step_ready(run=run, step=step, locked=step_gate_locked(execution=run, employee=employee, step=step))
        completion = StepCompletion.objects.create(
            execution=run, step=step, completed_by=employee, station=station
        )
        next_step = (
            Step.objects.filter(version=run.version, order__gt=step.order)
            .exclude(pk__in=run.completions.values("step"))
            .order_by("order")
            .first()
        )
        events.publish(events.STEP_COMPLETED, execution_id=run.pk, step_key=step.key)
        if next_step is None:
            _execution_close(run=run, step=step, employee=employee)
        else:
            Execution.objects.filter(pk=run.pk, current_order__lt=next_step.order).update(
                current_order=next_step.order
            )
    return completion


def _step_ready(*, run: Execution, step: Step, locked: bool) -> None:
    """Raise StationError (or _EarlierStepOpen) when `step` may not be marked done yet."""
    if run.status != ExecutionStatus.ACTIVE:
        raise StationError(gettext("This work order's instruction is already complete."))
    if locked:
        raise StationError(gettext("This step needs a valid certification or a supervisor override."))
    missing = (
        Step.objects.filter(version=run.version, order__lt=step.order)
        .exclude(pk__in=run.completions.values("step"))
        .order_by("order")
        .first()
    )
    if missing is not None:
        raise _EarlierStepOpen(version=run.version, step=missing)
    if step.needs_signoff and not run.signoffs.filter(step=step).exists():
        raise StationError(
            gettext("This step needs a second person's sign-off: badge and PIN of a supervisor or quality.")
        )
    if step.is_measured:
        latest = run.measurements.filter(step=step).order_by("-id").first()
        has_defect = run.defects.filter(step=step).exists()
        if latest is None:
            raise StationError(
                gettext("Enter the %(kind)s reading before marking done.")
                % {"kind": str(step.get_check_kind_display()).lower()}
            )
        if not latest.in_spec and not has_defect:
            raise StationError(
                gettext("The last reading is out of spec. Re-check and enter it again, or report a defect.")
            )


def _execution_close(*, run: Execution, step: Step, employee: Employee) -> None:
    """The last step is done: the run is complete, inside step_complete's transaction. The work order itself
    closes at close-out, when its quantity is reported (instructions.closeout)."""
    Execution.objects.filter(pk=run.pk, status=ExecutionStatus.ACTIVE).update(
        status=ExecutionStatus.COMPLETE, completed_at=timezone.now(), current_order=step.order
    )
    WorkOrder.objects.filter(pk=run.work_order_id, status=WorkOrderStatus.RELEASED).update(
        status=WorkOrderStatus.IN_PROGRESS
    )
    audit_record(
        actor=employee.user,
        action="execution.complete",
        obj=run,
        summary=f"Completed all steps of {run.work_order.barcode} v{run.version.number}",
    )
    events.publish(events.EXECUTION_COMPLETED, execution_id=run.pk, work_order_id=run.work_order_id)


def flag_create(*, execution: Execution, step: Step, employee: Employee, comment: str) -> UnclearFlag:
    flag = UnclearFlag.objects.create(
        version=execution.version,
        step=step,
        work_order=execution.work_order,
        execution=execution,
        raised_by=employee,
        comment=comment.strip()[:1000],
    )
    audit_record(
        actor=employee.user,
        action="step.flag_unclear",
        obj=flag,
        summary=f"Step {step.order} of {execution.version} flagged unclear",
        data={"step": step.key, "version": execution.version_id, "comment": flag.comment},
    )
    # Repeated trouble on a step becomes a change proposal (quality's threshold check, in the background).
    events.publish(
        events.STEP_FLAGGED,
        flag_id=flag.pk,
        instruction_id=execution.version.instruction_id,
        step_key=step.key,
    )
    return flag


def certification_override(
    *, execution: Execution, operator: Employee, supervisor_badge: str, supervisor_pin: str, reason: str
) -> CertificationOverride:
    """A supervisor lets an operator without a valid certification past the safety gate; recorded."""
    reason = reason.strip()
    if not reason:
        raise StationError(gettext("The supervisor must give a reason for the override."))
    try:
        supervisor = badge_check(badge_id=supervisor_badge.strip(), pin=supervisor_pin.strip())
    except BadgeLocked:
        raise StationError(
            gettext("Too many wrong PINs for that badge. Wait a minute and try again.")
        ) from None
    if supervisor is None:
        raise StationError(gettext("Supervisor badge or PIN not recognised."))
    if supervisor.role not in (SUPERVISOR, ADMIN):
        raise StationError(
            gettext("%(name)s is not a supervisor and cannot approve an override.")
            % {"name": supervisor.full_name}
        )
    if supervisor.pk == operator.pk:
        raise StationError(gettext("An operator cannot override their own certification gate."))
    with transaction.atomic():
        override = CertificationOverride.objects.create(
            execution=execution, operator=operator, supervisor=supervisor, reason=reason[:500]
        )
        audit_record(
            actor=supervisor.user,
            action="certification.override",
            obj=override,
            summary=f"{supervisor.full_name} let {operator.full_name} run {execution.work_order.barcode} "
            f"without a valid certification: {reason[:200]}",
            data={"operator": operator.badge_id, "execution": execution.pk},
        )
    return override


def execution_touch(*, execution: Execution, order: int) -> None:
    """Remember where the operator is, so another tablet resumes at the same step."""
    Execution.objects.filter(pk=execution.pk, status=ExecutionStatus.ACTIVE).exclude(
        current_order=order
    ).update(current_order=order)
    execution.current_order = order


def execution_next_step(execution: Execution) -> Step | None:
    """The run's real next step: the first step not done yet (None when every step is done).

    Not `current_order`, which is the step last looked at: an operator who finished steps 1-13 and looked back at
    step 9 is at step 14."""
    return (
        Step.objects.filter(version_id=execution.version_id)
        .exclude(pk__in=execution.completions.values("step"))
        .order_by("order")
        .first()
    )


def execution_completions(execution: Execution) -> QuerySet[StepCompletion]:
    """Who did which step of the run, in step order: the completions on the run's version only. After a version
    switch the old version's completions are history; their copies on the new steps keep who, when and where."""
    return (
        StepCompletion.objects.filter(execution=execution, step__version_id=execution.version_id)
        .select_related("step", "completed_by")
        .order_by("step__order")
    )
