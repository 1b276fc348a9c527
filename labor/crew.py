"""The crew solver: scheduled jobs × available people, solved with OR-Tools CP-SAT.

Hard constraints: a valid certification where the operation needs one (never a missing or expired one),
availability (home shift, no absence), one place at a time, crew size, the weekly hour limit, and a
non-trainee on every safety-critical crew. Objective: skill level, experience on the operation, quality
history, home shift and workload balance. Crew seats that cannot be filled are reported in words.
"""

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

LEVEL_POINTS = {"expert": 30, "certified": 20, "trainee": 8}
WEEK_LIMIT_HOURS = (
    52.0  # no one is planned past this many hours in a week (the solver's and the supervisor's rule)
)
SHORTFALL_PENALTY = 10_000


@dataclass
class JobNeed:
    id: int
    label: str  # "WO-24123-10 BRK-2040 op 10 Stamp and pierce"
    work_center: str
    certification: str | None  # code of the required certification type
    safety_critical: bool
    crew_size: int
    hours: float
    part_op: str = ""  # key for experience/quality history, "BRK-2040/10"


@dataclass
class Person:
    id: int
    name: str
    home_shift: str
    available: bool
    unavailable_reason: str = ""
    certifications: dict[str, tuple[str, bool, str]] = field(default_factory=dict)
    # code -> (level, valid on the shift day, valid-until text)
    week_hours: float = 0.0
    experience: dict[str, int] = field(default_factory=dict)  # part_op -> executions in 90 days
    out_of_spec: dict[str, int] = field(default_factory=dict)  # part_op -> out-of-spec entries in 90 days


@dataclass
class Pick:
    person_id: int
    score: int
    reasons: list[str]


@dataclass
class CrewSolution:
    picks: dict[int, list[Pick]]
    problems: list[str]
    seconds: float

    @property
    def feasible(self) -> bool:
        return not self.problems


def eligibility(job: JobNeed, person: Person, *, shift_hours: float, week_limit: float) -> tuple[bool, str]:
    """(eligible, why not). Only hard constraints that concern one person and one job."""
    if not person.available:
        return False, person.unavailable_reason or "not available"
    if job.certification:
        held = person.certifications.get(job.certification)
        if held is None:
            return False, f"no {job.certification}"
        if not held[1]:
            return False, f"{job.certification} expired {held[2]}"
    if person.week_hours + job.hours > week_limit:
        return False, f"{person.week_hours:.0f} h this week, over the {week_limit:.0f} h limit"
    return True, ""


def is_trainee(job: JobNeed, person: Person) -> bool:
    return bool(job.certification) and person.certifications[job.certification][0] == "trainee"  # type: ignore[index]


