"""The plant scheduler: flexible job shop with sequence-dependent setups, downtime, operators and due dates.

Pure data in, pure data out (minutes from the plan's origin), so it is tested without a database. CP-SAT model:
one optional interval per (operation, eligible work center) with exactly one present; per work center an
`add_no_overlap` over the present intervals and the fixed downtime windows, plus an `add_circuit` whose arcs
carry the changeover between part families; a cumulative per certification whose capacity is the number of
certified operators, stepped per shift, one per set of certifications people share (Hall's condition: one person
runs one operation at a time), and a plant-wide cap per utility (e.g. kW), stepped per period
(`planning.capacity`); release times from material. Objective, lexicographic by weights: weighted tardiness, then
changeovers, then (optionally) operations moved from the current plan (work-center changes and reorderings, as
the KPI counts them), then makespan. An operation whose certification no one holds is planned without an
operator and named (`Solution.notes`). `planning.dispatch` is the
greedy fallback (priority, then earliest due date, within the same limits) that answers at once when the solver
has no time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planning.capacity import Utility, Window, add_stepped_cumulative, raised_to_started_work


@dataclass
class Task:
    job: str
    index: int  # position in the job's routing
    options: dict[str, int]  # work center -> run minutes
    family: str = ""
    setup: int = 0  # first-piece setup when the family changes
    due: int | None = None  # only on the job's last task
    weight: int = 1
    release: int = 0
    certification: str = ""
    fixed: tuple[str, int] | None = None  # (work center, start) of started / frozen work

    @property
    def key(self) -> tuple[str, int]:
        return (self.job, self.index)


@dataclass
class Problem:
    tasks: list[Task]
    downtime: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    changeover: dict[tuple[str, str], int] = field(default_factory=dict)
    operators: dict[str, int] = field(default_factory=dict)  # certification -> how many may run at once
    # certification -> non-overlapping (start, end, operators on shift): the capacity inside those windows;
    # `operators` holds outside them
    operator_shifts: dict[str, list[Window]] = field(default_factory=dict)
    # sets of certifications people share -> (people holding one of them outside the windows, windows of the
    # people on shift holding one): the operations needing one of a set run at once at most that many
    # (Hall's condition; `planning.limits.operator_groups`)
    operator_groups: dict[tuple[str, ...], tuple[int, list[Window]]] = field(default_factory=dict)
    utilities: dict[str, Utility] = field(default_factory=dict)  # e.g. "kW" -> draws per work center and caps
    horizon: int = 7 * 24 * 60
    warnings: list[str] = field(default_factory=list)  # limits only partly enforced, in plain words

    def unstaffed(self) -> set[str]:
        """Certifications no one holds on any shift (nor outside the shifts): their operations are planned
        without an operator and named (`unstaffed_notes`) rather than making the whole plan infeasible."""
        return {
            cert
            for cert, base in self.operators.items()
            if base <= 0 and all(n <= 0 for _, _, n in self.operator_shifts.get(cert, []))
        }

    def crew_demand(self, task: Task, certifications: tuple[str, ...]) -> int:
        """Operators `task` takes from a crew holding one of `certifications` (0 if no one could run it)."""
        if task.certification not in certifications or task.certification in self.unstaffed():
            return 0
        return 1

    def setup_between(self, a: Task | None, b: Task) -> int:
        if a is None or a.family == b.family:
            return 0 if a is not None else b.setup
        return self.changeover.get((a.family, b.family), b.setup)


@dataclass
class Assignment:
    work_center: str
    setup_start: int
    start: int
    end: int


@dataclass
class Solution:
    assignments: dict[tuple[str, int], Assignment]
    status: str
    seconds: float
    kpis: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # limits the plan could not keep, in plain words


def unstaffed_notes(problem: Problem) -> list[str]:
    """One plain sentence per operation whose certification no one holds on any shift."""
    missing = problem.unstaffed()
    return [
        f"{t.job} op {t.index}: no certified {t.certification} operator is on shift at any time; "
        "planned without one"
        for t in sorted(problem.tasks, key=lambda t: t.key)
        if t.certification in missing
    ]


def _by_job(problem: Problem) -> dict[str, list[Task]]:
    jobs: dict[str, list[Task]] = {}
    for task in sorted(problem.tasks, key=lambda t: t.key):
        jobs.setdefault(task.job, []).append(task)
    return jobs


def kpis(problem: Problem, assignments: dict[tuple[str, int], Assignment], current=None) -> dict[str, float]:
    """Late jobs, weighted and total tardiness (h), changeovers, makespan (h), operations moved vs `current`,
    operations planned without an operator (their certification no one on any shift holds)."""
    late = tardiness = weighted = 0
    for tasks in _by_job(problem).values():
        last = tasks[-1]
        if last.due is not None and last.key in assignments:
            over = max(0, assignments[last.key].end - last.due)
            late += over > 0
            tardiness += over
            weighted += over * last.weight
    changeovers = 0
    for seq in _sequences(assignments).values():
        by_key = {t.key: t for t in problem.tasks}
        changeovers += sum(
            1 for a, b in zip(seq, seq[1:], strict=False) if by_key[a].family != by_key[b].family
        )
    moved = 0
    if current:
        for key, slot in assignments.items():
            before = current.get(key)
            if before is not None and (before.work_center != slot.work_center):
                moved += 1
        old_seq, new_seq = _sequences(current), _sequences(assignments)
        for wc, seq in new_seq.items():
            old = [k for k in old_seq.get(wc, []) if k in seq]
            same = [k for k in seq if k in old]
            moved += len(same) - _lcs(old, same)
    makespan = max((a.end for a in assignments.values()), default=0)
    unstaffed = problem.unstaffed()
    return {
        "no_operator": sum(1 for t in problem.tasks if t.key in assignments and t.certification in unstaffed),
        "late_jobs": late,
        "tardiness_h": round(tardiness / 60, 1),
        "weighted_tardiness_h": round(weighted / 60, 1),
        "changeovers": changeovers,
        "makespan_h": round(makespan / 60, 1),
        "moved": moved,
    }


def _lcs(a: list, b: list) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for i, y in enumerate(b):
            cur.append(prev[i] + 1 if x == y else max(prev[i + 1], cur[i]))
        prev = cur
    return prev[-1]


def _sequences(assignments: dict[tuple[str, int], Assignment]) -> dict[str, list[tuple[str, int]]]:
    seqs: dict[str, list[tuple[str, int]]] = {}
    for key, a in sorted(assignments.items(), key=lambda kv: (kv[1].start, kv[0])):
        seqs.setdefault(a.work_center, []).append(key)
    return seqs


# -- CP-SAT ------------------------------------------------------------------------------------------------


def solve(
    problem: Problem,
    time_limit: float = 10.0,
    workers: int = 2,
    current: dict[tuple[str, int], Assignment] | None = None,
    now: int = 0,
    move_weight: int = 0,
    keep_work_center: bool = False,
    keep_order: bool = False,
) -> Solution:
    """Optimise; `current` warm-starts (AddHint) and, with `move_weight`, is what moves are counted against.
    `keep_work_center`/`keep_order` restrict the search to a repair in place."""
    from planning.dispatch import dispatch  # the fallback is built on this module's types

    t0 = time.perf_counter()
    fallback = dispatch(problem, now)
    slack = sum(
        max(t.options.values()) + max(t.setup, *problem.changeover.values(), 0) for t in problem.tasks
    )
    horizon = max(problem.horizon, max((a.end for a in fallback.assignments.values()), default=0)) + slack
    m = cp_model.CpModel()
    tasks = {t.key: t for t in problem.tasks}
    jobs = _by_job(problem)
    start, end, sstart, presence = {}, {}, {}, {}
    per_wc: dict[str, list] = {}
    past = min([0, *(t.fixed[1] for t in tasks.values() if t.fixed)])  # started work began before minute 0
    for key, t in tasks.items():
        lo = max(t.release, now) if not t.fixed else t.fixed[1]
        start[key] = m.new_int_var(lo, t.fixed[1] if t.fixed else horizon, f"s{key}")
        end[key] = m.new_int_var(past, horizon, f"e{key}")
        sstart[key] = m.new_int_var(past, horizon, f"ss{key}")
        options = dict(t.options)
        if t.fixed:
            options = {t.fixed[0]: options.get(t.fixed[0], min(options.values()))}
            m.add(sstart[key] == start[key])
        elif keep_work_center and current and key in current:
            options = {current[key].work_center: options.get(current[key].work_center, min(options.values()))}
        lits = []
        for wc, d in options.items():
            lit = m.new_bool_var(f"p{key}{wc}")
            presence[key, wc] = lit
            lits.append(lit)
            m.add(end[key] == start[key] + d).only_enforce_if(lit)
            size = m.new_int_var(0, horizon, "")
            iv = m.new_optional_interval_var(sstart[key], size, end[key], lit, f"i{key}{wc}")
            per_wc.setdefault(wc, []).append((key, lit, iv))
        m.add_exactly_one(lits)
        m.add(sstart[key] <= start[key])
        if not t.fixed:
            m.add(sstart[key] >= now)
    for _j, ts in jobs.items():
        for a, b in zip(ts, ts[1:], strict=False):
            m.add(sstart[b.key] >= end[a.key])
    changeover_lits = []
    for wc, items in per_wc.items():
        ivs = [iv for _, _, iv in items]
        for n, (s, e) in enumerate(problem.downtime.get(wc, [])):
            if e > 0:
                ivs.append(m.new_fixed_size_interval_var(max(s, 0), e - max(s, 0), f"down{wc}{n}"))
        m.add_no_overlap(ivs)
        # Sequence-dependent setups: a circuit over the tasks present on this work center (node 0 = idle).
        arcs = []
        for i, (ki, li, _) in enumerate(items, start=1):
            arcs.append((i, i, ~li))
            first = m.new_bool_var("")
            arcs.append((0, i, first))
            if not tasks[ki].fixed:
                m.add(start[ki] >= sstart[ki] + problem.setup_between(None, tasks[ki])).only_enforce_if(first)
            arcs.append((i, 0, m.new_bool_var("")))
            for k, (kk, _lk, _) in enumerate(items, start=1):
                if i == k:
                    continue
                lit = m.new_bool_var("")
                arcs.append((i, k, lit))
                setup = problem.setup_between(tasks[ki], tasks[kk])
                m.add(sstart[kk] >= end[ki]).only_enforce_if(lit)
                if not tasks[kk].fixed:
                    m.add(start[kk] >= sstart[kk] + setup).only_enforce_if(lit)
                if tasks[ki].family != tasks[kk].family:
                    changeover_lits.append(lit)
                if (
                    keep_order
                    and current
                    and ki in current
                    and kk in current
                    and current[kk].start < current[ki].start
                ):
                    m.add(lit == 0)
        arcs.append((0, 0, m.new_bool_var("")))
        m.add_circuit(arcs)
    crews: list[tuple[tuple[str, ...], int, list[Window]]] = [
        ((cert,), base, problem.operator_shifts.get(cert, [])) for cert, base in problem.operators.items()
    ]
    crews += [(certs, base, steps) for certs, (base, steps) in problem.operator_groups.items()]
    for certs, base, steps in crews:
        needing = [
            (iv, demand)
            for items in per_wc.values()
            for key, _lit, iv in items
            if (demand := problem.crew_demand(tasks[key], certs))
        ]
        started = [
            (t.fixed[1], t.fixed[1] + t.options.get(t.fixed[0], min(t.options.values())), demand)
            for t in tasks.values()
            if t.fixed and (demand := problem.crew_demand(t, certs))
        ]
        steps = raised_to_started_work(base, steps, started, problem.horizon)
        add_stepped_cumulative(
            m, needing, base, steps, horizon, f"op-{'+'.join(certs)}", until=problem.horizon
        )
    for name, utility in problem.utilities.items():
        items = [
            (iv, utility.draw[wc]) for wc, its in per_wc.items() if utility.draw.get(wc) for _, _, iv in its
        ]
        base = utility.cap if utility.cap is not None else sum(d for _, d in items)
        add_stepped_cumulative(
            m, items, base, utility.windows, horizon, f"utility-{name}", until=problem.horizon
        )
    tardiness = []
    for ts in jobs.values():
        last = ts[-1]
        if last.due is not None:
            late = m.new_int_var(0, horizon, "")
            m.add(late >= end[last.key] - last.due)
            tardiness.append(late * last.weight)
    makespan = m.new_int_var(0, horizon, "makespan")
    m.add_max_equality(makespan, list(end.values()))
    moves = _moves(m, problem, current, tasks, presence, sstart, end) if current and move_weight else []
    hint_from = current or fallback.assignments
    for key, slot in hint_from.items():
        if key in start:
            m.add_hint(start[key], slot.start)
            if (key, slot.work_center) in presence:
                m.add_hint(presence[key, slot.work_center], True)
    w_make = 1
    w_move = horizon + 1
    w_change = w_move * (len(tasks) + 1) if moves else horizon + 1
    w_tard = w_change * (len(changeover_lits) + 1)
    m.minimize(
        w_tard * sum(tardiness)
        + w_change * sum(changeover_lits)
        + w_move * move_weight * sum(moves)
        + w_make * makespan
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - t0))
    solver.parameters.num_workers = workers
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        fallback.status = f"DISPATCH ({solver.status_name(status)})"
        fallback.kpis = kpis(problem, fallback.assignments, current)
        return fallback
    out = {}
    for key in tasks:
        wc = next(w for (k, w), lit in presence.items() if k == key and solver.boolean_value(lit))
        out[key] = Assignment(wc, solver.value(sstart[key]), solver.value(start[key]), solver.value(end[key]))
        out[key].setup_start = min(out[key].setup_start, out[key].start)
    found = Solution(
        out, solver.status_name(status), time.perf_counter() - t0, kpis(problem, out, current),
        unstaffed_notes(problem),
    )  # fmt: skip
    restricted = keep_work_center or keep_order  # a repair in place: the fallback would not keep to it
    if status == cp_model.FEASIBLE and not restricted:
        fallback.kpis = kpis(problem, fallback.assignments, current)
        if cost(problem, fallback, move_weight) < cost(problem, found, move_weight):
            # Out of time before it beat the dispatching rule: never release worse than the rule's answer.
            fallback.status = "DISPATCH (better than the solver's FEASIBLE)"
            fallback.seconds = time.perf_counter() - t0
            return fallback
    return found


def cost(problem: Problem, solution: Solution, move_weight: int = 0) -> tuple[int, int, int, int]:
    """The solver's objective in its lexicographic order, for any plan: weighted tardiness (minutes),
    changeovers, operations moved (when moves count), makespan."""
    weighted = 0
    for tasks in _by_job(problem).values():
        last = tasks[-1]
        if last.due is not None and last.key in solution.assignments:
            weighted += max(0, solution.assignments[last.key].end - last.due) * last.weight
    k = solution.kpis
    return (
        weighted,
        int(k["changeovers"]),
        int(k["moved"]) * move_weight,
        max((a.end for a in solution.assignments.values()), default=0),
    )


def _moves(m, problem, current, tasks, presence, sstart, end) -> list:
    """One literal per operation that moved from `current`, as the "operations moved" KPI counts them: it left
    its work center, or it is not among the operations that keep today's relative order there (the operations
    not moved on a work center stay in today's order, so minimising the moves keeps a longest common
    subsequence of today's order, the KPI's measure)."""
    moved: dict[tuple[str, int], cp_model.IntVar | bool | None] = {}
    for key, a in current.items():
        if key not in tasks:
            continue
        if tasks[key].fixed:
            moved[key] = None  # started or frozen: in place by construction
        elif (key, a.work_center) in presence:
            lit = m.new_bool_var(f"moved{key}")
            m.add_implication(~lit, presence[key, a.work_center])
            moved[key] = lit
        else:
            moved[key] = True  # its work center is no longer allowed
    by_wc: dict[str, list[tuple[str, int]]] = {}
    for key, a in sorted(current.items(), key=lambda kv: (kv[1].start, kv[0])):
        if key in moved:
            by_wc.setdefault(a.work_center, []).append(key)
    for keys in by_wc.values():
        for i, first in enumerate(keys):
            for then in keys[i + 1 :]:
                if moved[first] is True or moved[then] is True:
                    continue
                stay = [~lit for lit in (moved[first], moved[then]) if lit is not None]
                if stay:
                    m.add(sstart[then] >= end[first]).only_enforce_if(stay)
    return [m.new_constant(1) if lit is True else lit for lit in moved.values() if lit is not None]
