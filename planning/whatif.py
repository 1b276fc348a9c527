"""What-if copilot: a trigger (Hold/Down, material shortage, rush order, operator absence) → three ranked
scenarios, each with KPIs beside today's plan and a plain-language rationale built from what drove it
(`planning.rationale`).

Started and frozen-horizon work keeps its place in every scenario (`problem.FROZEN`):
  1. Repair in place   — every operation stays on its work center and in its order; only times move.
  2. Use alternatives  — operations may go to approved alternative work centers; moves are minimised after
                         tardiness and changeovers.
  3. Re-sequence       — free re-optimisation of everything not frozen (warm-started from today's plan).
"""

import datetime
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from labor.models import Absence, EmployeeCertification
from planning import problem as pb
from planning.models import Downtime, Plan, PlanJob, PlanStatus, WithdrawnSource
from planning.rationale import limit_sentences, scenario_rationale, unstaffed_sentences
from planning.solver import Solution, cost, kpis, solve
from planning.tasks import scenarios_unqueue
from plexcopilot.services import audit_chain_lock, audit_record

KPI_LABELS = [
    ("no_operator", "Operations without an operator"),
    ("late_jobs", "Late jobs"),
    ("tardiness_h", "Total tardiness (h)"),
    ("changeovers", "Changeovers"),
    ("makespan_h", "Makespan (h)"),
    ("overtime_h", "Overtime (h)"),
    ("moved", "Operations moved"),
]


