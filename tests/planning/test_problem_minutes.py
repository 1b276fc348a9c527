"""The solver counts whole minutes from the plan's origin; a Hold that ends, or material that arrives, part-way
through a minute lets work start at the next whole minute, never in the seconds before (the board then showed a
just-signed plan in CONFLICT with the Hold it was made for)."""

import datetime

from instructions.models import WorkCenter
from planning import problem as pb
from planning.models import Downtime, DowntimeKind, PlanJob


def test_it_rounds_a_hold_end_and_a_material_time_up_to_the_next_minute(demo_schedule, clock):
    origin = pb.plan_origin()
    press = WorkCenter.objects.get(code="PRS-400")
    Downtime.objects.filter(work_center=press).delete()
    hold_end = origin + datetime.timedelta(hours=8, seconds=2, microseconds=60_000)
    Downtime.objects.create(work_center=press, kind=DowntimeKind.HOLD, start=origin, end=hold_end)
    job = PlanJob.objects.filter(open=True).order_by("number").first()
    problem, _ = pb.build_problem(
        origin, material_ready={job.pk: origin + datetime.timedelta(minutes=90, seconds=1)}
    )
    assert problem.downtime["PRS-400"] == [(0, 481)]
    assert {task.release for task in problem.tasks if task.job == job.number} == {91}
    exact = origin + datetime.timedelta(hours=2)
    assert pb.minutes(origin, exact) == pb.minutes_up(origin, exact) == 120


def test_the_origin_is_the_current_minute(clock):
    clock.shift(datetime.timedelta(seconds=42))
    origin = pb.plan_origin()
    assert origin.second == 0 and pb.minutes_up(origin, origin + datetime.timedelta(seconds=42)) == 1


def test_the_board_shows_plant_times_with_their_date(demo_schedule, clock):
    """The Gantt's tooltips and the dispatch list in plant time (they showed UTC), each with its date: a week's
    board spans two of the same weekday."""
    from django.test import Client
    from django.utils import timezone

    from planning.gantt import gantt_svg
    from planning.models import Plan, PlanStatus
    from tests.actors import make_employee

    plan = Plan.objects.get(status=PlanStatus.RELEASED)
    slot = plan.slots.select_related("job", "work_center").order_by("start").first()
    local = timezone.localtime(slot.start)
    assert local.utcoffset() != datetime.timedelta(0)  # Detroit: UTC would differ
    assert f"{slot.job.number} op" in gantt_svg(plan) and f"{local:%a %d %H:%M}" in gantt_svg(plan)
    client = Client()
    client.force_login(make_employee("800002", "planner").user)
    body = client.get(f"/planning/dispatch/{slot.work_center.code}/").content.decode()
    assert f"{local:%a %Y-%m-%d %H:%M}" in body
    due = timezone.localtime(slot.job.due)
    assert f"{due:%a %Y-%m-%d %H:%M}" in body
