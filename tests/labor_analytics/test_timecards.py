import datetime

import pytest
from django.db import transaction
from django.test import Client

from instructions.models import Operation, WorkOrder
from labor.models import Punch, PunchKind, PunchSource, ScheduledJob
from labor_analytics.misapplied import job_code, misapplied_learn, timecard_suspects
from labor_analytics.models import TimecardApproval
from labor_analytics.timecards import TimecardError, timecard_approve
from plex.models import OutboxItem
from plexcopilot.models import AuditEvent

from .conftest import at


def _p(employee, kind, when, wo=None, **extra):
    return Punch.objects.create(employee=employee, kind=kind, at=when, work_order=wo,
                                work_center_id=wo.operation.work_center_id if wo else extra.pop("wc", None),
                                source=extra.pop("source", PunchSource.IMPORT), **extra)  # fmt: skip


@pytest.fixture
def codes(plant):
    """Two work orders of neighbouring codes; on shift A the first is often booked when the second was meant."""
    wo10 = plant.work_order
    op20 = Operation.objects.create(part=wo10.part, sequence=wo10.operation.sequence + 70, name="Weld",
                                    work_center=plant.other_station.work_center)  # fmt: skip
    wo20 = WorkOrder.objects.create(
        number="WO-T2", barcode="WO-T2-20", part=wo10.part, operation=op20, quantity=10
    )
    for back in range(3, 23):  # 20 past job-ons on shift A, 8 recoded to op 20
        on = _p(plant.certified, PunchKind.JOB_ON, at(back, 7), wo10)
        off = _p(plant.certified, PunchKind.JOB_OFF, at(back, 9), wo10)
        if back % 5 < 2:
            for original in (on, off):
                _p(
                    plant.certified,
                    original.kind,
                    original.at,
                    wo20,
                    source=PunchSource.CORRECTION,
                    replaces=original,
                )
    for back in range(3, 13):  # shift A op 20: never corrected
        _p(plant.expert, PunchKind.JOB_ON, at(back, 10), wo20)
    return wo10, wo20


def test_learns_per_shift_and_code_from_later_corrections(codes, clock):
    wo10, wo20 = codes
    learned = misapplied_learn()
    stats = learned.get("A", job_code(wo10))
    assert (stats.booked, stats.recoded) == (20, 8)
    assert stats.to.most_common(1)[0][0] == job_code(wo20)
    assert learned.get("A", job_code(wo20)).recoded == 0
    assert stats.rate(learned.plant_rate) > learned.get("A", job_code(wo20)).rate(learned.plant_rate)
    assert learned.get("B", job_code(wo10)).booked == 0  # another shift learns separately


def test_timecard_shows_likely_misapplications_first_with_reasons(plant, codes, clock):
    wo10, wo20 = codes
    day = at(1, 0).date()
    ScheduledJob.objects.create(day=day, shift="A", work_order=wo20)
    _p(plant.trainee, PunchKind.CLOCK_IN, at(1, 6), wc=wo10.operation.work_center_id)
    _p(plant.trainee, PunchKind.JOB_ON, at(1, 6, 10), wo20)
    _p(plant.trainee, PunchKind.JOB_OFF, at(1, 8), wo20)
    _p(plant.trainee, PunchKind.JOB_ON, at(1, 8, 10), wo10)
    _p(plant.trainee, PunchKind.JOB_OFF, at(1, 12), wo10)
    suspects = timecard_suspects(employee_id=plant.trainee.pk, day=day, learned=misapplied_learn())
    assert [s.code for s in suspects] == [job_code(wo10), job_code(wo20)]
    top = suspects[0]
    assert top.suggestion == wo20
    assert any("8 of 21 job-ons" in r for r in top.reasons), top.reasons  # 20 past + this one
    assert any("not on shift A's schedule" in r for r in top.reasons), top.reasons
    assert top.job_off is not None and top.job_off.at == at(1, 12)


