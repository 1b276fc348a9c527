"""The dispatching-rule fallback keeps every limit the CP-SAT plan keeps, checked by `plan_violations`."""

import datetime
import random

import pytest

from instructions.models import WorkCenter
from planning import problem as pb
from planning.capacity import Utility
from planning.dispatch import dispatch
from planning.feasibility import plan_violations
from planning.models import UtilityDraw, UtilityLimit
from planning.solver import Assignment, Problem, Task, solve


def _crowded() -> Problem:
    """Three welds on three robots, each followed by a leak test on one bench. One certified welder on the
    first shift (0-480), two on the second; the robots draw 60 kW each under a 120 kW cap, 60 kW in a peak
    window (0-300); a break on R2 (150-180); the welds set up for 20 min. Run at once (the old rule: every robot
    is free at 0), three welders and 180 kW would be needed at minute 0."""
    tasks = []
    for j in range(3):
        tasks.append(Task(f"J{j}", 10, {f"R{j}": 100}, family=f"F{j}", setup=20, certification="weld"))
        tasks.append(Task(f"J{j}", 20, {"LEAK": 30}, family="leak", due=300 + 100 * j, weight=1 + (j == 2)))
    kw = Utility({f"R{j}": 60 for j in range(3)}, cap=120, windows=[(0, 300, 60)])
    return Problem(
        tasks,
        downtime={"R1": [(150, 180)]},
        operators={"weld": 0},
        operator_shifts={"weld": [(0, 480, 1), (480, 960, 2)]},
        utilities={"kW": kw},
        horizon=960,
    )


def test_it_keeps_operators_and_utility_caps_where_the_naive_rule_broke_them():
    problem = _crowded()
    fallback = dispatch(problem)
    assert plan_violations(problem, fallback.assignments) == []
    assert plan_violations(problem, solve(problem, time_limit=3, workers=1).assignments) == []
    welds = sorted((a.setup_start, a.end) for k, a in fallback.assignments.items() if k[1] == 10)
    assert welds[0][1] <= welds[1][0] and welds[1][1] <= welds[2][0]  # one welder, 60 kW: one at a time
    assert fallback.status == "DISPATCH" and len(fallback.assignments) == 6


def test_it_waits_for_the_second_shift_when_the_first_has_no_certified_operator():
    tasks = [Task(f"J{j}", 10, {f"M{j}": 100}, certification="cnc") for j in range(2)]
    problem = Problem(tasks, operators={"cnc": 0}, operator_shifts={"cnc": [(0, 480, 0), (480, 960, 2)]})
    problem.horizon = 960
    fallback = dispatch(problem)
    assert sorted(a.start for a in fallback.assignments.values()) == [480, 480]
    assert plan_violations(problem, fallback.assignments) == []


def test_it_keeps_started_work_and_plans_the_rest_of_its_job():
    """A started first operation holds its place, its operator and its kW; the job's next operation follows."""
    problem = _crowded()
    problem.tasks[0].fixed = ("R0", -40)
    fallback = dispatch(problem, now=5)
    assert fallback.assignments["J0", 10] == Assignment("R0", -40, -40, 60)
    assert fallback.assignments["J0", 20].setup_start >= 60
    assert plan_violations(problem, fallback.assignments, now=5) == []


def test_it_plans_an_operation_no_one_can_ever_run_and_says_so():
    """No certified operator on any shift: the solver and the fallback both plan the operation without one and
    name it (the solver used to find the whole plan infeasible and hand over to the fallback)."""
    problem = Problem([Task("J1", 10, {"M": 30}, certification="x-ray")], operators={"x-ray": 0}, horizon=600)
    note = "J1 op 10: no certified x-ray operator is on shift at any time; planned without one"
    sol = solve(problem, time_limit=2, workers=1)
    assert sol.status == "OPTIMAL" and sol.assignments["J1", 10].start == 0 and sol.notes == [note]
    fallback = dispatch(problem)
    assert fallback.assignments["J1", 10].start == 0 and fallback.notes == [note]


def test_the_checker_names_every_broken_constraint():
    problem = _crowded()
    problem.changeover = {}
    bad = {
        ("J0", 10): Assignment("R0", 0, 20, 120),
        ("J1", 10): Assignment("R1", 0, 20, 120),  # through R1's break
        ("J2", 10): Assignment("R2", 0, 10, 110),  # 10 min of a 20-min setup
        ("J0", 20): Assignment("LEAK", 100, 100, 130),  # before its weld ends
        ("J1", 20): Assignment("LEAK", 120, 120, 150),  # on the bench with J0
    }
    found = "\n".join(plan_violations(problem, bad))
    assert "J2 op 20 is not scheduled" in found
    assert "J0 op 20 starts before J0 op 10 ends" in found
    assert "J1 op 10 (0-120) overlaps downtime 150-180 on R1" not in found  # ends before the break
    assert "J2 op 10 on R2 has 10 min to set up, needs 20" in found
    assert "J1 op 20 (120-150) overlaps J0 op 20 on LEAK" in found
    assert "operators weld: 3 in use at 0, capacity 1" in found
    assert "utility kW: 180 in use at 0, capacity 60" in found
    bad["J1", 10] = Assignment("R1", 100, 120, 220)
    assert "J1 op 10 (100-220) overlaps downtime 150-180 on R1" in "\n".join(plan_violations(problem, bad))


