"""Classic job-shop scheduling with CP-SAT: the benchmark core behind `manage.py schedule_bench`.

An instance is `jobs[j] = [(machine, duration), ...]` in processing order. `solve` minimises the makespan with one
interval per operation, `AddNoOverlap` per machine and precedence inside each job; a greedy dispatching schedule
(best of a few priority rules) seeds it as hint and as an upper bound, and the obvious bounds (machine load, job
length) tighten the makespan variable. `repair` re-plans after a machine breakdown keeping what already started and
changing as few operation orders as possible (see its docstring).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from planning.jobshop_search import improve

Instance = list[list[tuple[int, int]]]


def parse(text: str) -> Instance:
    """Standard text format: `jobs machines`, then one line per job of `machine duration` pairs."""
    lines = [ln.split() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    n_jobs, _n_machines = int(lines[0][0]), int(lines[0][1])
    jobs: Instance = []
    for row in lines[1 : 1 + n_jobs]:
        values = [int(v) for v in row]
        jobs.append([(values[i], values[i + 1]) for i in range(0, len(values), 2)])
    if len(jobs) != n_jobs:
        raise ValueError(f"expected {n_jobs} job lines, found {len(jobs)}")
    return jobs


def load(path: str | Path) -> Instance:
    return parse(Path(path).read_text())


def machines_of(jobs: Instance) -> list[int]:
    return sorted({m for job in jobs for m, _ in job})


def trivial_lower_bound(jobs: Instance) -> int:
    load_by_machine: dict[int, int] = {}
    for job in jobs:
        for m, d in job:
            load_by_machine[m] = load_by_machine.get(m, 0) + d
    return max([*load_by_machine.values(), *(sum(d for _, d in job) for job in jobs)], default=0)


@dataclass
class Schedule:
    starts: list[list[int]]  # starts[j][k]
    makespan: int
    lower_bound: int
    seconds: float
    optimal: bool
    status: str = ""
    extra: dict[str, float] = field(default_factory=dict)


def makespan_of(jobs: Instance, starts: list[list[int]]) -> int:
    return max((starts[j][-1] + jobs[j][-1][1] for j in range(len(jobs)) if jobs[j]), default=0)


def check(jobs: Instance, starts: list[list[int]], blocked: Sequence[tuple[int, int, int]] = ()) -> None:
    """Raise if `starts` breaks precedence, machine capacity or a blocked (machine, start, end) window."""
    by_machine: dict[int, list[tuple[int, int]]] = {}
    for j, job in enumerate(jobs):
        for k, (m, d) in enumerate(job):
            s = starts[j][k]
            if s < 0 or (k and s < starts[j][k - 1] + job[k - 1][1]):
                raise AssertionError(f"precedence broken at job {j} op {k}")
            by_machine.setdefault(m, []).append((s, s + d))
    for m, start, end in blocked:
        by_machine.setdefault(m, []).append((start, end))
    for m, spans in by_machine.items():
        spans.sort()
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                raise AssertionError(f"overlap on machine {m}")


# -- greedy dispatching (fallback, hint and upper bound) ------------------------------------------------------


def dispatch(
    jobs: Instance,
    rule: str = "mwkr",
    blocked: Sequence[tuple[int, int, int]] = (),
    fixed: dict[tuple[int, int], int] | None = None,
    release: int = 0,
) -> list[list[int]]:
    """Giffler-Thompson active schedule with a priority rule (mwkr, spt, lpt, mopnr, fifo).

    `blocked` machine windows are respected (an operation that would overlap one is pushed past it), `fixed`
    operations keep their starts, and no unfixed operation starts before `release`.
    """
    fixed = fixed or {}
    n = len(jobs)
    next_op = [0] * n
    job_ready = [0] * n
    machine_spans: dict[int, list[tuple[int, int]]] = {}
    for m, s, e in blocked:
        machine_spans.setdefault(m, []).append((s, e))
    starts = [[0] * len(job) for job in jobs]
    remaining = [sum(d for _, d in job) for job in jobs]
    # Fixed operations go in first (they are a prefix of each job).
    for (j, k), s in sorted(fixed.items()):
        m, d = jobs[j][k]
        starts[j][k] = s
        machine_spans.setdefault(m, []).append((s, s + d))
        next_op[j] = max(next_op[j], k + 1)
        job_ready[j] = max(job_ready[j], s + d)
        remaining[j] -= d

    def earliest(m: int, ready: int, d: int) -> int:
        t = ready
        for s, e in sorted(machine_spans.get(m, [])):
            if t + d <= s:
                break
            if e > t:
                t = e
        return t

    def priority(j: int) -> tuple[float, int]:
        d = jobs[j][next_op[j]][1]
        value = {
            "mwkr": -remaining[j],
            "spt": d,
            "lpt": -d,
            "mopnr": -(len(jobs[j]) - next_op[j]),
            "fifo": job_ready[j],
        }[rule]
        return (value, j)

    total = sum(len(job) for job in jobs) - sum(next_op)
    for _ in range(total):
        candidates = [j for j in range(n) if next_op[j] < len(jobs[j])]
        best_end, best_m = None, None
        est: dict[int, int] = {}
        for j in candidates:
            m, d = jobs[j][next_op[j]]
            est[j] = earliest(m, max(job_ready[j], release), d)
            if best_end is None or est[j] + d < best_end:
                best_end, best_m = est[j] + d, m
        assert best_end is not None  # there is a candidate while work is left
        conflict = [j for j in candidates if jobs[j][next_op[j]][0] == best_m and est[j] < best_end]
        j = min(conflict, key=priority)
        m, d = jobs[j][next_op[j]]
        s = est[j]
        starts[j][next_op[j]] = s
        machine_spans.setdefault(m, []).append((s, s + d))
        job_ready[j] = s + d
        remaining[j] -= d
        next_op[j] += 1
    return starts


def best_dispatch(jobs: Instance, **kwargs) -> list[list[int]]:
    plans = [dispatch(jobs, rule, **kwargs) for rule in ("mwkr", "spt", "mopnr", "lpt", "fifo")]
    return min(plans, key=lambda starts: makespan_of(jobs, starts))


# -- CP-SAT --------------------------------------------------------------------------------------------------


STRONG_PROPAGATION_MAX_OPS = 300
LNS_ONLY_MIN_OPS = 150  # the development instances have at most 100 operations and are proven in full search
SEARCH_SHARE = 0.1  # of the time limit, for the tabu search that seeds LNS-only solves


def _params(time_limit: float, workers: int, seed: int = 0, n_ops: int = 0) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = float(time_limit)
    p.num_workers = max(1, int(workers))
    p.random_seed = seed
    # Past what a 2-core proof can close in 30 s, every worker does large-neighbourhood search from the
    # dispatching hint (generated 20x15, 20x20, 30x15 at 30 s: 1320/1581/1916 vs 1344/1603/1925-2077 with the
    # default portfolio); the lower bound is then the trivial one.
    p.use_lns_only = n_ops > LNS_ONLY_MIN_OPS
    # Edge finding / not-first-not-last in every no-overlap: off by default, it is what proves job-shop optima
    # (ft10 at 2 workers: lower bound stuck at 827 after 30 s without it, optimal 930 proven in 6 s with it).
    # On big instances its cost per node outweighs it (generated 20x20, 50x10, 50x15 at 30 s: worse makespans,
    # and once no solution at all), so above STRONG_PROPAGATION_MAX_OPS operations the default propagation runs.
    # At 20x15 it still helps LNS (ta11-ta14, the development subset, tabu-seeded, 30 s, 2 workers, same run:
    # mean gap 2.3 % with it against 3.5 % without; only when the run got under 6 CPU-s did it lose).
    p.use_strong_propagation_in_disjunctive = n_ops <= STRONG_PROPAGATION_MAX_OPS
    return solver


def _build(
    jobs: Instance,
    horizon: int,
    blocked: Sequence[tuple[int, int, int]] = (),
    fixed: dict[tuple[int, int], int] | None = None,
    release: int = 0,
    lower: int = 0,
):
    fixed = fixed or {}
    model = cp_model.CpModel()
    starts, ends, intervals = {}, {}, {}
    per_machine: dict[int, list] = {}
    for j, job in enumerate(jobs):
        tail = 0
        tails = [0] * len(job)
        for k in range(len(job) - 1, -1, -1):
            tails[k] = tail
            tail += job[k][1]
        head = 0
        for k, (m, d) in enumerate(job):
            s: Any
            if (j, k) in fixed:
                s = model.new_constant(fixed[(j, k)])
            else:
                lo = max(head, release)
                s = model.new_int_var(lo, horizon - d - tails[k], f"s{j}_{k}")
            iv = model.new_fixed_size_interval_var(s, d, f"i{j}_{k}")
            starts[j, k], ends[j, k], intervals[j, k] = s, s + d, iv
            per_machine.setdefault(m, []).append(iv)
            head += d
        for k in range(1, len(job)):
            model.add(starts[j, k] >= starts[j, k - 1] + job[k - 1][1])
    for n, (m, s, e) in enumerate(blocked):
        per_machine.setdefault(m, []).append(model.new_fixed_size_interval_var(s, e - s, f"down{n}"))
    for ivs in per_machine.values():
        model.add_no_overlap(ivs)
    makespan = model.new_int_var(lower, horizon, "makespan")
    model.add_max_equality(
        makespan, [starts[j, len(job) - 1] + job[-1][1] for j, job in enumerate(jobs) if job]
    )
    return model, starts, makespan


def solve(
    jobs: Instance,
    time_limit: float = 30.0,
    workers: int = 2,
    hint: list[list[int]] | None = None,
    seed: int = 0,
) -> Schedule:
    """Minimise the makespan; proves optimality when the time allows."""
    t0 = time.perf_counter()
    greedy = best_dispatch(jobs)
    n_ops = sum(len(job) for job in jobs)
    if n_ops > LNS_ONLY_MIN_OPS and SEARCH_SHARE > 0:
        # Past a proof's reach the first schedule matters: a short tabu search on the critical path takes the
        # dispatching rules' 20-25 % above the best known on 20x15 to about 8-12 % for a second of one core.
        greedy = improve(jobs, greedy, SEARCH_SHARE * time_limit)
    upper = makespan_of(jobs, greedy)
    if hint is not None and makespan_of(jobs, hint) < upper:
        greedy, upper = hint, makespan_of(jobs, hint)
    lb0 = trivial_lower_bound(jobs)
    model, starts, makespan = _build(jobs, upper, lower=lb0)
    for (j, k), var in starts.items():
        model.add_hint(var, greedy[j][k])
    model.add_hint(makespan, upper)
    model.minimize(makespan)
    solver = _params(max(0.01, time_limit - (time.perf_counter() - t0)), workers, seed, n_ops)
    status = solver.solve(model)
    seconds = time.perf_counter() - t0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result = [[solver.value(starts[j, k]) for k in range(len(job))] for j, job in enumerate(jobs)]
        ms = makespan_of(jobs, result)
        lb = max(lb0, int(solver.best_objective_bound))
    else:  # no solution in time: the dispatching schedule stands
        result, ms, lb = greedy, upper, lb0
    optimal = status == cp_model.OPTIMAL or ms == lb
    return Schedule(result, ms, lb, seconds, optimal, solver.status_name(status))
