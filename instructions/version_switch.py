"""Safety-critical versions reach work in progress.

A run pinned to an older version keeps it for ordinary changes ("new work uses vN"). When a newer version was
released through a safety-critical proposal, the run is stopped at its next step boundary, shown what changed,
and moved to the instruction's current version once the operator acknowledges: steps are mapped by `Step.key`,
unchanged steps keep their completions (copied onto the new steps with their original operator, time and station,
and `carried_from`), changed and new steps must be done again.
"""

from dataclasses import dataclass, field

from django.db import transaction

from instructions.models import (
    Execution,
    ExecutionStatus,
    InstructionVersion,
    RiskClass,
    Signature,
    Station,
    Step,
    StepCompletion,
    VersionSwitch,
    WorkInstruction,
)
from instructions.proposal_content import version_steps
from instructions.step_diff import steps_diff
from plexcopilot.models import Employee
from plexcopilot.services import audit_chain_lock, audit_record


@dataclass(frozen=True)
class Release:
    version: InstructionVersion
    signers: list[str]  # printed names of everyone whose signature released it, in signing order


@dataclass(frozen=True)
class PendingSwitch:
    target: InstructionVersion
    safety_versions: list[InstructionVersion]  # the safety-critical releases since the run's version
    changed: list[Step]  # steps of the target that are new or changed: to be done (again)
    releases: list[Release] = field(default_factory=list)  # the safety versions with their signers


def release_signers(version: InstructionVersion) -> list[str]:
    """Who signed the proposal that released `version` (the signatures on its content; a change needing two
    signatures names both), else the publisher."""
    names = list(
        Signature.objects.filter(
            proposal__published_version=version, content_hash=version.content_hash
        ).values_list("printed_name", flat=True)
    )
    if not names and version.published_by is not None:
        names = [version.published_by.get_full_name() or version.published_by.username]
    return list(dict.fromkeys(names))


def version_switch_pending(*, execution: Execution) -> PendingSwitch | None:
    """The switch this run must make before its next step, or None."""
    if execution.status != ExecutionStatus.ACTIVE:
        return None
    version = execution.version
    safety = list(
        InstructionVersion.objects.filter(
            instruction_id=version.instruction_id,
            number__gt=version.number,
            proposal__risk=RiskClass.SAFETY_CRITICAL,
        )
        .select_related("published_by")
        .order_by("number")
    )
    if not safety:
        return None
    instruction = WorkInstruction.objects.select_related("current_version").get(pk=version.instruction_id)
    target = instruction.current_version
    if target is None or target.number <= version.number:
        return None
    changed_keys = {
        d.key
        for d in steps_diff(version_steps(version), version_steps(target))
        if d.status in ("changed", "added")
    }
    changed = [s for s in target.steps.order_by("order") if s.key in changed_keys]
    releases = [Release(v, release_signers(v)) for v in safety]
    return PendingSwitch(target=target, safety_versions=safety, changed=changed, releases=releases)


def execution_switch_version(
    *, execution: Execution, employee: Employee, station: Station | None
) -> VersionSwitch | None:
    """Move the run to the current version after the operator acknowledged the changed steps."""
    with transaction.atomic():
        audit_chain_lock()  # first: step completion takes it before the run's row, so both lock in one order
        run = (
            Execution.objects.select_for_update(no_key=True, of=("self",))
            .select_related("version")
            .get(pk=execution.pk)
        )
        pending = version_switch_pending(execution=run)
        if pending is None:
            return None  # another tablet switched it a moment ago
        target, changed_keys = pending.target, {s.key for s in pending.changed}
        done = StepCompletion.objects.filter(execution=run, step__version=run.version).select_related("step")
        done_keys = {c.step.key: c for c in done}
        # Who did an unchanged step, when and where stays as it was: the operator acknowledging the switch did
        # not do it again (the switch itself is theirs, in the audit trail). `carried_from` names the first
        # record, also over several switches.
        carried = [
            StepCompletion(
                execution=run,
                step=step,
                completed_by_id=original.completed_by_id,
                completed_at=original.completed_at,
                station_id=original.station_id,
                carried_from_id=original.carried_from_id or original.pk,
            )
            for step in target.steps.all()
            if (original := done_keys.get(step.key)) is not None and step.key not in changed_keys
        ]
        StepCompletion.objects.bulk_create(carried)
        carried_keys = {c.step.key for c in carried}
        next_step = target.steps.exclude(key__in=carried_keys).order_by("order").first()
        Execution.objects.filter(pk=run.pk).update(
            version=target, current_order=next_step.order if next_step else target.steps.count()
        )
        switch = VersionSwitch.objects.create(
            execution=run, from_version=run.version, to_version=target, acknowledged_by=employee,
            changed_keys=sorted(changed_keys), station=station,
        )  # fmt: skip
        audit_record(
            actor=employee.user,
            action="execution.version_switch",
            obj=switch,
            summary=f"{run.work_order.barcode} moved from v{run.version.number} to v{target.number} "
            f"(safety-critical change); {employee.full_name} acknowledged {len(changed_keys)} changed step(s); "
            f"{len(carried)} done step(s) carried over as done by who did them",
            data={
                "execution": run.pk,
                "changed": sorted(changed_keys),
                "carried": sorted(c.step.key for c in carried),  # each copy names its original (carried_from)
            },
        )
    execution.refresh_from_db()
    return switch
