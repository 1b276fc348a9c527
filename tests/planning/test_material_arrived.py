"""A resolved shortage lets the jobs it held start: the material hold it recorded is cleared (not a hold the planner
or another open shortage set), audited per job, the next what-if plans them from now, and when the released
schedule waits for that material the board prepares scenarios for it."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from planning import problem as pb
from planning import triggers
from planning.models import Plan, PlanJob, PlanStatus
from planning.release import plan_release
from planning.tasks import SCENARIOS_TASK_PATH
from plexcopilot import events
from plexcopilot.models import AuditEvent
from tests.actors import make_employee

pytestmark = pytest.mark.django_db(transaction=True)


def _predicted(alert_id: int, job: PlanJob, until: datetime.datetime) -> None:
    events.publish(events.MATERIAL_SHORTAGE_PREDICTED, alert_id=alert_id, job_number=job.number,
                   available_at=until.isoformat())  # fmt: skip


def _releases(problem, number: str) -> set[int]:
    return {task.release for task in problem.tasks if task.job == number}


def test_it_clears_the_hold_of_a_released_shortage_scenario_when_the_material_arrives(
    demo_schedule, clock, django_capture_on_commit_callbacks, run_worker, monkeypatch
):
    monkeypatch.setattr(triggers, "TRIGGER_TIME_LIMIT", 0.5)
    released = Plan.objects.get(status=PlanStatus.RELEASED)
    held, by_two, by_planner = (
        PlanJob.objects.filter(pk__in=released.slots.values("job")).order_by("number").distinct()[:3]
    )
    now = timezone.now()
    until, later, planner_at = (now + datetime.timedelta(hours=h) for h in (30, 40, 20))
    PlanJob.objects.filter(pk=by_planner.pk).update(material_ready_at=planner_at)  # the planner's own (admin)
    with django_capture_on_commit_callbacks(execute=True):
        _predicted(44, by_two, later)  # another shortage, still open, holds it longer
        _predicted(43, by_two, until)
        _predicted(43, held, until)
    run_worker()
    best = Plan.objects.filter(status=PlanStatus.DRAFT, source="shortage-alert:43").order_by("rank").first()
    plan_release(plan=best, user=make_employee("770001", "planner").user, password="desk-pass-123")
    assert best.slots.filter(job=held).order_by("start").first().start >= until  # the schedule waits for it

    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.MATERIAL_SHORTAGE_RESOLVED, alert_id=43, component="NUT-M10-WP",
                       location="LS-WLD-PW2", job_numbers=[held.number, by_two.number],
                       resolved_at=now.isoformat())  # fmt: skip

    for job in (held, by_two, by_planner):
        job.refresh_from_db()
    assert (held.material_ready_at, held.material_holds) == (None, {})
    assert (by_two.material_ready_at, by_two.material_holds) == (
        later,
        {"shortage-alert:44": later.isoformat()},
    )
    assert (by_planner.material_ready_at, by_planner.material_holds) == (planner_at, {})
    [audit] = AuditEvent.objects.filter(action="schedule.material_arrived")
    assert (audit.object_type, audit.object_id) == ("planning.planjob", str(held.pk))
    assert audit.summary.startswith(f"Material arrived: {held.number} may start now (held until ")
    assert "the NUT-M10-WP shortage at LS-WLD-PW2 was resolved at" in audit.summary
    assert audit.data == {"source": "shortage-alert:43", "held_until": until.isoformat(), "ready_at": None}

    # The next what-if no longer holds it; the other holds stay.
    problem, _refs = pb.build_problem(pb.plan_origin(now))
    origin = pb.plan_origin(now)
    assert _releases(problem, held.number) == {0}
    assert _releases(problem, by_two.number) == {pb.minutes(origin, later)}
    assert _releases(problem, by_planner.number) == {pb.minutes(origin, planner_at)}

    # The released schedule waits for material that is there: the board prepares scenarios for it.
    [queued] = DBTaskResult.objects.filter(task_path=SCENARIOS_TASK_PATH, status="READY")
    summary = queued.args_kwargs["kwargs"]["summary"]
    assert summary.startswith(f"Material arrived for {held.number}")
    client = Client()
    client.force_login(make_employee("770002", "planner").user)
    board = client.get(reverse("planning-board")).content.decode()
    assert f"Scenarios being prepared for: Material arrived for {held.number}" in board


def test_it_keeps_a_late_shortage_prediction_from_holding_a_job_again_once_resolved(
    demo_schedule, clock, django_capture_on_commit_callbacks
):
    # One evaluation's "predicted" handler can run after the next evaluation resolved that alert and cleared its
    # hold: a shortage that is over holds nothing.
    job = PlanJob.objects.filter(open=True).order_by("number").first()
    until = timezone.now() + datetime.timedelta(hours=30)
    with django_capture_on_commit_callbacks(execute=True):
        _predicted(45, job, until)
    job.refresh_from_db()
    assert job.material_holds == {"shortage-alert:45": until.isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.MATERIAL_SHORTAGE_RESOLVED, alert_id=45, component="NUT-M10-WP",
                       location="LS-WLD-PW2", job_numbers=[job.number], resolved_at=timezone.now().isoformat())  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        _predicted(45, job, until)  # late, from the evaluation before
    job.refresh_from_db()
    assert (job.material_ready_at, job.material_holds) == (None, {})
    assert not DBTaskResult.objects.filter(  # nor asks for what-ifs about it
        task_path=SCENARIOS_TASK_PATH, status="READY", args_kwargs__kwargs__source="shortage-alert:45"
    ).exists()
