"""Between the database and the solver: open jobs, routings, calendars and operators in; plans out."""

import datetime
import math
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, cast

from django.db.models import Q
from django.utils import timezone

from instructions.models import Operation
from planning.limits import operator_capacity, operator_groups, utilities
from planning.models import Changeover, Downtime, Plan, PlanJob, PlanSlot, PlanStatus, RoutingTime
from planning.solver import Assignment, Problem, Task
from plexcopilot.models import CertificationType

HORIZON = datetime.timedelta(days=8)
FROZEN = datetime.timedelta(minutes=30)  # work starting this soon is not moved by a repair


def minutes(origin: datetime.datetime, at: datetime.datetime) -> int:
    return int((at - origin).total_seconds() // 60)


def minutes_up(origin: datetime.datetime, at: datetime.datetime) -> int:
    """`at` in whole minutes from `origin`, rounded up: the first minute work may start after a Hold ends or
    material arrives part-way through a minute."""
    return math.ceil((at - origin).total_seconds() / 60)


def at_minute(origin: datetime.datetime, value: int) -> datetime.datetime:
    return origin + datetime.timedelta(minutes=value)


def plan_origin(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or timezone.now()
    return now.replace(second=0, microsecond=0)


def released_plan() -> Plan | None:
    return Plan.objects.filter(status=PlanStatus.RELEASED).order_by("-version").first()


def plan_assignments(plan: Plan | None, origin: datetime.datetime) -> dict[tuple[str, int], Assignment]:
    if plan is None:
        return {}
    out = {}
    for slot in plan.slots.select_related("job", "operation", "work_center"):
        key = (slot.job.number, slot.operation.sequence)
        out[key] = Assignment(
            slot.work_center.code,
            minutes(origin, slot.setup_start),
            minutes(origin, slot.start),
            minutes(origin, slot.end),
        )
    return out


def build_problem(
    origin: datetime.datetime,
    *,
    current: dict[tuple[str, int], Assignment] | None = None,
    freeze_before: int | None = None,
    extra_downtime: Sequence[tuple[str, datetime.datetime, datetime.datetime]] = (),
    absent_ids: AbstractSet[int] = frozenset(),
    extra_job_ids: AbstractSet[int] = frozenset(),
    material_ready: Mapping[int, datetime.datetime] | None = None,
    without_downtime: tuple[str, datetime.datetime, datetime.datetime] | None = None,
    without_material_of: AbstractSet[int] = frozenset(),
) -> tuple[Problem, dict[tuple[str, int], dict[str, Any]]]:
    """The open jobs as a solver problem (minutes from `origin`) and, per task, the ids needed to save it.

    With `current`, operations it starts before `freeze_before` (started or in the frozen horizon) keep their
    work center and start — unless a Hold/Down window now cuts through them: those are redone after it.
    `extra_downtime`, `extra_job_ids` (jobs not open yet: a what-if's rush order) and `material_ready` (job id ->
    when its material would be there) are a question's assumptions. `without_downtime` (a recorded window) and
    `without_material_of` (job ids whose recorded material time is ignored) leave out what an event recorded, for
    the plan as it was before that event (`whatif.scenarios_generate`'s baseline)."""
    jobs = list(PlanJob.objects.filter(Q(open=True) | Q(pk__in=extra_job_ids)).select_related("part"))
    ops_by_part: dict[int, list[Operation]] = {}
    for op in (
        Operation.objects.filter(part__in={j.part_id for j in jobs})
        .select_related("work_center", "required_certification")
        .order_by("part_id", "sequence")
    ):
        ops_by_part.setdefault(op.part_id, []).append(op)
    timings = {
        t.operation_id: t
        for t in RoutingTime.objects.filter(operation__part__in={j.part_id for j in jobs}).prefetch_related(
            "alternatives"
        )
    }
    horizon_end = origin + HORIZON
    downtime: dict[str, list[tuple[int, int]]] = {}
    rows = Downtime.objects.filter(end__gt=origin, start__lt=horizon_end).select_related("work_center")
    spans = [(d.work_center.code, d.start, d.end) for d in rows] + list(extra_downtime)
    spans = [span for span in spans if span != without_downtime]
    for code, start, end in spans:
        downtime.setdefault(code, []).append((max(0, minutes(origin, start)), minutes_up(origin, end)))
    for code in downtime:
        downtime[code] = _merge(downtime[code])
    tasks, refs = [], {}
    for job in jobs:
        ops = ops_by_part.get(job.part_id, [])
        for n, op in enumerate(ops):
            timing = timings.get(op.pk)
            run = math.ceil(float(timing.run_minutes_per_unit) * job.quantity) if timing else job.quantity
            options = {op.work_center.code: max(1, run)}
            wc_ids = {op.work_center.code: op.work_center_id}
            if timing:
                for alt in timing.alternatives.all():
                    options.setdefault(alt.code, max(1, run))
                    wc_ids.setdefault(alt.code, alt.pk)
            recorded = None if job.pk in without_material_of else job.material_ready_at
            ready = [at for at in (recorded, (material_ready or {}).get(job.pk)) if at is not None]
            release = minutes_up(origin, max(ready)) if ready else 0
            task = Task(
                job=job.number,
                index=op.sequence,
                options=options,
                family=(timing.family if timing else "") or job.part.number,
                setup=timing.setup_minutes if timing else 0,
                due=minutes(origin, job.due) if n == len(ops) - 1 else None,
                weight=job.priority,
                release=max(0, release),
                certification=cast(CertificationType, op.required_certification).code
                if op.required_certification_id
                else "",
            )
            if current and freeze_before is not None and task.key in current:
                a = current[task.key]
                interrupted = any(s < a.end and e > a.setup_start for s, e in downtime.get(a.work_center, []))
                if a.start < freeze_before and not interrupted:
                    task.fixed = (a.work_center, a.start)
            tasks.append(task)
            refs[task.key] = {"job": job.pk, "operation": op.pk, "wc": wc_ids}
    changeover = {(c.from_family, c.to_family): c.minutes for c in Changeover.objects.all()}
    used = sorted({t.certification for t in tasks if t.certification})
    operators, operator_shifts = operator_capacity(origin, horizon_end, used, absent_ids)
    # work centers each certification's operations can occupy at once (started work where it runs, even off
    # its routing now): a bound `operator_groups` prunes sets with
    machines = {
        c: len(
            {
                wc
                for t in tasks
                if t.certification == c
                for wc in (*t.options, *([t.fixed[0]] if t.fixed else []))
            }
        )
        for c in used
    }
    warnings: list[str] = []
    groups = operator_groups(origin, horizon_end, used, absent_ids, machines, warnings=warnings)
    problem = Problem(
        tasks,
        downtime,
        changeover,
        operators,
        operator_shifts=operator_shifts,
        operator_groups=groups,
        utilities=utilities(origin, horizon_end),
        horizon=minutes(origin, horizon_end),
        warnings=warnings,
    )
    return problem, refs


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        elif e > s:
            out.append((s, e))
    return out


def plan_save(
    *,
    origin: datetime.datetime,
    problem: Problem,
    refs: dict[tuple[str, int], dict[str, Any]],
    assignments: dict[tuple[str, int], Assignment],
    label: str,
    kpis: dict[str, Any],
    rank: int = 0,
    trigger: str = "",
    rationale: str = "",
    base: Plan | None = None,
    now: datetime.datetime | None = None,
    assumptions: dict[str, Any] | None = None,
    source: str = "",
    trigger_key: str = "",
) -> Plan:
    plan = Plan.objects.create(
        label=label, rank=rank, trigger=trigger, rationale=rationale, kpis=kpis, base=base, origin=origin,
        created_at=now or timezone.now(), assumptions=assumptions or {}, source=source, trigger_key=trigger_key,
    )  # fmt: skip
    tasks = {t.key: t for t in problem.tasks}
    unstaffed = problem.unstaffed()
    slots = []
    for key, a in assignments.items():
        ref = refs[key]
        task = tasks[key]
        slots.append(
            PlanSlot(
                plan=plan,
                job_id=ref["job"],
                operation_id=ref["operation"],
                work_center_id=ref["wc"][a.work_center],
                setup_start=at_minute(origin, a.setup_start),
                start=at_minute(origin, a.start),
                end=at_minute(origin, a.end),
                started=task.fixed is not None,
                late=task.due is not None and a.end > task.due,
                no_operator=task.certification in unstaffed,
            )  # fmt: skip
        )
    PlanSlot.objects.bulk_create(slots)
    return plan


def open_holds(at: datetime.datetime) -> Any:
    return Downtime.objects.filter(Q(kind__in=["hold", "down"]), start__lte=at, end__gt=at)
