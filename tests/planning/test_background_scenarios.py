"""Event-triggered what-if runs on the background worker: an Andon tap commits without waiting for the solver,
the board says the scenarios are being prepared (or that the worker is not running), the task produces three."""

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from instructions.models import Station
from planning import solver, whatif
from planning.models import Downtime, Plan, PlanStatus
from planning.tasks import SCENARIOS_TASK_PATH
from plexcopilot import worker
from plexcopilot.models import Employee
from tests.actors import make_employee

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def solve_calls(monkeypatch):
    """Every CP-SAT solve the what-if makes, counted (and still run)."""
    calls: list[str] = []
    real = solver.solve

    def counting(*args, **kwargs):
        calls.append("solve")
        return real(*args, **kwargs)

    monkeypatch.setattr(whatif, "solve", counting)
    return calls


def _board(badge="700701"):
    client = Client()
    client.force_login(make_employee(badge, "planner").user)
    return client.get(reverse("planning-board"))


def test_an_andon_line_down_commits_without_solving_and_the_worker_makes_three_scenarios(
    demo_schedule, clock, django_capture_on_commit_callbacks, solve_calls, run_worker
):
    from labor.andon import andon_raise
    from planning import triggers

    triggers.TRIGGER_TIME_LIMIT = 1.0
    station = Station.objects.get(code="ST-WLD-R3")
    employee = Employee.objects.filter(role="operator").first()
    drafts_before = Plan.objects.filter(status=PlanStatus.DRAFT).count()
    with django_capture_on_commit_callbacks(execute=True):
        andon_raise(
            station=station, employee=employee, category="maintenance", note="robot fault", line_down=True
        )
    # The request's side: the Down window is recorded, the scenarios are only queued.
    assert solve_calls == []
    assert Downtime.objects.filter(kind="down", work_center=station.work_center).exists()
    assert Plan.objects.filter(status=PlanStatus.DRAFT).count() == drafts_before
    queued = DBTaskResult.objects.get(task_path=SCENARIOS_TASK_PATH)
    assert queued.status == "READY"
    assert f"{station.work_center.code} is down" in queued.args_kwargs["kwargs"]["summary"]

    # No worker has been seen: the planner is told so, not left waiting.
    body = _board().content.decode()
    assert 'data-testid="worker-down"' in body and "manage.py run_worker" in body
    assert 'data-testid="scenarios-preparing"' not in body

    # A worker alive: "being prepared", and the area polls until they are there.
    worker.heartbeat(worker_id="alive-1")
    body = _board("700702").content.decode()
    assert 'data-testid="scenarios-preparing"' in body and 'hx-trigger="every 3s"' in body
    assert 'data-testid="worker-down"' not in body

    run_worker()
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL", queued.traceback
    assert len(solve_calls) == 4  # today's plan re-timed to the same instant, then the three scenarios
    drafts = list(Plan.objects.filter(status=PlanStatus.DRAFT).order_by("rank"))
    assert [p.rank for p in drafts] == [1, 2, 3]
    assert {p.kpis["strategy"] for p in drafts} == {"repair", "alternatives", "resequence"}
    assert all(f"{station.work_center.code} is down" in p.trigger for p in drafts)
    body = _board("700703").content.decode()
    assert 'data-testid="scenarios-preparing"' not in body and 'hx-trigger="every 3s"' not in body
    assert body.count('data-testid="scenario"') == 3


def test_a_status_sync_and_a_shortage_are_queued_not_solved(
    demo_schedule, clock, django_capture_on_commit_callbacks, solve_calls
):
    from instructions.models import WorkCenter
    from planning.models import PlanJob
    from plexcopilot import events

    wc = WorkCenter.objects.get(code="WLD-PW2")
    job = PlanJob.objects.first()
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.WORK_CENTER_STATUS_CHANGED, work_center_id=wc.pk, status="Down", hours=2)
        events.publish(events.MATERIAL_SHORTAGE_PREDICTED, job_number=job.number,
                       available_at="2026-03-11T08:00:00-04:00")  # fmt: skip
    assert solve_calls == []
    assert DBTaskResult.objects.filter(task_path=SCENARIOS_TASK_PATH, status="READY").count() == 2


def test_a_failed_task_is_said_on_the_board(demo_schedule, clock, run_worker, monkeypatch):
    from planning.tasks import scenarios_task

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(whatif, "scenarios_generate", broken)
    scenarios_task.enqueue(kind="hold", summary="PRS-400 is on Hold from Mon 07:00 to Mon 11:00")
    run_worker()
    body = _board().content.decode()
    assert 'data-testid="scenarios-failed"' in body and "PRS-400 is on Hold" in body
