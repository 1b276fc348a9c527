"""Demo week → trigger → three scenarios → signed release → versions, audit, outbox, station next jobs."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from instructions.models import Station, WorkCenter
from planning import selectors
from planning.models import Downtime, Plan, PlanJob, PlanStatus
from planning.release import plan_release
from planning.triggers import hold_record
from planning.whatif import Trigger, scenarios_generate
from plex.models import OutboxItem
from plexcopilot import events
from plexcopilot.models import AuditEvent, Employee
from plexcopilot.signatures import SignatureRefused
from tests.actors import make_employee

pytestmark = pytest.mark.django_db(transaction=True)


def _hold(hours=8, code="PRS-400"):
    now = timezone.now() + datetime.timedelta(hours=7)  # Monday 07:20, first shift running
    trigger = hold_record(work_center=WorkCenter.objects.get(code=code), kind="hold", now=now, hours=hours)
    return now, scenarios_generate(trigger, now=now, time_limit=1.5)


def test_demo_week_is_scheduled_and_released(demo_schedule):
    plan = selectors.plan_released()
    assert plan.version == 1 and plan.status == PlanStatus.RELEASED
    assert demo_schedule["slots"] == 2 * PlanJob.objects.count()
    assert Downtime.objects.filter(kind="pm").count() == 1
    pm = Downtime.objects.get(kind="pm")
    for slot in plan.slots.filter(work_center=pm.work_center):
        assert slot.end <= pm.start or slot.setup_start >= pm.end
    assert plan.slots.filter(start__gt=models_F("setup_start")).exists()  # setup blocks exist
    # Both shifts have certified press, weld and assembly crews: the week is made on time (with presses and the
    # projection welder staffed on the day shift only it was 11-12 late jobs and ~1100 h).
    assert plan.kpis["late_jobs"] == 0, plan.kpis


@pytest.mark.parametrize(
    ("loaded", "first", "last"),
    [
        ("2026-03-12T10:00", datetime.date(2026, 3, 13), datetime.date(2026, 3, 19)),  # Thursday morning
        ("2026-03-13T15:00", datetime.date(2026, 3, 17), datetime.date(2026, 3, 23)),  # Friday afternoon
    ],
)
def test_demo_week_is_due_on_working_days_with_a_working_day_to_start(settings, loaded, first, last):
    """Never due on the closed weekend; loaded on an afternoon the week starts the next working day."""
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"
    from instructions.demo import demo_plant_load
    from planning.demo import demo_schedule_load

    at = datetime.datetime.fromisoformat(loaded).replace(tzinfo=timezone.get_current_timezone())
    with time_machine.travel(at, tick=False):
        demo_plant_load()
        # The solver stops as soon as it proves the plan optimal (about 1.5 s on an idle core for the Thursday
        # load, where the dispatching rule leaves 6 jobs late); the budget is for a loaded CI machine.
        demo_schedule_load(time_limit=15)
    dues = [timezone.localtime(job.due) for job in PlanJob.objects.all()]
    assert all(due.weekday() < 5 for due in dues), dues
    assert min(dues).date() == first and max(dues).date() == last
    assert selectors.plan_released().kpis["late_jobs"] == 0


def models_F(name):
    from django.db.models import F

    return F(name)


def test_hold_gives_three_ranked_scenarios_that_keep_started_work(demo_schedule, clock):
    base = selectors.plan_released()
    now, plans = _hold()
    assert [p.rank for p in plans] == [1, 2, 3]
    assert {p.kpis["strategy"] for p in plans} == {"repair", "alternatives", "resequence"}
    keys = [(p.kpis["tardiness_h"], p.kpis["late_jobs"], p.kpis["moved"]) for p in plans]
    assert keys == sorted(keys)
    for plan in plans:
        assert "PRS-400 is on Hold" in plan.rationale and plan.kpis["today"]
        hold = Downtime.objects.get(kind="hold")
        for slot in plan.slots.filter(work_center=hold.work_center):
            assert slot.end <= hold.start or slot.setup_start >= hold.end
        started = {(s.job_id, s.operation_id): s for s in plan.slots.filter(started=True)}
        for slot in base.slots.filter(start__lt=now):
            same = started.get((slot.job_id, slot.operation_id))
            if same is not None:
                assert same.start == slot.start and same.work_center_id == slot.work_center_id
    repair = next(p for p in plans if p.kpis["strategy"] == "repair")
    assert repair.kpis["moved"] == 0


def test_release_needs_the_signers_password_and_is_versioned_audited_and_written_back(demo_schedule, clock):
    planner = make_employee("800001", "planner", first="Pat")
    operator = make_employee("100999", "operator")
    _now, plans = _hold()
    best = plans[0]
    with pytest.raises(SignatureRefused):
        plan_release(plan=best, user=planner.user, password="wrong")
    with pytest.raises(SignatureRefused):
        plan_release(plan=best, user=operator.user, password="desk-pass-123")
    assert AuditEvent.objects.filter(action="schedule.release_refused").count() == 2
    released = []
    events.subscribe(events.SCHEDULE_RELEASED, lambda **kw: released.append(kw))
    plan = plan_release(plan=best, user=planner.user, password="desk-pass-123")
    assert plan.version == 2 and plan.status == PlanStatus.RELEASED and plan.signature_method == "password"
    assert Plan.objects.get(version=1).status == PlanStatus.SUPERSEDED
    assert all(Plan.objects.get(pk=p.pk).status == PlanStatus.DISCARDED for p in plans[1:])
    audit = AuditEvent.objects.filter(action="schedule.release").latest("id")
    assert audit.data["version"] == 2 and audit.data["content_hash"] == plan.content_hash
    items = OutboxItem.objects.filter(kind="schedule_sequence", idempotency_key__startswith="schedule-v2-")
    assert items.count() == PlanJob.objects.filter(open=True).count()
    assert released and released[-1]["version"] == 2
    with pytest.raises(SignatureRefused):  # a second signer cannot release the discarded alternatives
        plan_release(plan=plans[1], user=planner.user, password="desk-pass-123")


def test_station_next_jobs_follow_the_released_plan(demo_schedule, clock):
    station = Station.objects.get(code="ST-PRS-400")
    released = selectors.plan_released()
    before = [s.job.number for s in selectors.next_jobs_for_station(station)]
    assert (
        before
        == [
            s.job.number
            for s in released.slots.filter(work_center=station.work_center, end__gt=timezone.now())
        ][:3]
    )
    planner = make_employee("800001", "planner", first="Pat")
    _now, plans = _hold()
    moved = next(p for p in plans if p.kpis["strategy"] == "alternatives")
    plan_release(plan=moved, user=planner.user, password="desk-pass-123")
    after = [s.job.number for s in selectors.next_jobs_for_station(station)]
    expected = [
        s.job.number for s in moved.slots.filter(work_center=station.work_center, end__gt=timezone.now())
    ][:3]
    # The list follows whichever plan is released now (the solver under a 1.5 s limit may or may not reorder
    # this work center's first three jobs, so the lists are compared with each plan, not with each other).
    assert after == expected
    assert selectors.plan_released().pk == moved.pk != released.pk


def test_events_trigger_scenarios(demo_schedule, clock, django_capture_on_commit_callbacks, run_worker):
    from planning import triggers

    triggers.TRIGGER_TIME_LIMIT = 1.0
    wc = WorkCenter.objects.get(code="WLD-PW2")
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(events.WORK_CENTER_STATUS_CHANGED, work_center_id=wc.pk, status="Hold", hours=2)
    run_worker()
    assert Plan.objects.filter(status=PlanStatus.DRAFT).count() == 3
    assert "WLD-PW2 is on Hold" in Plan.objects.filter(status=PlanStatus.DRAFT).first().trigger
    job = PlanJob.objects.first()
    available = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(
            events.MATERIAL_SHORTAGE_PREDICTED, job_number=job.number, available_at=available.isoformat()
        )
    job.refresh_from_db()
    assert job.material_ready_at == available  # recorded at once; the scenarios follow from the worker
    run_worker()
    # the Hold's scenarios stay open beside the shortage's (each trigger its own set)
    assert Plan.objects.filter(status=PlanStatus.DRAFT, trigger__startswith="WLD-PW2 is on Hold").count() == 3
    drafts = Plan.objects.filter(status=PlanStatus.DRAFT, trigger__startswith="Material short")
    assert drafts.count() == 3
    for plan in drafts:
        for slot in plan.slots.filter(job=job):
            assert slot.setup_start >= available


def test_rush_order_and_absence_triggers(demo_schedule, clock):
    from instructions.models import Part

    PlanJob.objects.create(number="RUSH-1", part=Part.objects.get(number="HSG-3315"), quantity=40, priority=3,
                           due=timezone.now() + datetime.timedelta(hours=20))  # fmt: skip
    plans = scenarios_generate(Trigger(kind="rush", summary="Rush order RUSH-1"), time_limit=1.0)
    assert all(p.slots.filter(job__number="RUSH-1").count() == 2 for p in plans)
    absent = Employee.objects.filter(certifications__certification_type__code="CNC-OP").values_list(
        "pk", flat=True
    )
    plans = scenarios_generate(Trigger(kind="absence", summary="CNC operators absent", absent_ids=set(absent)),
                               time_limit=1.0)  # fmt: skip
    assert len(plans) == 3
