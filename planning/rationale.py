"""A scenario's plain-language rationale, built from what drove it: the trigger, the strategy, the moves, the
KPIs beside today's plan, and the limits that held work back in its plan — a shift's certified operators all
busy (or none on shift), a utility at its cap — named with the certification, shift, work center and time.

The rationale is stored with the plan and shown on the planner's desk, which is in English (only the station
screens are translated), so it is written in English.
"""

import datetime
from typing import Any

from django.utils import timezone

from labor.selectors import shift_at, shift_window
from planning.feasibility import Binding, binding_limits
from planning.solver import Assignment, Problem, Solution

MAX_LIMITS = 4  # sentences about limits; one per certification or utility that held work back


def scenario_rationale(
    *,
    strategy: str,
    trigger: str,
    kpis: dict[str, Any],
    today: dict[str, Any],
    moved_to: dict[str, int],
    solution: Solution,
    problem: Problem,
    origin: datetime.datetime,
    absent_holders: dict[str, list[str]] | None = None,
    current: dict[tuple[str, int], Assignment] | None = None,
    hold: tuple[str, str, int] | None = None,
    unaccounted: str = "",
) -> str:
    """`moved_to`: work center -> operations that changed work center to it; `hold`: (work center, "hold" or
    "down", end minute) of the what-if's window, so operations it pushed back on that work center are named;
    `unaccounted`: the sentence naming what today's plan was released without (`whatif.unaccounted_sentence`)."""
    k = kpis
    parts = [f"{trigger}.", *unstaffed_sentences(problem, solution.assignments, absent_holders)]
    if strategy == "repair":
        parts.append("Every operation stays on its work center in today's order; only start times move")
    elif strategy == "alternatives":
        if moved_to:
            where = ", ".join(f"{_ops(n)} to {wc}" for wc, n in sorted(moved_to.items()))
            parts.append(f"Moves {where} (approved alternative work centers)")
        else:
            parts.append("No approved alternative work center helps here, so the order is repaired instead")
    else:
        parts.append("Re-sequences everything not started or inside the frozen 30 minutes")
    delta_late = k["late_jobs"] - today["late_jobs"]
    parts[-1] += (
        f": {k['late_jobs']:g} late job(s) ({'+' if delta_late >= 0 else ''}{delta_late:g} vs today's plan), "
        f"{k['tardiness_h']:g} h total tardiness, {k['changeovers']:g} changeovers, {k['moved']:g} operation(s) moved."
    )
    if unaccounted:  # the comparison's other differences: known facts the released plan was made without
        parts.append(unaccounted)
    if hold and current:
        parts += after_hold_sentences(current, solution.assignments, hold, origin)
    if k["changeovers"] > today["changeovers"]:
        parts.append(
            f"It costs {k['changeovers'] - today['changeovers']:g} extra changeover(s) between part families."
        )
    parts += limit_sentences(problem, solution.assignments, origin)
    if solution.status == "DISPATCH":
        parts.append("The solver had no time; this is the dispatching-rule answer (priority, then due date).")
    elif solution.status.startswith("DISPATCH (better"):
        parts.append(
            "The solver ran out of time before it beat the dispatching rule; this is the rule's answer "
            "(priority, then due date)."
        )
    elif solution.status.startswith("DISPATCH"):
        parts.append("The solver found no plan that keeps every limit; this is the dispatching-rule answer.")
    parts += [f"{note}." for note in solution.notes]
    parts += [f"{warning}." for warning in problem.warnings]
    return " ".join(parts)


def _ops(n: int) -> str:
    return f"{n} operation{'' if n == 1 else 's'}"


