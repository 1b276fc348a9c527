"""A released schedule reaches Plex through the `schedule_released` event: the plex app queues one sequence
write-back per job after the release commits, and none when the release is rolled back."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from planning.models import Plan, PlanJob, PlanSlot, PlanStatus
from planning.release import plan_release_system
from plex.models import OutboxItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(plant, settings):
    """Two jobs on the test plant's press: JOB-B first, then JOB-A (expedited)."""
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # write-backs queue in the outbox; nothing is sent here
    order = plant.work_order
    center = order.operation.work_center
    center.plex_workcenter_id = "wc-press-1"
    center.save(update_fields=["plex_workcenter_id"])
    now = timezone.now()
    plan = Plan.objects.create(label="Test scenario", origin=now, created_at=now)
    for offset, (number, priority) in enumerate([("JOB-B", 1), ("JOB-A", 3)]):
        job = PlanJob.objects.create(
            number=number,
            part=order.part,
            quantity=5,
            due=now + datetime.timedelta(days=1),
            priority=priority,
        )
        start = now + datetime.timedelta(hours=offset)
        PlanSlot.objects.create(plan=plan, job=job, operation=order.operation, work_center=center,
                                setup_start=start, start=start, end=start + datetime.timedelta(minutes=50))  # fmt: skip
    return plan, order


def test_the_sequence_is_queued_for_plex_after_the_release_commits(
    scenario, django_capture_on_commit_callbacks
):
    plan, order = scenario
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        plan_release_system(plan=plan, reason="test")
        assert not OutboxItem.objects.exists()  # not before the release commits
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RELEASED and plan.version == 1
    items = {item.idempotency_key: item for item in OutboxItem.objects.filter(kind="schedule_sequence")}
    assert set(items) == {"schedule-v1-JOB-A", "schedule-v1-JOB-B"}
    first = items["schedule-v1-JOB-B"].payload
    assert first["jobNo"] == "JOB-B" and first["priority"] == 1 and first["scheduleVersion"] == 1
    assert first["sequence"] == [
        {
            "operation": order.operation.sequence,
            "workcenter": "wc-press-1",
            "position": 1,
            "start": plan.slots.get(job__number="JOB-B").start.isoformat(),
            "end": plan.slots.get(job__number="JOB-B").end.isoformat(),
        }
    ]
    assert items["schedule-v1-JOB-A"].payload["sequence"][0]["position"] == 2
    assert items["schedule-v1-JOB-A"].payload["priority"] == 3


def test_a_rolled_back_release_queues_nothing(scenario, django_capture_on_commit_callbacks):
    plan, _order = scenario
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        plan_release_system(plan=plan, reason="test")
        raise RuntimeError("the surrounding work failed")
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT
    assert not OutboxItem.objects.exists()