@dataclass
class Trigger:
    kind: str  # hold | down | shortage | material (arrived) | rush | absence | question
    summary: str
    work_center: str = ""
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    absent_ids: set[int] = field(default_factory=set)
    # A planner's question ("what if PRS-400 were on Hold?"): its Hold/Down window and rush jobs stay assumptions of
    # these scenarios only, recorded when one of them is released (`planning.release`), never before.
    hypothetical: bool = False
    extra_job_ids: set[int] = field(default_factory=set)
    # A planner's "material short" question: job id -> when its material would be there (no job may start before).
    material_ready: dict[int, datetime.datetime] = field(default_factory=dict)
    # The event behind it ("shortage-alert:17"), so its scenarios can be withdrawn when that is over.
    source: str = ""
    # What it is about (`Plan.trigger_key`, `group()`): a newer set of the same key replaces the open one; sets of
    # other keys stay open beside it until one is released.
    key: str = ""

    def group(self) -> str:
        asked = "asked:" if self.hypothetical else ""
        if self.key or self.source:
            return (self.key or self.source)[:80]
        if (
            self.kind in ("hold", "down") and self.work_center
        ):  # Hold and Down of one work center: one question
            return f"{asked}wc:{self.work_center}"[:80]
        return f"{asked}{self.kind}"

    def assumptions(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.hypothetical and self.kind in ("hold", "down") and self.start and self.end:
            out["downtime"] = [{"work_center": self.work_center, "kind": self.kind, "start": self.start.isoformat(),
                                "end": self.end.isoformat(), "note": self.summary[:200]}]  # fmt: skip
        if self.extra_job_ids:
            out["jobs"] = sorted(self.extra_job_ids)
        if self.hypothetical and self.material_ready:
            out["material"] = [{"job": job_id, "ready_at": at.isoformat()}
                               for job_id, at in sorted(self.material_ready.items())]  # fmt: skip
        return out


def _overtime_h(problem: pb.Problem, assignments: dict) -> float:
    """Hours scheduled inside the plant's closed windows' shadow: work ending after the horizon's last shift."""
    over = sum(max(0, a.end - problem.horizon) for a in assignments.values())
    return round(over / 60, 1)


def _kpis(problem, assignments, current) -> dict[str, float]:
    values = kpis(problem, assignments, current)
    values["overtime_h"] = _overtime_h(problem, assignments)
    return values


def _unless_better(problem: pb.Problem, own: Solution, simpler: Solution, move_weight: int) -> Solution:
    """`own` only when it beats `simpler` on its strategy's own objective. `simpler` is a more constrained
    strategy's plan (a repair in place is a plan the alternatives may keep; either is one a re-sequence may
    keep), so it is feasible here too: a tie — the same KPIs with an operation started elsewhere in its slack, or a
    search cut short on a busy machine — is shown as the simpler plan, which the board then marks as the same
    schedule instead of presenting it as an alternative."""
    if cost(problem, own, move_weight) < cost(problem, simpler, move_weight):
        return own
    return replace(
        simpler, seconds=own.seconds
    )  # the plan shown, with its own status (a repair's DISPATCH stays)


def scenarios_generate(
    trigger: Trigger, *, now: datetime.datetime | None = None, time_limit: float = 3.0
) -> list[Plan]:
    """Three ranked draft plans for `trigger`; the open drafts of the same trigger (`Trigger.group`: the same work
    center's Hold/Down, the same shortage alert, the same part's rush…) are discarded, those of other triggers stay.

    When the trigger's source was withdrawn while this ran (the shortage was resolved during the solve, too late
    to drop the run from the queue), the three are saved withdrawn with that reason and audited, and the drafts on
    the board are left alone: the planner sees what they would have seen had the run finished first (nothing to
    sign for a shortage that is over, another what-if's scenarios still open), while the scenario pages and the
    audit trail keep what was computed and why it cannot be signed."""
    now = now or timezone.now()
    origin = pb.plan_origin(now)
    base = pb.released_plan()
    current = pb.plan_assignments(base, origin)
    extra = []
    if trigger.kind in ("hold", "down") and trigger.work_center and trigger.start and trigger.end:
        extra.append((trigger.work_center, trigger.start, trigger.end))
    problem, refs = pb.build_problem(
        origin, current=current, freeze_before=pb.minutes(origin, origin + pb.FROZEN), extra_downtime=extra,
        absent_ids=trigger.absent_ids, extra_job_ids=trigger.extra_job_ids, material_ready=trigger.material_ready,
    )  # fmt: skip
    if not problem.tasks:
        return []
    current = {k: v for k, v in current.items() if k in refs}
    today = _today_kpis(trigger, origin, current, time_limit) if current else {}
    if today and base is not None:  # today's plan as released: its operators were there when it was signed
        today["no_operator"] = _released_without_operator(base, set(current))
    repair = solve(
        problem, time_limit, current=current, keep_work_center=True, keep_order=True, move_weight=1
    )
    alternatives = _unless_better(
        problem, solve(problem, time_limit, current=current, move_weight=1), repair, 1
    )
    resequence = _unless_better(problem, solve(problem, time_limit, current=current), alternatives, 0)
    runs = {
        "repair": ("Repair in place", repair),
        "alternatives": ("Move to the alternative work center", alternatives),
        "resequence": ("Re-sequence the line", resequence),
    }
    scored = []
    for name, (label, sol) in runs.items():
        k = _kpis(problem, sol.assignments, current)
        moved_to: dict[str, int] = {}
        for key, a in sol.assignments.items():
            if key in current and current[key].work_center != a.work_center:
                moved_to[a.work_center] = moved_to.get(a.work_center, 0) + 1
        scored.append((name, label, sol, k, moved_to))
    scored.sort(
        key=lambda s: (
            s[3]["no_operator"],
            s[3]["tardiness_h"],
            s[3]["late_jobs"],
            s[3]["moved"],
            s[3]["changeovers"],
            s[3]["makespan_h"],
        )
    )
    hold = None
    if extra:
        hold = (trigger.work_center, trigger.kind, pb.minutes_up(origin, extra[0][2]))
    absent_holders = _absent_holders(trigger.absent_ids, problem.unstaffed(), origin)
    unaccounted = unaccounted_sentence(base, trigger, origin) if today else ""
    saves: list[dict[str, Any]] = []
    schedules: dict[frozenset, int] = {}  # a schedule already shown -> its rank
    for rank, (name, label, sol, k, moved_to) in enumerate(scored, start=1):
        absurd = _absurd(k)
        k_all = dict(k, today=today, solver=sol.status, seconds=round(sol.seconds, 2), strategy=name,
                     warnings=[*problem.warnings, *absurd])  # fmt: skip
        schedule = frozenset((key, a.work_center, a.start) for key, a in sol.assignments.items())
        if schedule in schedules:  # e.g. no alternative helps: say so instead of ranking one plan three times
            k_all["same_as"] = schedules[schedule]
        schedules.setdefault(schedule, rank)
        saves.append(
            dict(
                origin=origin,
                problem=problem,
                refs=refs,
                assignments=sol.assignments,
                label=label,
                kpis=k_all,
                rank=rank,
                trigger=trigger.summary[:200],
                rationale=scenario_rationale(
                    strategy=name,
                    trigger=trigger.summary,
                    kpis=k,
                    today=today or k,
                    moved_to=moved_to,
                    solution=sol,
                    problem=problem,
                    origin=origin,
                    absent_holders=absent_holders,
                    current=current,
                    hold=hold,
                    unaccounted=unaccounted,
                )
                + "".join(f" {warning}." for warning in absurd),
                base=base,
                now=now,
                assumptions=trigger.assumptions(),
                source=trigger.source,
                trigger_key=trigger.group(),
            )  # fmt: skip
        )
    with transaction.atomic():
        audit_chain_lock()  # as `scenarios_withdraw` does: a withdrawal commits before this looks, or sees these
        withdrawn = WithdrawnSource.objects.filter(source=trigger.source).first() if trigger.source else None
        if withdrawn is None:  # the open set of the same trigger is replaced; other triggers' sets stay open
            Plan.objects.filter(status=PlanStatus.DRAFT, trigger_key=trigger.group()).update(
                status=PlanStatus.DISCARDED
            )
        plans = [pb.plan_save(**save) for save in saves]
        if withdrawn is not None:
            _withdraw(plans, source=withdrawn.source, reason=withdrawn.reason, late=True)
    return plans


def _today_kpis(
    trigger: Trigger, origin: datetime.datetime, current: dict, time_limit: float
) -> dict[str, float]:
    """Today's plan beside the scenarios, at the same instant and on the same inputs less the trigger: the
    released plan repaired in place (its work centers and order) for everything known now but what the trigger
    adds. The plan as stored may no longer hold (a material hold or a Hold recorded since it was released, time
    gone by): lateness it has anyway is not the trigger's, and a trigger that affects nothing shows +0."""
    window = None
    if trigger.kind in ("hold", "down") and trigger.work_center and trigger.start and trigger.end:
        window = (trigger.work_center, trigger.start, trigger.end)  # recorded for a real Hold: left out too
    problem, refs = pb.build_problem(
        origin, current=current, freeze_before=pb.minutes(origin, origin + pb.FROZEN), without_downtime=window,
        without_material_of=set() if trigger.hypothetical else set(trigger.material_ready),
    )  # fmt: skip
    kept = {k: v for k, v in current.items() if k in refs}
    sol = solve(problem, time_limit, current=kept, keep_work_center=True, keep_order=True, move_weight=1)
    return _kpis(problem, sol.assignments, kept)


def _absurd(k: dict[str, float]) -> list[str]:
    """A plan that runs past twice the horizon answers a question whose figures are likely wrong (a rush of 100000
    pieces): said as a warning, not refused — the planner may mean it."""
    horizon_h = pb.HORIZON.total_seconds() / 3600
    if k["makespan_h"] <= 2 * horizon_h:
        return []
    return [
        f"Check the question: this plan runs {k['makespan_h']:g} h, more than twice the {pb.HORIZON.days}-day "
        f"planning horizon, with {k['overtime_h']:g} h of work past it; a quantity or a window may be too large"
    ]


def unaccounted_sentence(base: Plan | None, trigger: Trigger, origin: datetime.datetime) -> str:
    """What today's plan was released without and its KPIs beside the scenarios are repaired for: a material hold
    recorded since (the job planned to start before its material is there) or a Hold/Down window its operations
    run into — the trigger's own excepted. Without it a scenario's "-4 vs today's plan" reads as the trigger's
    doing when it comes from re-planning for a shortage recorded earlier."""
    if base is None:
        return ""
    found: list[str] = []
    starts: dict[int, datetime.datetime] = {}
    for job_id, start in base.slots.filter(end__gt=origin).values_list("job_id", "start"):
        starts[job_id] = min(start, starts.get(job_id, start))
    short = [
        (job.number, job.material_ready_at)
        for job in PlanJob.objects.filter(pk__in=starts, material_ready_at__gt=origin).order_by("due", "number")
        if job.material_ready_at and starts[job.pk] < job.material_ready_at and job.pk not in trigger.material_ready
    ]  # fmt: skip
    if short:
        named = ", ".join(f"{number} (material there {_at(at)})" for number, at in short[:5])
        found.append(
            f"the material shortage of {named}{f' and {len(short) - 5} more job(s)' if len(short) > 5 else ''}"
        )
    for window in Downtime.objects.filter(kind__in=["hold", "down"], end__gt=origin).select_related(
        "work_center"
    ):
        own = (window.work_center.code, window.start, window.end) == (
            trigger.work_center,
            trigger.start,
            trigger.end,
        )
        hit = base.slots.filter(work_center=window.work_center, setup_start__lt=window.end,
                                end__gt=max(window.start, origin))  # fmt: skip
        if not own and hit.exists():
            label = "Hold" if window.kind == "hold" else "Down"
            found.append(f"{window.work_center.code}'s {label} {_at(window.start)}–{_at(window.end)}")
    if not found:
        return ""
    return (
        f"Today's plan does not yet account for {' and '.join(found)}: its figures here are today's plan repaired "
        "in place for that, so the differences come partly from re-planning for it, not from this what-if alone."
    )


def _at(when: datetime.datetime) -> str:
    return f"{timezone.localtime(when):%a %H:%M}"


def scenarios_withdraw(*, source: str, reason: str, now: datetime.datetime | None = None) -> list[Plan]:
    """Take the open scenarios `source` raised off the board, because what raised them is over (a shortage
    resolved): each keeps its slots and says why (`withdrawn_reason`), and signing one is refused with that. The
    source is recorded as withdrawn (`WithdrawnSource`): a run for it still being solved saves its scenarios
    withdrawn too (`scenarios_generate`), and a run still queued is dropped (`planning.tasks.scenarios_unqueue`).
    Audited per scenario (the audit trail finds it by the plan), the dropped runs on the withdrawn source."""
    if not source:  # a planner's question has none: nothing of it is "over"
        return []
    reason = reason[:200]
    with transaction.atomic():
        audit_chain_lock()
        withdrawn, _ = WithdrawnSource.objects.get_or_create(
            source=source, defaults={"reason": reason, "withdrawn_at": now or timezone.now()}
        )
        plans = list(
            Plan.objects.select_for_update(no_key=True)
            .filter(source=source, status=PlanStatus.DRAFT)
            .order_by("pk")
        )
        _withdraw(plans, source=source, reason=reason)
        if unqueued := scenarios_unqueue(source):
            audit_record(actor=None, action="schedule.scenario_runs_dropped", obj=withdrawn,
                         summary=f"{unqueued} queued what-if run(s) for {source} dropped: {reason}",
                         data={"source": source, "unqueued": unqueued})  # fmt: skip
    return plans


def _withdraw(plans: list[Plan], *, source: str, reason: str, late: bool = False) -> None:
    """Mark `plans` withdrawn and audit each (inside the caller's transaction, holding the audit chain lock)."""
    Plan.objects.filter(pk__in=[p.pk for p in plans]).update(
        status=PlanStatus.WITHDRAWN, withdrawn_reason=reason
    )
    how = " as it was saved (still solving when its source was withdrawn)" if late else ""
    for plan in plans:
        plan.status, plan.withdrawn_reason = PlanStatus.WITHDRAWN, reason
        audit_record(actor=None, action="schedule.scenarios_withdrawn", obj=plan,
                     summary=f"What-if scenario {plan.rank}. {plan.label} withdrawn{how}: {reason}",
                     data={"source": source, "trigger": plan.trigger, "late": late})  # fmt: skip


def schedule_build(
    *, now: datetime.datetime | None = None, time_limit: float = 10.0, label: str = "Weekly plan"
) -> Plan:
    """A fresh optimised draft plan of all open jobs (warm-started from the released plan)."""
    now = now or timezone.now()
    origin = pb.plan_origin(now)
    base = pb.released_plan()
    current = pb.plan_assignments(base, origin)
    problem, refs = pb.build_problem(
        origin, current=current, freeze_before=pb.minutes(origin, origin + pb.FROZEN)
    )
    current = {k: v for k, v in current.items() if k in refs}
    sol = solve(problem, time_limit, current=current or None)
    k = dict(_kpis(problem, sol.assignments, current), solver=sol.status, seconds=round(sol.seconds, 2),
             warnings=problem.warnings)  # fmt: skip
    return pb.plan_save(origin=origin, problem=problem, refs=refs, assignments=sol.assignments, label=label,
                        kpis=k, rank=1, base=base, now=now, rationale=" ".join([
                            "Optimised: weighted tardiness, then changeovers, then makespan.",
                            *unstaffed_sentences(problem, sol.assignments,
                                                 _absent_holders(set(), problem.unstaffed(), origin)),
                            *limit_sentences(problem, sol.assignments, origin),
                            *(f"{note}." for note in sol.notes),
                            *(f"{warning}." for warning in problem.warnings)]))  # fmt: skip


def _released_without_operator(plan: Plan, keys: set[tuple[str, int]]) -> int:
    flagged = plan.slots.filter(no_operator=True).values_list("job__number", "operation__sequence")
    return sum(1 for key in flagged if key in keys)


def _absent_holders(
    absent_ids: set[int], certifications: set[str], origin: datetime.datetime
) -> dict[str, list[str]]:
    """Per certification no one on shift holds: the absent people who hold it (named in the rationale), whether
    the what-if made them absent or their absence is recorded over the plan's horizon."""
    out: dict[str, list[str]] = {}
    if not certifications:
        return out
    recorded = Absence.objects.filter(
        last_day__gte=timezone.localdate(origin), first_day__lte=timezone.localdate(origin + pb.HORIZON)
    ).values_list("employee_id", flat=True)
    absent = set(absent_ids) | set(recorded)
    if not absent:
        return out
    for held in (
        EmployeeCertification.objects.filter(
            employee_id__in=absent,
            certification_type__code__in=certifications,
            level__in=["certified", "expert"],
        )
        .select_related("employee", "certification_type")
        .order_by("employee__last_name", "employee__first_name")
    ):
        names = out.setdefault(held.certification_type.code, [])
        if held.employee.full_name not in names:
            names.append(held.employee.full_name)
    return out


def kpi_rows(plan: Plan) -> list[dict[str, Any]]:
    today = plan.kpis.get("today") or {}
    return [
        {"label": label, "value": plan.kpis.get(key, 0), "today": today.get(key, "—") if today else "—"}
        for key, label in KPI_LABELS
    ]