@pytest.mark.django_db
def test_on_the_demo_week_the_fallback_keeps_what_the_solver_keeps(demo_schedule):
    """The demo week with a kW budget: the presses draw 250 kW and the projection welder 150 kW under a 400 kW
    cap, 250 kW in the 14:00-18:00 peak; the crews are the demo plant's certified operators per shift."""
    for code, kw in (("PRS-400", 250), ("PRS-200", 250), ("WLD-PW2", 150)):
        UtilityDraw.objects.create(work_center=WorkCenter.objects.get(code=code), utility="kW", amount=kw)
    UtilityLimit.objects.create(utility="kW", cap=400)
    UtilityLimit.objects.create(
        utility="kW", cap=250, window_start=datetime.time(14), window_end=datetime.time(18)
    )
    origin = pb.plan_origin()
    problem, _ = pb.build_problem(origin)
    assert problem.utilities["kW"].windows and problem.operator_shifts
    solved = solve(problem, time_limit=3, workers=1)
    assert solved.status in ("OPTIMAL", "FEASIBLE")
    assert plan_violations(problem, solved.assignments) == []
    assert plan_violations(problem, dispatch(problem).assignments) == []
    # A what-if on top of the released plan: PRS-400 on Hold at 07:20, started work kept.
    now = origin + datetime.timedelta(hours=7)
    current = pb.plan_assignments(pb.released_plan(), now)
    hold = [("PRS-400", now, now + datetime.timedelta(hours=8))]
    repair, _ = pb.build_problem(now, current=current, freeze_before=30, extra_downtime=hold)
    repair.utilities = {}  # the released plan's started work predates the kW budget
    assert any(t.fixed for t in repair.tasks)
    assert plan_violations(repair, dispatch(repair).assignments) == []


def _random_problem(seed: int) -> Problem:
    """A small plant drawn at random: alternatives, changeovers, breaks, release times, crews that change per
    shift (with a gap between shifts) and a kW cap with a peak window."""
    rng = random.Random(seed)
    machines = ["M0", "M1", "M2", "M3"]
    tasks = []
    for j in range(6):
        for n, index in enumerate((10, 20, 30)[: rng.randint(1, 3)]):
            options = {wc: rng.randint(20, 90) for wc in rng.sample(machines, rng.randint(1, 2))}
            tasks.append(Task(f"J{j}", index, options, family=rng.choice("AB"), setup=rng.randint(0, 30),
                              release=rng.choice([0, 0, 120]) if n == 0 else 0,
                              certification=rng.choice(["", "weld", "cnc"])))  # fmt: skip
        tasks[-1].due, tasks[-1].weight = rng.randint(200, 900), rng.randint(1, 3)
    crews = {c: [(0, 300, rng.randint(0, 2)), (360, 900, rng.randint(1, 2))] for c in ("weld", "cnc")}
    downtime = {wc: [(s, s + 30)] for wc in machines for s in [rng.randint(0, 600)]}
    kw = Utility({wc: rng.randint(20, 60) for wc in machines}, cap=110, windows=[(200, 400, 70)])
    return Problem(tasks, downtime, {("A", "B"): 25, ("B", "A"): 15}, operators={"weld": 1, "cnc": 0},
                   operator_shifts=crews, utilities={"kW": kw}, horizon=900)  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_on_random_plants_the_fallback_and_the_solver_keep_every_limit(seed):
    problem = _random_problem(seed)
    assert plan_violations(problem, dispatch(problem, now=10).assignments, now=10) == []
    solved = solve(
        problem, time_limit=1, workers=1, now=10
    )  # the fallback's plan is its hint: it is feasible
    assert solved.status in ("OPTIMAL", "FEASIBLE")
    assert plan_violations(problem, solved.assignments, now=10) == []


@pytest.mark.django_db
def test_the_plan_is_never_worse_than_the_dispatching_rule_however_little_time_the_solver_had(settings):
    """On a loaded machine the solver may stop at a first FEASIBLE plan worse than the rule's; the planner then
    gets the rule's plan (and is told so), so the week never gets later for want of solver time. Loaded on a
    Thursday morning the rule leaves 6 jobs late and the solver needs about 1.5 s on an idle core to reach 0."""
    loaded = "2026-03-12T10:00"
    import time_machine
    from django.utils import timezone

    from instructions.demo import demo_plant_load
    from planning.demo import demo_schedule_load
    from planning.solver import cost

    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"
    at = datetime.datetime.fromisoformat(loaded).replace(tzinfo=timezone.get_current_timezone())
    with time_machine.travel(at, tick=False):
        demo_plant_load()
        demo_schedule_load(time_limit=0.3)
        problem, _ = pb.build_problem(pb.plan_origin(timezone.now()))
    rule = dispatch(problem)
    for budget in (0.05, 0.2, 0.5):
        plan = solve(problem, time_limit=budget, workers=2)
        assert plan_violations(problem, plan.assignments) == []
        assert cost(problem, plan) <= cost(problem, rule), (budget, plan.status, plan.kpis, rule.kpis)
        assert plan.kpis["late_jobs"] <= rule.kpis["late_jobs"]
