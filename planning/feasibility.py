"""What a plan must satisfy, checked on the plan itself, and which limits held it back.

`plan_violations` checks a plan (the solver's or the dispatching fallback's) against every constraint the CP-SAT
model states: each operation once, on an eligible work center, for its run time, after its material and `now`;
started work where it is; precedence inside a job; no overlap per work center, with the changeover before each
operation and nothing inside a closed hour, break, PM or Hold window; certified operators per shift and the
utility caps. `binding_limits` finds where an operator capacity or a utility cap was the limit: an operation was
ready and its work center free and open, but the operators or the utility budget were taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planning.capacity import NEVER, Headroom, Window, capacity_profile
from planning.solver import Assignment, Problem, Task

Plan = dict[tuple[str, int], Assignment]


@dataclass(frozen=True)
class Resource:
    """One capacity operations share: the operators of a certification or a utility (e.g. kW)."""

    kind: str  # "operators" | "utility"
    name: str  # certification code (codes joined by "+" for a set people share) or utility name
    steps: tuple[Window, ...]  # the shifts' crews, the utility's cap windows
    windows: tuple[Window, ...]  # the whole profile (`capacity.capacity_profile`)
    elsewhere: int
    draw: tuple[tuple[str, int], ...] = ()  # utility: work center -> amount while busy
    # operators: the certifications whose operations take one of these people (none held: `Problem.unstaffed`)
    certifications: tuple[str, ...] = ()

    def demand(self, task: Task, work_center: str) -> int:
        if self.kind == "operators":
            return 1 if task.certification in self.certifications else 0
        return dict(self.draw).get(work_center, 0)

    def headroom(self) -> Headroom:
        return Headroom(self.windows, self.elsewhere)


def resources(problem: Problem) -> list[Resource]:
    """The operator and utility capacities as the solver reads them."""
    out = []
    missing = problem.unstaffed()
    crews: list[tuple[tuple[str, ...], int, list[Window]]] = [
        ((cert,), base, problem.operator_shifts.get(cert, [])) for cert, base in problem.operators.items()
    ]
    crews += [(certs, base, steps) for certs, (base, steps) in problem.operator_groups.items()]
    for certs, base, steps in crews:
        windows, top = capacity_profile(base, steps, problem.horizon)
        held = tuple(c for c in certs if c not in missing)
        out.append(
            Resource("operators", "+".join(certs), tuple(steps), tuple(windows), top, certifications=held)
        )
    for name, utility in problem.utilities.items():
        windows, top = capacity_profile(utility.cap, utility.windows, problem.horizon)
        draw = tuple(sorted(utility.draw.items()))
        out.append(Resource("utility", name, tuple(utility.windows), tuple(windows), top, draw))
    return out


def _name(task: Task) -> str:
    return f"{task.job} op {task.index}"


def _busy(problem: Problem, plan: Plan) -> dict[str, list[tuple[int, int, Task | None]]]:
    """Per work center, what occupies it: operations (setup included) and downtime (task None)."""
    tasks = {t.key: t for t in problem.tasks}
    busy: dict[str, list[tuple[int, int, Task | None]]] = {}
    for key, a in plan.items():
        if key in tasks:
            busy.setdefault(a.work_center, []).append((a.setup_start, a.end, tasks[key]))
    for wc, spans in problem.downtime.items():
        busy.setdefault(wc, []).extend((max(0, s), e, None) for s, e in spans if e > 0)
    return busy


def plan_violations(problem: Problem, plan: Plan, now: int = 0) -> list[str]:
    """Every broken constraint of `plan`, in plain words; an empty list is a feasible plan."""
    out = []
    for task in problem.tasks:
        a = plan.get(task.key)
        if a is None:
            out.append(f"{_name(task)} is not scheduled")
        elif task.fixed:
            if (a.work_center, a.start) != task.fixed:
                out.append(
                    f"{_name(task)} has started at {task.fixed} but is planned at {a.work_center} {a.start}"
                )
        elif a.work_center not in task.options:
            out.append(f"{_name(task)} is on {a.work_center}, not one of {sorted(task.options)}")
        else:
            if a.end - a.start != task.options[a.work_center]:
                out.append(f"{_name(task)} runs {a.end - a.start} min, needs {task.options[a.work_center]}")
            if a.start < task.release:
                out.append(f"{_name(task)} starts at {a.start}, before its material at {task.release}")
            if a.setup_start < now or a.setup_start > a.start:
                out.append(f"{_name(task)} sets up at {a.setup_start}, starts at {a.start} (now {now})")
    jobs: dict[str, list[Task]] = {}
    for task in sorted(problem.tasks, key=lambda t: t.key):
        jobs.setdefault(task.job, []).append(task)
    for ts in jobs.values():
        for first, then in zip(ts, ts[1:], strict=False):
            if first.key in plan and then.key in plan and plan[then.key].setup_start < plan[first.key].end:
                out.append(f"{_name(then)} starts before {_name(first)} ends")
    for wc, spans in _busy(problem, plan).items():
        out += _work_center_violations(problem, plan, wc, spans)
    missing = problem.unstaffed()
    out += [
        f"{_name(t)} needs a certified {t.certification} operator and none is on shift at any time"
        for t in sorted(problem.tasks, key=lambda t: t.key)
        if t.certification in missing and t.key in plan
    ]
    for resource in resources(problem):
        out += _capacity_violations(problem, plan, resource)
    return out


def _work_center_violations(
    problem: Problem, plan: Plan, wc: str, spans: list[tuple[int, int, Task | None]]
) -> list[str]:
    out = []
    ops = sorted(((s, e, t) for s, e, t in spans if t is not None), key=lambda s: (s[0], s[1]))
    closed = [(s, e) for s, e, t in spans if t is None]
    previous: tuple[int, int, Task] | None = None
    for s, e, task in ops:
        a = plan[task.key]
        setup = problem.setup_between(previous[2] if previous else None, task)
        if not task.fixed and a.start - a.setup_start < setup:
            out.append(f"{_name(task)} on {wc} has {a.start - a.setup_start} min to set up, needs {setup}")
        if previous and s < previous[1]:  # sorted by start: any overlap shows between neighbours
            out.append(f"{_name(task)} ({s}-{e}) overlaps {_name(previous[2])} on {wc}")
        out += [
            f"{_name(task)} ({s}-{e}) overlaps downtime {s2}-{e2} on {wc}"
            for s2, e2 in closed
            if s2 < e and e2 > s
        ]
        if previous is None or e > previous[1]:
            previous = (s, e, task)
    return out


def _capacity_violations(problem: Problem, plan: Plan, resource: Resource) -> list[str]:
    left = resource.headroom()
    for task in problem.tasks:
        a = plan.get(task.key)
        if a is not None:
            left.book(a.setup_start, a.end, resource.demand(task, a.work_center))
    out: list[str] = []
    start = 0  # the solver keeps no count before the plan's origin (work started then is a fact)
    while (over := left.clash(start, NEVER, 0)) is not None and len(out) < 3:
        at, start = over
        capacity = resource.headroom().at(at)
        out.append(
            f"{resource.kind} {resource.name}: {capacity - left.at(at)} in use at {at}, capacity {capacity}"
        )
    return out


@dataclass
class Binding:
    """A limit that held work back: at minute `at` the capacity was `capacity` with `used` of it taken, while
    `task` was ready and `work_center` free; `window` is the shift or cap window `at` fell in (None: the base)."""

    resource: Resource
    at: int
    task: Task
    work_center: str
    used: int
    capacity: int
    window: tuple[int, int] | None
    held_back: list[Task] = field(default_factory=list)


def binding_limits(problem: Problem, plan: Plan, now: int = 0) -> list[Binding]:
    """Per operator certification and utility that held some operation back, the first time it did (and every
    operation it held back); in time order."""
    tasks = sorted(problem.tasks, key=lambda t: t.key)
    before = {b.key: a for a, b in zip(tasks, tasks[1:], strict=False) if a.job == b.job}
    busy = _busy(problem, plan)
    found: dict[Resource, Binding] = {}
    crews: dict[str, Headroom] = {}  # per certification, what its own crew had left
    for resource in resources(problem):  # single certifications before the sets people share
        left = resource.headroom()
        for task in tasks:
            if task.key in plan:
                booked = plan[task.key]
                left.book(booked.setup_start, booked.end, resource.demand(task, booked.work_center))
        if resource.kind == "operators" and len(resource.certifications) == 1:
            crews[resource.certifications[0]] = left
        for task in sorted(tasks, key=lambda t: plan[t.key].setup_start if t.key in plan else NEVER):
            if task.key not in plan or task.fixed:
                continue
            a = plan[task.key]
            need = resource.demand(task, a.work_center)
            if not need:
                continue
            previous = plan.get(before[task.key].key) if task.key in before else None
            ready = max(now, task.release, previous.end if previous else now)
            if ready >= a.setup_start:
                continue
            # A set people share is named where the certification's own crew had someone left.
            own = crews.get(task.certification) if len(resource.certifications) > 1 else None
            left.book(a.setup_start, a.end, -need)
            if own is not None:
                own.book(a.setup_start, a.end, -need)
            length = a.end - a.setup_start
            at = _held_at(left, busy[a.work_center], task, ready, a.setup_start, length, need, own)
            left.book(a.setup_start, a.end, need)
            if own is not None:
                own.book(a.setup_start, a.end, need)
            if at is None:
                continue
            if resource in found:
                found[resource].held_back.append(task)
                continue
            capacity = resource.headroom().at(at)
            window = next(((s, e) for s, e, _ in resource.steps if s <= at < e), None)
            found[resource] = Binding(
                resource, at, task, a.work_center, capacity - left.at(at), capacity, window, [task]
            )
    return sorted(found.values(), key=lambda b: (b.at, b.resource.kind, b.resource.name))


def _held_at(
    left: Headroom,
    spans: list[tuple[int, int, Task | None]],
    task: Task,
    ready: int,
    start: int,
    length: int,
    need: int,
    own: Headroom | None = None,
) -> int | None:
    """The first minute the resource was full while `task` could have run on its free, open work center from
    some time in [ready, start); None if it never was."""
    others = [(s, e) for s, e, t in spans if t is not task]
    moments = {ready, *left.changes(ready, start), *(e for _, e in others if ready < e < start)}
    for x in sorted(moments):
        if any(s < x + length and e > x for s, e in others):
            continue
        if own is not None and own.clash(x, x + length, need) is not None:
            continue
        clash = left.clash(x, x + length, need)
        if clash is not None:
            return clash[0]
    return None
