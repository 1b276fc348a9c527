"""The plant scheduler on pure data: alternatives, setups, downtime, operators, due dates, repair modes."""

from planning.capacity import Utility
from planning.dispatch import dispatch
from planning.solver import Assignment, Problem, Task, solve


def _problem(**kw) -> Problem:
    tasks = []
    for j in range(4):
        fam = "A" if j % 2 else "B"
        tasks.append(Task(f"J{j}", 10, {"P1": 60, "P2": 60}, family=fam, setup=30))
        tasks.append(
            Task(
                f"J{j}",
                20,
                {"W1": 45},
                family=fam,
                setup=20,
                due=400 + 60 * j,
                weight=2 if j == 3 else 1,
                certification="weld",
            )
        )
    return Problem(tasks, downtime=kw.get("downtime", {}), changeover={("A", "B"): 40, ("B", "A"): 40},
                   operators=kw.get("operators", {"weld": 1}), horizon=3000)  # fmt: skip


def _no_overlap(problem: Problem, sol) -> None:
    by_wc: dict[str, list] = {}
    for a in sol.assignments.values():
        by_wc.setdefault(a.work_center, []).append((a.setup_start, a.end))
    for wc, spans in by_wc.items():
        spans += problem.downtime.get(wc, [])
        spans.sort()
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            assert s2 >= e1, wc


def test_solver_uses_alternatives_respects_precedence_setups_and_downtime():
    problem = _problem(downtime={"P1": [(0, 200)]})
    sol = solve(problem, time_limit=5, workers=1)
    assert sol.status in ("OPTIMAL", "FEASIBLE")
    _no_overlap(problem, sol)
    for j in range(4):
        a, b = sol.assignments[f"J{j}", 10], sol.assignments[f"J{j}", 20]
        assert b.setup_start >= a.end
        assert a.start - a.setup_start >= 30 or a.setup_start > 0  # first piece setup is in the block
    assert any(a.work_center == "P2" for k, a in sol.assignments.items() if k[1] == 10)
    assert sol.kpis["late_jobs"] == 0


def test_changeovers_are_minimised_after_tardiness():
    problem = _problem()
    sol = solve(problem, time_limit=5, workers=1)
    greedy = dispatch(problem)
    assert sol.kpis["weighted_tardiness_h"] <= greedy.kpis["weighted_tardiness_h"]
    assert sol.kpis["changeovers"] <= greedy.kpis["changeovers"]


def test_operator_capacity_limits_parallel_work():
    tasks = [Task(f"J{j}", 10, {f"M{j}": 100}, certification="cnc") for j in range(3)]
    one = solve(Problem(tasks, operators={"cnc": 1}, horizon=1000), time_limit=3, workers=1)
    three = solve(Problem(tasks, operators={"cnc": 3}, horizon=1000), time_limit=3, workers=1)
    assert one.kpis["makespan_h"] == 5.0 and three.kpis["makespan_h"] == round(100 / 60, 1)


def test_repair_in_place_keeps_work_centers_and_order_and_started_work():
    problem = _problem()
    base = solve(problem, time_limit=5, workers=1).assignments
    started = min(base, key=lambda k: base[k].start)
    for t in problem.tasks:
        if t.key == started:
            t.fixed = (base[started].work_center, base[started].start)
    problem.downtime = {"W1": [(0, 300)]}
    sol = solve(
        problem, time_limit=5, workers=1, current=base, keep_work_center=True, keep_order=True, move_weight=1
    )
    _no_overlap(problem, sol)
    assert sol.assignments[started].start == base[started].start
    assert all(sol.assignments[k].work_center == a.work_center for k, a in base.items())
    assert sol.kpis["moved"] == 0


def test_dispatch_fallback_answers_at_once_and_is_feasible():
    problem = _problem(downtime={"P1": [(0, 100)], "P2": [(0, 100)]})
    sol = dispatch(problem)
    _no_overlap(problem, sol)
    assert sol.seconds < 0.5 and sol.status == "DISPATCH"
    assert all(a.setup_start >= 100 for k, a in sol.assignments.items() if k[1] == 10)


def test_kpis_count_moves_against_the_current_plan():
    problem = Problem([Task("A", 10, {"M": 10}), Task("B", 10, {"M": 10})], horizon=100)
    cur = {("A", 10): Assignment("M", 0, 0, 10), ("B", 10): Assignment("M", 10, 10, 20)}
    swapped = {("A", 10): Assignment("M", 10, 10, 20), ("B", 10): Assignment("M", 0, 0, 10)}
    from planning.solver import kpis

    assert kpis(problem, cur, cur)["moved"] == 0
    assert kpis(problem, swapped, cur)["moved"] == 1


