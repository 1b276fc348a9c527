"""A what-if whose strategies come to the same schedule (nothing to move: one job in the week)
says so on the later scenarios instead of ranking one plan three times as if they were alternatives."""

import datetime

from django.test import Client
from django.utils import timezone

from planning.models import PlanJob
from planning.solver import Assignment, Problem, Solution, Task, cost, kpis
from planning.whatif import Trigger, _unless_better, scenarios_generate
from tests.actors import make_employee


def test_it_says_a_scenario_is_the_same_schedule_as_a_better_ranked_one(demo_schedule, clock):
    """One job left in the week: whatever the strategy, it runs as soon as it can, as released. (A re-sequence
    that ties with a different start inside the slack, or is cut short on a busy machine, shows the simpler plan:
    it came back as a different schedule with the same figures in a CI run before that rule.)"""
    first = PlanJob.objects.filter(open=True).order_by("due", "number").first()
    PlanJob.objects.exclude(pk=first.pk).delete()
    now = timezone.now()
    trigger = Trigger(
        kind="hold", summary="INS-CMM is on Hold for 1 h", work_center="INS-CMM", start=now,
        end=now + datetime.timedelta(hours=1),
    )  # fmt: skip
    plans = scenarios_generate(trigger, time_limit=2)
    schedules = [
        {(s.job_id, s.operation_id, s.work_center_id, s.start) for s in p.slots.all()} for p in plans
    ]
    same = [p.kpis.get("same_as") for p in plans]
    assert same == [None, 1, 1], same
    for n, rank in enumerate(same):
        if rank:
            assert rank <= n and schedules[n] == schedules[rank - 1]
        else:
            assert all(schedules[n] != schedules[m] for m in range(n))
    client = Client()
    client.force_login(make_employee("800003", "planner").user)
    board = client.get("/planning/").content.decode()
    assert board.count('data-testid="scenario-same-as"') == sum(1 for rank in same if rank)
    later = next(p for p in plans if p.kpis.get("same_as"))
    page = client.get(f"/planning/scenario/{later.pk}/").content.decode()
    assert f"The same schedule as scenario {later.kpis['same_as']}" in page


def _plan(problem, starts, current=None):
    """Two chained operations of one job on WC-A, started at `starts` (run 60 min each)."""
    assignments = {("J1", i): Assignment("WC-A", s, s, s + 60) for i, s in enumerate(starts, start=1)}
    return Solution(assignments, "OPTIMAL", 0.01, kpis(problem, assignments, current))


def test_a_strategy_that_only_ties_shows_the_simpler_strategys_plan():
    """The first operation may start at 0 or 30 without changing anything the solver weighs (the second starts at
    120 either way): a re-sequence that came back with the later start is not an alternative, the board shows the
    repair's plan (and so marks it the same schedule); a re-sequence that gains is kept."""
    problem = Problem(tasks=[Task("J1", 1, {"WC-A": 60}, due=200), Task("J1", 2, {"WC-A": 60}, due=200)])
    repair = _plan(problem, [0, 120])
    tie = _plan(problem, [30, 120])
    assert cost(problem, tie) == cost(problem, repair)
    shown = _unless_better(problem, tie, repair, 0)
    assert {k: a.start for k, a in shown.assignments.items()} == {("J1", 1): 0, ("J1", 2): 120}
    assert shown.status == "OPTIMAL"
    better = _plan(problem, [0, 60])
    kept = _unless_better(problem, better, repair, 0)
    assert {k: a.start for k, a in kept.assignments.items()} == {("J1", 1): 0, ("J1", 2): 60}