def after_hold_sentences(
    current: dict[tuple[str, int], Assignment],
    plan: dict[tuple[str, int], Assignment],
    hold: tuple[str, str, int],
    origin: datetime.datetime,
) -> list[str]:
    """Operations that stay on the held work center and now start after the window ends (today's plan started
    them before its end): they wait, they are not moved."""
    code, kind, end = hold
    waiting = [
        key
        for key, a in plan.items()
        if key in current
        and current[key].work_center == code == a.work_center
        and current[key].start < end <= a.start
    ]
    if not waiting:
        return []
    window = "the Hold ends" if kind == "hold" else "it is back up"
    start = "starts" if len(waiting) == 1 else "start"
    return [f"{_ops(len(waiting))} on {code} {start} after {window} ({_when(origin, end)})."]


def unstaffed_sentences(
    problem: Problem,
    plan: dict[tuple[str, int], Assignment],
    absent_holders: dict[str, list[str]] | None = None,
) -> list[str]:
    """One sentence per certification no one on any shift holds whose operations `plan` still plans: they are
    on the plan without an operator, so they cannot run as planned (and the KPIs count them as if they could).
    `absent_holders` names the absent people who hold it (an operator-absence what-if)."""
    missing = problem.unstaffed()
    counts: dict[str, int] = {}
    for task in problem.tasks:
        if task.certification in missing and task.key in plan:
            counts[task.certification] = counts.get(task.certification, 0) + 1
    out = []
    for cert, n in sorted(counts.items()):
        names = (absent_holders or {}).get(cert, [])
        verb = "holds it and is" if len(names) == 1 else "hold it and are"
        who = f" ({' and '.join(names)} {verb} absent)" if names else ""
        out.append(
            f"Without an operator: {n} operation(s) need {cert} and no one holding {cert} is on shift at any "
            f"time of this plan{who}, so they cannot run as planned and the KPIs count them as if they could; "
            "staff them or move the work before releasing."
        )
    return out


def limit_sentences(
    problem: Problem, plan: dict[tuple[str, int], Assignment], origin: datetime.datetime
) -> list[str]:
    """One sentence per operator certification or utility that held an operation back in `plan`."""
    return [_sentence(b, origin) for b in binding_limits(problem, plan)[:MAX_LIMITS]]


def _when(origin: datetime.datetime, minute: int, fmt: str = "%a %H:%M") -> str:
    return f"{timezone.localtime(origin + datetime.timedelta(minutes=minute)):{fmt}}"


def _sentence(b: Binding, origin: datetime.datetime) -> str:
    r, task = b.resource, b.task
    when = _when(origin, b.at)
    waited = f"{task.job} op {task.index} waited with {b.work_center} free"
    others = len(b.held_back) - 1
    more = f" ({others} more operation(s) waited the same way)" if others > 0 else ""
    if r.kind == "operators":
        return f"Operators were the limit: {_crew(b, origin)} at {when}, so {waited}{more}."
    draw = dict(r.draw).get(b.work_center, 0)
    if b.window is not None:
        start, end = b.window
        cap = f"the {b.capacity} {r.name} cap of the {_when(origin, start, '%H:%M')}–{_when(origin, end, '%H:%M')} window"
    else:
        cap = f"the all-day {b.capacity} {r.name} cap"
    return (
        f"The {r.name} budget was the limit: at {when} the plant drew {b.used} {r.name} of {cap}, "
        f"so {waited} (it draws {draw} {r.name}){more}."
    )


def _crew(b: Binding, origin: datetime.datetime) -> str:
    at = origin + datetime.timedelta(minutes=b.at)
    day, shift = shift_at(at)
    start, end = shift_window(shift, day)
    on = f"on shift {shift.code} ({shift.name})" if start <= at < end else "outside every shift"
    cert = b.resource.name
    if len(b.resource.certifications) > 1:  # people who hold several of these certifications
        held = " or ".join(b.resource.certifications)
        if b.capacity <= 0:
            return f"no operator holding {held} is {on}"
        if b.capacity == 1:
            return f"the one operator {on} holding {held} was busy"
        return f"all {b.capacity} operators {on} holding {held} were busy"
    if b.capacity <= 0:
        return f"no certified {cert} operator is {on}"
    if b.capacity == 1:
        return f"the one certified {cert} operator {on} was busy"
    return f"all {b.capacity} certified {cert} operators {on} were busy"
