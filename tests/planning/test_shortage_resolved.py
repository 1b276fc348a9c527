"""A predicted shortage raises what-if scenarios; when the materials desk resolves it, they leave the board (kept,
marked withdrawn, audited) and signing one is refused with the reason."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from planning import triggers, whatif
from planning.models import Plan, PlanStatus, WithdrawnSource
from planning.release import plan_release
from planning.tasks import SCENARIOS_TASK_PATH
from plexcopilot import events
from plexcopilot.models import AuditEvent
from plexcopilot.signatures import SignatureRefused
from tests.actors import make_employee

pytestmark = pytest.mark.django_db(transaction=True)


def _planner(badge: str) -> Client:
    client = Client()
    client.force_login(make_employee(badge, "planner").user)
    return client


def test_it_withdraws_the_scenarios_of_a_shortage_the_delivery_resolved(
    demo_schedule, clock, django_capture_on_commit_callbacks, run_worker, monkeypatch
):
    from materials.demo import demo_materials_load
    from materials.models import CallOff, ShortageAlert
    from materials.services import call_off_approve, call_off_deliver
    from materials.shortages import shortages_predict

    monkeypatch.setattr(triggers, "TRIGGER_TIME_LIMIT", 0.5)
    released = Plan.objects.get(status=PlanStatus.RELEASED)
    with django_capture_on_commit_callbacks(execute=True):
        demo_materials_load(now=timezone.now())
    alert = ShortageAlert.objects.get(status="open", component__number="NUT-M10-WP")
    run_worker()
    drafts = list(Plan.objects.filter(status=PlanStatus.DRAFT).order_by("rank"))
    assert len(drafts) == 3 and all(p.trigger.startswith("Material short for") for p in drafts)
    assert {p.source for p in drafts} == {f"shortage-alert:{alert.pk}"}
    assert (
        _planner("760001").get(reverse("planning-board")).content.decode().count('data-testid="scenario"')
        == 3
    )

    # The material handler approves the call-off, it arrives, the desk re-evaluates: no shortage any more.
    user = make_employee("760009", "supervisor").user
    call_off = CallOff.objects.get(component__number="NUT-M10-WP", location=alert.location)
    call_off_approve(call_off=call_off, user=user, now=timezone.now())
    call_off_deliver(call_off=call_off, user=user, now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        shortages_predict(now=timezone.now())
    alert.refresh_from_db()
    assert alert.status == "resolved"

    # Off the board, kept with the reason.
    board = _planner("760002").get(reverse("planning-board")).content.decode()
    assert 'data-testid="scenario"' not in board and "Material short for" not in board
    resolved_at = f"{timezone.localtime():%a %H:%M}"
    for plan in drafts:
        plan.refresh_from_db()
        assert plan.status == PlanStatus.WITHDRAWN
        assert plan.withdrawn_reason == f"the NUT-M10-WP shortage at LS-WLD-PW2 was resolved at {resolved_at}"
        assert plan.slots.exists()
    page = _planner("760003").get(reverse("planning-scenario", args=[drafts[0].pk])).content.decode()
    assert 'data-testid="scenario-closed"' in page and "This scenario was withdrawn: the NUT-M10-WP" in page
    assert 'data-testid="sign-release"' not in page

    # Signing one anyway (a page left open) is refused with that reason; nothing is released.
    planner = make_employee("760004", "planner")
    refused = _client_post_sign(planner, drafts[0].pk)
    assert refused.status_code == 422
    assert f"withdrawn: the NUT-M10-WP shortage at LS-WLD-PW2 was resolved at {resolved_at}" in (
        refused.content.decode()
    )
    with pytest.raises(SignatureRefused, match="was resolved at"):
        plan_release(plan=drafts[1], user=planner.user, password="desk-pass-123")
    assert Plan.objects.get(status=PlanStatus.RELEASED).pk == released.pk
    # One audit event per scenario, found on the audit trail by the plan.
    audits = AuditEvent.objects.filter(action="schedule.scenarios_withdrawn").order_by("pk")
    assert [(a.object_type, a.object_id) for a in audits] == [("planning.plan", str(p.pk)) for p in drafts]
    assert all(a.data["source"] == f"shortage-alert:{alert.pk}" for a in audits)
    assert f"What-if scenario {drafts[0].rank}. {drafts[0].label} withdrawn: the NUT-M10-WP shortage" in (
        audits[0].summary
    )
    auditor = Client()
    auditor.force_login(user)
    trail = auditor.get(reverse("audit-trail"), {"object": f"planning.plan#{drafts[1].pk}"}).content.decode()
    assert f"planning.plan#{drafts[1].pk}" in trail and "withdrawn: the NUT-M10-WP shortage" in trail
    assert f"planning.plan#{drafts[0].pk}" not in trail


def _client_post_sign(planner, plan_id: int):
    client = Client()
    client.force_login(planner.user)
    return client.post(reverse("planning-scenario-sign", args=[plan_id]), {"password": "desk-pass-123"})


def test_it_drops_a_queued_run_for_a_shortage_resolved_before_the_worker_came(
    demo_schedule, clock, django_capture_on_commit_callbacks
):
    from planning.models import PlanJob

    job = PlanJob.objects.filter(open=True).first()
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.MATERIAL_SHORTAGE_PREDICTED, alert_id=41, job_number=job.number,
                       available_at="2026-03-11T08:00:00-04:00")  # fmt: skip
        events.publish(events.WORK_CENTER_STATUS_CHANGED, work_center_id=job.part.operations.first().work_center_id,
                       status="Hold", hours=1)  # fmt: skip
    assert DBTaskResult.objects.filter(task_path=SCENARIOS_TASK_PATH, status="READY").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.MATERIAL_SHORTAGE_RESOLVED, alert_id=41, component="NUT-M10-WP",
                       location="LS-WLD-PW2", job_numbers=[job.number], resolved_at=timezone.now().isoformat())  # fmt: skip
    left = DBTaskResult.objects.filter(task_path=SCENARIOS_TASK_PATH, status="READY")
    assert [t.args_kwargs["kwargs"]["summary"].split(" is on Hold")[0] for t in left] == [
        job.part.operations.first().work_center.code
    ]
    [audit] = AuditEvent.objects.filter(action="schedule.scenario_runs_dropped")
    assert audit.object_type == "planning.withdrawnsource" and audit.object_id == str(
        WithdrawnSource.objects.get(source="shortage-alert:41").pk
    )
    assert audit.summary.startswith("1 queued what-if run(s) for shortage-alert:41 dropped: the NUT-M10-WP")
    assert not AuditEvent.objects.filter(action="schedule.scenarios_withdrawn").exists()


def test_it_withdraws_what_a_run_still_solving_for_a_resolved_shortage_posts(
    demo_schedule, clock, django_capture_on_commit_callbacks, run_worker, monkeypatch
):
    """The worker had already picked the run up (too late to drop it from the queue) when the desk resolved the
    shortage: its scenarios are kept withdrawn with the reason, and the planner's own question stays open."""
    from instructions.models import WorkCenter
    from planning.triggers import hold_trigger

    monkeypatch.setattr(triggers, "TRIGGER_TIME_LIMIT", 0.5)
    released = Plan.objects.get(status=PlanStatus.RELEASED)
    job = released.slots.filter(work_center__code="PRS-400").order_by("start").first().job
    question = hold_trigger(
        work_center=WorkCenter.objects.get(code="INS-CMM"), kind="hold", now=timezone.now(), hours=1
    )
    question.hypothetical = True
    asked = whatif.scenarios_generate(question, time_limit=0.5)
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.MATERIAL_SHORTAGE_PREDICTED, alert_id=42, job_number=job.number,
                       available_at=(timezone.now() + datetime.timedelta(hours=30)).isoformat())  # fmt: skip
    real_solve, delivered = whatif.solve, []

    def solve_while_the_desk_resolves(*args, **kwargs):
        if not delivered:  # the worker is solving when the resolved event is delivered
            delivered.append(DBTaskResult.objects.get(task_path=SCENARIOS_TASK_PATH).status)
            with django_capture_on_commit_callbacks(execute=True):
                events.publish(events.MATERIAL_SHORTAGE_RESOLVED, alert_id=42, component="NUT-M10-WP",
                               location="LS-WLD-PW2", job_numbers=[job.number],
                               resolved_at=timezone.now().isoformat())  # fmt: skip
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(whatif, "solve", solve_while_the_desk_resolves)
    run_worker()
    assert delivered == ["RUNNING"]
    late = list(Plan.objects.filter(source="shortage-alert:42").order_by("rank"))
    assert len(late) == 3
    reason = f"the NUT-M10-WP shortage at LS-WLD-PW2 was resolved at {timezone.localtime():%a %H:%M}"
    assert [(p.status, p.withdrawn_reason) for p in late] == [(PlanStatus.WITHDRAWN, reason)] * 3
    assert sorted(Plan.objects.filter(status=PlanStatus.DRAFT).values_list("pk", flat=True)) == sorted(
        p.pk for p in asked
    )
    board = _planner("760101").get(reverse("planning-board")).content.decode()
    assert board.count('data-testid="scenario"') == 3 and "Material short for" not in board
    with pytest.raises(SignatureRefused, match="was resolved at"):
        plan_release(plan=late[0], user=make_employee("760102", "planner").user, password="desk-pass-123")
    audits = AuditEvent.objects.filter(action="schedule.scenarios_withdrawn").order_by("pk")
    assert [a.object_id for a in audits] == [str(p.pk) for p in late]
    assert all("solving when" in a.summary and reason in a.summary for a in audits)
