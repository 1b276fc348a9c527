"""A what-if whose strategies come to the same schedule (nothing to move: one job in the week)
says so on the later scenarios instead of ranking one plan three times as if they were alternatives."""

import datetime

from django.test import Client
from django.utils import timezone

from planning.models import PlanJob
from planning.whatif import Trigger, scenarios_generate
from tests.actors import make_employee


def test_it_says_a_scenario_is_the_same_schedule_as_a_better_ranked_one(demo_schedule, clock):
    """One job left in the week: whatever the strategy, it runs as soon as it can, as released."""
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
