"""The dispatching-rule fallback: an answer at once when the solver has no time (or finds no plan), keeping
the limits the CP-SAT plan keeps (`planning.feasibility.plan_violations` checks both).

A greedy list scheduler (Giffler–Thompson style). Each round looks at the next operation of every job and
finds, on each eligible work center, the earliest time it could set up and run: after the job's previous
operation, its material and the work center's last operation, outside closed hours, breaks, PM and Hold
windows, with a certified operator free on that shift and the utility budget left for its draw; where one is
missing it waits for the next time that changes. Of the operations that could start before the soonest of them
finishes, the highest priority, then the earliest due date, goes on the work center where it finishes first.
Work centers are filled in time order, so the changeover before each operation is the one from its real
predecessor.
"""

from __future__ import annotations

import time

from planning.capacity import NEVER, Headroom
from planning.feasibility import Resource, resources
from planning.solver import Assignment, Problem, Solution, Task, kpis, unstaffed_notes


def dispatch(problem: Problem, now: int = 0) -> Solution:
    t0 = time.perf_counter()
    jobs: dict[str, list[Task]] = {}
    for task in sorted(problem.tasks, key=lambda t: t.key):
        jobs.setdefault(task.job, []).append(task)
    due = {j: max((t.due or problem.horizon) for t in ts) for j, ts in jobs.items()}
    closed = {wc: sorted((max(0, s), e) for s, e in spans if e > 0) for wc, spans in problem.downtime.items()}
    limits = [(r, r.headroom()) for r in resources(problem)]
    free: dict[str, int] = {}  # work center -> end of its last operation
    last: dict[str, Task] = {}
    out: dict[tuple[str, int], Assignment] = {}
    ready = dict.fromkeys(jobs, now)

    def book(task: Task, a: Assignment) -> None:
        out[task.key] = a
        for r, left in limits:
            left.book(a.setup_start, a.end, r.demand(task, a.work_center))
        if a.end >= free.get(a.work_center, a.end):
            free[a.work_center], last[a.work_center] = a.end, task
        ready[task.job] = max(ready[task.job], a.end)

    for task in sorted((t for t in problem.tasks if t.fixed), key=lambda t: t.fixed[1]):  # type: ignore[index]
        wc, s = task.fixed  # type: ignore[misc]
        book(task, Assignment(wc, s, s, s + task.options.get(wc, min(task.options.values()))))
    waiting = {j: [t for t in ts if not t.fixed] for j, ts in jobs.items()}
    notes = unstaffed_notes(problem)
    while candidates := [ts[0] for ts in waiting.values() if ts]:
        options = {
            t.key: _earliest(problem, t, ready[t.job], now, free, last, closed, limits) for t in candidates
        }
        soonest = min(o[0].end for o in options.values())
        conflict = [t for t in candidates if options[t.key][0].setup_start < soonest]
        task = min(conflict or candidates, key=lambda t: (-t.weight, due[t.job], t.key))
        slot, impossible = options[task.key]
        book(task, slot)
        waiting[task.job].pop(0)
        notes += [_impossible(task, r, slot.work_center) for r in impossible]
    return Solution(out, "DISPATCH", time.perf_counter() - t0, kpis(problem, out), notes)


def _earliest(
    problem: Problem,
    task: Task,
    ready: int,
    now: int,
    free: dict[str, int],
    last: dict[str, Task],
    closed: dict[str, list[tuple[int, int]]],
    limits: list[tuple[Resource, Headroom]],
) -> tuple[Assignment, list[Resource]]:
    """The eligible work center where `task` finishes first, and the limits it cannot meet there at any time
    (only when it meets them nowhere: a work center where all can be met wins)."""
    best: tuple[int, int, Assignment, list[Resource]] | None = None
    for wc, run in task.options.items():
        setup = problem.setup_between(last.get(wc), task)
        length = setup + run
        t = first = max(ready, task.release, now, free.get(wc, now))
        impossible: list[Resource] = []
        moved = True
        while moved:
            moved = False
            for s, e in closed.get(wc, []):
                if s < t + length and e > t:
                    t, moved = e, True
            for r, left in limits:
                need = r.demand(task, wc)
                clash = left.clash(t, t + length, need) if need and r not in impossible else None
                if clash is None:
                    continue
                if clash[1] >= NEVER:  # nothing later frees enough: plan it regardless, and say so
                    impossible.append(r)
                    t, moved = first, True
                else:
                    t, moved = clash[1], True
        slot = Assignment(wc, t, t + setup, t + length)
        if best is None or (len(impossible), slot.end) < (best[0], best[1]):
            best = (len(impossible), slot.end, slot, impossible)
    assert best is not None
    return best[2], best[3]


def _impossible(task: Task, resource: Resource, work_center: str) -> str:
    if resource.kind == "operators":
        return (
            f"{task.job} op {task.index}: no certified {resource.name} operator is on shift at any time; "
            "planned without one"
        )
    return (
        f"{task.job} op {task.index}: {work_center} draws more {resource.name} than the cap ever leaves; "
        "planned over the cap"
    )
