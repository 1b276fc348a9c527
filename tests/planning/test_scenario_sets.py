"""Finding P2-a (plant walkthrough): a new what-if threw away every open scenario, those an event raised too, and
each of a shortage alert's per-job announcements replaced the set before it, so the board named one job of four.
Now each trigger's set stays open beside the others until one is signed, the same trigger comes again (it
replaces its own set, and the replaced scenario says so) or a release makes it stale."""

import datetime
import html

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from instructions.models import WorkCenter
from planning import triggers, views
from planning.models import Plan, PlanJob, PlanStatus
from planning.tasks import SCENARIOS_TASK_PATH
from plexcopilot import events
from tests.actors import make_employee

pytestmark = pytest.mark.django_db(transaction=True)


def _open() -> dict[str, list[Plan]]:
    sets: dict[str, list[Plan]] = {}
    for plan in Plan.objects.filter(status=PlanStatus.DRAFT).order_by("pk"):
        sets.setdefault(plan.trigger, []).append(plan)
    return sets


def test_what_ifs_of_different_triggers_stay_open_side_by_side(
    demo_schedule, clock, django_capture_on_commit_callbacks, run_worker, monkeypatch
):
    monkeypatch.setattr(triggers, "TRIGGER_TIME_LIMIT", 0.5)
    monkeypatch.setattr(views, "WHATIF_SECONDS", 0.5)
    jobs = list(PlanJob.objects.filter(open=True).order_by("due")[:4])
    # The materials app announces one alert once per job it would stop, in one transaction.
    with django_capture_on_commit_callbacks(execute=True):
        for job in jobs:
            events.publish(events.MATERIAL_SHORTAGE_PREDICTED, alert_id=17, job_number=job.number,
                           available_at="2026-03-10T14:00:00-04:00")  # fmt: skip
    queued = DBTaskResult.objects.filter(task_path=SCENARIOS_TASK_PATH, status="READY")
    assert queued.count() == 1  # the last announcement's run covers the four: the earlier ones were dropped
    run_worker()
    (shortage,) = _open().values()
    names = ", ".join(job.number for job in jobs)
    assert len(shortage) == 3 and shortage[0].trigger == f"Material short for {names} until Tue 14:00"

    planner = Client()
    planner.force_login(make_employee("980001", "planner", first="Pat").user)
    press = WorkCenter.objects.get(code="PRS-400")
    response = planner.post(
        reverse("planning-whatif"), {"kind": "hold", "work_center": press.pk, "hours": "8"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("planning-board")
    board = html.unescape(planner.get(response["Location"]).content.decode())
    assert "the scenarios of other what-ifs stay open beside them." in board
    sets = _open()
    assert len(sets) == 2 and all(len(s) == 3 for s in sets.values())
    assert all(p.status == PlanStatus.DRAFT for p in Plan.objects.filter(pk__in=[p.pk for p in shortage]))
    assert (
        board.count('data-testid="scenario-set-trigger"') == 2 and board.count('data-testid="scenario"') == 6
    )
    hold_first = next(s for t, s in sets.items() if t.startswith("PRS-400 is on Hold"))
    assert {p.trigger_key for p in hold_first} == {"asked:wc:PRS-400"}
    assert {p.trigger_key for p in shortage} == {"shortage-alert:17"}
    assert board.index("What-if: PRS-400 is on Hold") < board.index(f"What-if: Material short for {names}")

    # The same question again (longer Hold, then as Down) replaces its own set only, and says so.
    clock.shift(datetime.timedelta(minutes=5))
    response = planner.post(
        reverse("planning-whatif"), {"kind": "down", "work_center": press.pk, "hours": "12"}
    )
    board = html.unescape(planner.get(response["Location"]).content.decode())
    assert f'they replace the open scenarios of the same question, "{hold_first[0].trigger}".' in board
    sets = _open()
    assert len(sets) == 2 and shortage[0].trigger in sets
    newer = next(s for t, s in sets.items() if t.startswith("PRS-400 is down"))
    page = html.unescape(planner.get(reverse("planning-scenario", args=[hold_first[1].pk])).content.decode())
    assert f'This scenario was replaced by a newer what-if at Mon 00:25: "{newer[0].trigger}".' in page

    # Signing one closes every open what-if: they were planned from the schedule that is no longer released.
    signed = planner.post(
        reverse("planning-scenario-sign", args=[newer[0].pk]), {"password": "desk-pass-123"}
    )
    assert signed.status_code == 302 and not _open()
    page = html.unescape(planner.get(reverse("planning-scenario", args=[shortage[0].pk])).content.decode())
    assert "This scenario was closed when v2 (" in page
    page = html.unescape(planner.get(reverse("planning-scenario", args=[hold_first[0].pk])).content.decode())
    assert "replaced by a newer what-if at Mon 00:25" in page and "It was closed when v2 (" in page