def score_pair(job: JobNeed, person: Person, *, shift: str, regular_hours: float) -> tuple[int, list[str]]:
    reasons = []
    if job.certification:
        level, _valid, until = person.certifications[job.certification]
        points = LEVEL_POINTS.get(level, 0)
        reasons.append(f"{job.certification} {level}, valid until {until}")
    else:
        points = LEVEL_POINTS["certified"]
        reasons.append("no certification required")
    runs = min(person.experience.get(job.part_op, 0), 5)
    if runs:
        points += 2 * runs
        reasons.append(f"ran this operation {person.experience[job.part_op]}× in 90 days")
    bad = min(person.out_of_spec.get(job.part_op, 0), 5)
    if bad:
        points -= 3 * bad
        reasons.append(f"{person.out_of_spec[job.part_op]} out-of-spec entries on it in 90 days")
    elif runs:
        reasons.append("no out-of-spec entries on it in 90 days")
    if person.home_shift == shift:
        points += 10
        reasons.append(f"home shift {shift}")
    overtime = max(0.0, person.week_hours + job.hours - regular_hours)
    if overtime:
        points -= int(2 * overtime)
        reasons.append(f"{overtime:.0f} h overtime this week")
    else:
        # balance: people with fewer hours this week come first
        points -= int(person.week_hours // 8)
        reasons.append(f"{person.week_hours:.0f} h worked this week")
    return points, reasons


def crew_solve(
    jobs: list[JobNeed],
    people: list[Person],
    *,
    shift: str,
    shift_hours: float = 8.0,
    regular_hours: float = 40.0,
    week_limit: float = WEEK_LIMIT_HOURS,
    time_limit_s: float = 10.0,
) -> CrewSolution:
    started = time.perf_counter()
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    scores: dict[tuple[int, int], tuple[int, list[str]]] = {}
    why_not: dict[int, dict[int, str]] = {}
    for j in jobs:
        why_not[j.id] = {}
        for p in people:
            ok, reason = eligibility(j, p, shift_hours=shift_hours, week_limit=week_limit)
            if not ok:
                why_not[j.id][p.id] = reason
                continue
            x[p.id, j.id] = model.new_bool_var(f"x_{p.id}_{j.id}")
            scores[p.id, j.id] = score_pair(j, p, shift=shift, regular_hours=regular_hours)
    short = {j.id: model.new_int_var(0, j.crew_size, f"short_{j.id}") for j in jobs}
    for j in jobs:
        crew = [x[p.id, j.id] for p in people if (p.id, j.id) in x]
        model.add(sum(crew) + short[j.id] == j.crew_size)
        if j.safety_critical and j.certification:
            leads = [x[p.id, j.id] for p in people if (p.id, j.id) in x and not is_trainee(j, p)]
            for p in people:
                if (p.id, j.id) in x and is_trainee(j, p):
                    model.add(x[p.id, j.id] <= sum(leads))
    for p in people:
        places = [x[p.id, j.id] for j in jobs if (p.id, j.id) in x]
        if len(places) > 1:
            model.add_at_most_one(places)
    model.maximize(
        sum(scores[key][0] * var for key, var in x.items()) - SHORTFALL_PENALTY * sum(short.values())
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CrewSolution(
            {}, [f"The solver found no plan ({solver.status_name(status)})."], time.perf_counter() - started
        )
    picks: dict[int, list[Pick]] = {j.id: [] for j in jobs}
    assigned: dict[int, int] = {}
    for (pid, jid), var in x.items():
        if solver.value(var):
            picks[jid].append(Pick(pid, *scores[pid, jid]))
            assigned[pid] = jid
    problems = []
    by_id = {p.id: p for p in people}
    job_by_id = {j.id: j for j in jobs}
    for j in jobs:
        missing = solver.value(short[j.id])
        if missing:
            problems.append(_explain(j, missing, people, why_not[j.id], assigned, by_id, job_by_id, shift))
        picks[j.id].sort(key=lambda pick: -pick.score)
    return CrewSolution(picks, problems, time.perf_counter() - started)


def _explain(
    job: JobNeed,
    missing: int,
    people: list[Person],
    why_not: dict[int, str],
    assigned: dict[int, int],
    by_id: dict[int, Person],
    job_by_id: dict[int, JobNeed],
    shift: str,
) -> str:
    """Name the constraint that left a crew seat empty."""
    seats = f"{missing} of {job.crew_size} seat{'s' if job.crew_size > 1 else ''}"
    what = f"{job.label} on shift {shift}"
    if job.certification:
        valid = [
            p for p in people if p.available and p.certifications.get(job.certification, ("", False, ""))[1]
        ]
        if not valid:
            holders = [
                f"{p.name} ({why_not.get(p.id, 'unavailable')})"
                for p in people
                if job.certification in p.certifications
            ]
            detail = f"; holders: {', '.join(holders[:6])}" if holders else "; nobody holds it"
            return (
                f"No certified operator for {what}: needs valid {job.certification}{detail}. {seats} empty."
            )
        if job.safety_critical and all(is_trainee(job, p) for p in valid):
            return (
                f"Only trainees hold {job.certification} for {what}; a safety-critical operation needs a "
                f"certified or expert lead. {seats} empty."
            )
    over = [by_id[pid].name for pid, reason in why_not.items() if "limit" in reason]
    idle_trainees = [
        p.name for p in people if p.id not in why_not and p.id not in assigned and is_trainee(job, p)
    ]
    elsewhere = sorted(
        {job_by_id[jid].label for pid, jid in assigned.items() if pid not in why_not and jid != job.id}
    )
    parts = [f"Not enough operators for {what}: {seats} empty"]
    if elsewhere:
        parts.append(f"every eligible operator is needed at {', '.join(elsewhere[:4])}")
    if over:
        parts.append(f"over the weekly hour limit: {', '.join(over[:4])}")
    if job.safety_critical and idle_trainees:
        parts.append(
            f"{', '.join(idle_trainees[:4])} (trainee) cannot run a safety-critical operation without a certified lead"
        )
    return "; ".join(parts) + "."