def test_approval_recodes_with_correction_punches_and_writes_back_to_plex(plant, codes, clock, settings,
                                                                         django_capture_on_commit_callbacks):  # fmt: skip
    settings.PLEX_BASE_URL = "http://plex.invalid"
    wo10, wo20 = codes
    day = at(1, 0).date()
    on = _p(plant.trainee, PunchKind.JOB_ON, at(1, 8), wo10)
    _p(plant.trainee, PunchKind.JOB_OFF, at(1, 11), wo10)
    suspect = timecard_suspects(employee_id=plant.trainee.pk, day=day, learned=misapplied_learn())[0]
    with django_capture_on_commit_callbacks(execute=True):
        approval = timecard_approve(employee=plant.trainee, day=day, user=plant.supervisor.user,
                                    recodes=[(suspect, wo20)])  # fmt: skip
    corrections = Punch.objects.filter(source=PunchSource.CORRECTION, employee=plant.trainee)
    assert {(c.kind, c.work_order_id, c.replaces_id is not None) for c in corrections} == {
        (PunchKind.JOB_ON, wo20.pk, True), (PunchKind.JOB_OFF, wo20.pk, True)}  # fmt: skip
    assert Punch.objects.get(pk=on.pk).work_order_id == wo10.pk  # the original stays as it was
    item = OutboxItem.objects.get(kind="labor_correction")
    assert item.idempotency_key == f"labor-recode:{on.pk}"
    assert wo10.number in item.payload["body"] and wo20.number in item.payload["body"]
    assert AuditEvent.objects.filter(action="labor.timecard_approved", object_id=str(approval.pk)).exists()
    with pytest.raises(TimecardError):
        timecard_approve(employee=plant.trainee, day=day, user=plant.supervisor.user, recodes=[])


def test_the_plex_write_back_follows_the_commit_and_never_a_rollback(plant, codes, clock, settings,
                                                                    django_capture_on_commit_callbacks):  # fmt: skip
    settings.PLEX_BASE_URL = "http://plex.invalid"
    wo10, wo20 = codes
    day = at(1, 0).date()
    on = _p(plant.trainee, PunchKind.JOB_ON, at(1, 8), wo10)
    _p(plant.trainee, PunchKind.JOB_OFF, at(1, 11), wo10)
    suspect = timecard_suspects(employee_id=plant.trainee.pk, day=day, learned=misapplied_learn())[0]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        timecard_approve(
            employee=plant.trainee, day=day, user=plant.supervisor.user, recodes=[(suspect, wo20)]
        )
        raise RuntimeError("the surrounding work failed")
    assert not TimecardApproval.objects.exists() and not OutboxItem.objects.exists()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        timecard_approve(
            employee=plant.trainee, day=day, user=plant.supervisor.user, recodes=[(suspect, wo20)]
        )
        assert not OutboxItem.objects.exists()  # not before the approval commits
    item = OutboxItem.objects.get(kind="labor_correction")
    assert item.idempotency_key == f"labor-recode:{on.pk}"
    trainee = plant.trainee
    assert item.payload == {
        "title": f"Labor correction: {trainee.full_name} {day}",
        "body": f"Employee {trainee.badge_id} ({trainee.plex_employee_id or 'no Plex id'}), "
        f"{suspect.punch.at.isoformat()} – {suspect.job_off.at.isoformat()}: job {wo10.number} ({job_code(wo10)}) "
        f"→ {wo20.number} ({job_code(wo20)}). Approved by {plant.supervisor.user.get_username()}.",
        "reference": f"labor-recode:{on.pk}",
        "activity_type": "Labor",
    }


def test_timecard_pages_supervisor_only(plant, codes, clock):
    day = at(1, 0).date()
    _p(plant.trainee, PunchKind.JOB_ON, at(1, 8), codes[0])
    client = Client()
    client.force_login(plant.supervisor.user)
    listing = client.get("/labor/analytics/timecards/")
    assert listing.status_code == 200 and plant.trainee.full_name in listing.content.decode()
    url = f"/labor/analytics/timecards/{plant.trainee.pk}/{day.isoformat()}/"
    page = client.get(url)
    assert page.status_code == 200 and "Approve timecard" in page.content.decode()
    assert client.post(url, {}).status_code == 302
    assert TimecardApproval.objects.filter(employee=plant.trainee, day=day).exists()
    assert client.get(f"/labor/analytics/timecards/{plant.trainee.pk}/not-a-day/").status_code == 404
    for who in (plant.certified, plant.quality):
        other = Client()
        other.force_login(who.user)
        assert other.get(url).status_code == 403
        assert other.get("/labor/analytics/timecards/").status_code == 403


def test_day_boundary_is_the_shift_day_not_the_calendar_day(plant, codes, clock):
    """A night-shift job-on after midnight belongs to the day its shift started (Monday 00:20 here)."""
    day = at(1, 0).date()
    _p(plant.trainee, PunchKind.JOB_ON, at(0, 0, 5), codes[0])
    suspects = timecard_suspects(employee_id=plant.trainee.pk, day=day, learned=misapplied_learn())
    assert len(suspects) == 1
    assert timecard_suspects(employee_id=plant.trainee.pk, day=day + datetime.timedelta(days=1),
                             learned=misapplied_learn()) == []  # fmt: skip