def test_operator_capacity_is_counted_per_shift():
    """Two CNC operations of 300 min on two machines. One certified operator on the day shift, none on the
    afternoon shift, two on the night shift: the second operation waits for the night shift, where a per-day
    count (three people) would have run both at once."""
    tasks = [Task(f"J{j}", 10, {f"M{j}": 300}, certification="cnc") for j in range(2)]
    shifts = {"cnc": [(0, 480, 1), (480, 960, 0), (960, 1440, 2)]}
    per_day = solve(Problem(tasks, operators={"cnc": 3}, horizon=1440), time_limit=3, workers=1)
    per_shift = solve(
        Problem(tasks, operators={"cnc": 0}, operator_shifts=shifts, horizon=1440), time_limit=3, workers=1
    )
    assert sorted(a.start for a in per_day.assignments.values()) == [0, 0]
    starts = sorted((a.start, a.end) for a in per_shift.assignments.values())
    assert starts == [(0, 300), (960, 1260)]


def test_utility_cap_limits_what_runs_at_once_and_is_lower_in_peak_hours():
    """Three presses drawing 50 kW each for 100 min: a 100 kW cap runs two at once, a 50 kW peak window over
    the first 150 min runs one at a time inside it."""
    tasks = [Task(f"J{j}", 10, {f"P{j}": 100}) for j in range(3)]
    draw = {f"P{j}": 50 for j in range(3)}
    free = solve(Problem(tasks, horizon=1000), time_limit=3, workers=1)
    capped = solve(
        Problem(tasks, utilities={"kW": Utility(draw, cap=100)}, horizon=1000), time_limit=3, workers=1
    )
    peak = Utility(draw, cap=100, windows=[(0, 150, 50)])
    peaked = solve(Problem(tasks, utilities={"kW": peak}, horizon=1000), time_limit=3, workers=1)
    assert free.kpis["makespan_h"] == round(100 / 60, 1)
    assert capped.kpis["makespan_h"] == round(200 / 60, 1)
    for sol, cap_at in ((capped, lambda t: 100), (peaked, lambda t: 50 if t < 150 else 100)):
        for t in range(0, 400, 5):
            running = sum(50 for a in sol.assignments.values() if a.setup_start <= t < a.end)
            assert running <= cap_at(t), (t, running)
    assert max(a.end for a in peaked.assignments.values()) == 250  # one in the peak, two after it


def test_profile_merges_overlapping_windows():
    from planning.capacity import profile

    crews = [(0, 480, 2), (420, 900, 3)]  # overlapping shifts: both crews are on site in the overlap
    assert profile(crews, sum) == [(0, 420, 2), (420, 480, 5), (480, 900, 3)]
    caps = [(0, 600, 400), (360, 540, 250)]  # a peak-hours cap inside an all-day cap: the lower holds
    assert profile(caps, min) == [(0, 360, 400), (360, 540, 250), (540, 600, 400)]


def test_between_shifts_only_the_operators_without_a_shift_pattern_count():
    """Crews on 0-100 and 200-300, nobody between: a 60-min operation ready at 90 cannot run in the gap, it
    waits for the second crew (the cumulative used to hold the largest crew between its steps)."""
    tasks = [Task("J", 10, {"M": 60}, certification="cnc", release=90)]
    shifts = {"cnc": [(0, 100, 2), (200, 300, 2)]}
    sol = solve(
        Problem(tasks, operators={"cnc": 0}, operator_shifts=shifts, horizon=300), time_limit=2, workers=1
    )
    assert sol.assignments["J", 10].start == 200


def test_operations_moved_means_the_same_in_every_scenario():
    """Today M runs A (100 min) then B (10 min), and B's job goes on to 100 min on N. Swapping A and B would
    cut the makespan from 210 to 110 min: the re-sequence swaps them (one operation moved); the alternatives
    scenario minimises operations moved, reorderings included, before the makespan, so it keeps the order
    (the moves it minimised used to be only work-center changes, so it swapped them too)."""
    from planning.solver import kpis

    tasks = [Task("A", 10, {"M": 100}), Task("B", 10, {"M": 10}), Task("B", 20, {"N": 100})]
    problem = Problem(tasks, horizon=1000)
    current = {
        ("A", 10): Assignment("M", 0, 0, 100),
        ("B", 10): Assignment("M", 100, 100, 110),
        ("B", 20): Assignment("N", 110, 110, 210),
    }
    resequence = solve(problem, time_limit=3, workers=1, current=current)
    alternatives = solve(problem, time_limit=3, workers=1, current=current, move_weight=1)
    assert resequence.kpis["moved"] == 1 and resequence.kpis["makespan_h"] == round(110 / 60, 1)
    assert alternatives.kpis["moved"] == 0 and alternatives.kpis["makespan_h"] == 3.5
    assert kpis(problem, alternatives.assignments, current)["moved"] == 0


def test_a_move_to_another_work_center_is_one_operation_moved_however_the_orders_change():
    from planning.solver import kpis

    problem = Problem([Task(j, 10, {"M": 10, "P": 10}) for j in "ABC"], horizon=100)
    cur = {(j, 10): Assignment("M", 10 * n, 10 * n, 10 * n + 10) for n, j in enumerate("ABC")}
    new = dict(cur)
    new["A", 10] = Assignment("P", 0, 0, 10)  # moved; B and C keep their order on M
    assert kpis(problem, new, cur)["moved"] == 1
    new["C", 10], new["B", 10] = Assignment("M", 0, 0, 10), Assignment("M", 10, 10, 20)
    assert kpis(problem, new, cur)["moved"] == 2
