"""Time on several jobs at once is shared among them; overtime is judged on attended time, not summed job time."""

import pytest
from django.test import Client

from instructions.models import WorkOrder
from labor.models import Punch, PunchKind, PunchSource
from labor_analytics.costs import job_cost_update

from .conftest import at


def _punch(employee, kind, when, work_order=None):
    return Punch.objects.create(employee=employee, kind=kind, at=when, work_order=work_order,
                                source=PunchSource.IMPORT)  # fmt: skip


def _second_order(plant) -> WorkOrder:
    return WorkOrder.objects.create(number="WO-24128", barcode="WO-24128", part=plant.work_order.part,
                                    operation=plant.work_order.operation, quantity=100)  # fmt: skip


def test_overlapping_job_ons_share_the_time_and_make_no_phantom_overtime(plant, clock):
    """The walkthrough's Emily Brooks: clocked 14:00–22:04 (8.1 h), on one job 14:10–21:54 and on a second from
    15:00 with no job-off. Both were costed in full: 14.8 job hours, 6.8 h of it overtime."""
    first, second = plant.work_order, _second_order(plant)
    person = plant.certified
    _punch(person, PunchKind.CLOCK_IN, at(2, 14))
    _punch(person, PunchKind.JOB_ON, at(2, 14, 10), first)
    _punch(person, PunchKind.JOB_ON, at(2, 15), second)
    _punch(person, PunchKind.JOB_OFF, at(2, 21, 54), first)
    _punch(person, PunchKind.CLOCK_OUT, at(2, 22, 4))  # ends the job-on that had no job-off
    a, b = job_cost_update(first), job_cost_update(second)
    shared = (6 * 60 + 54) / 60 / 2  # 15:00–21:54, half each
    assert a.actual_hours == pytest.approx(50 / 60 + shared)
    assert b.actual_hours == pytest.approx(shared + 10 / 60)
    assert a.actual_hours + b.actual_hours <= (8 * 60 + 4) / 60
    # Paid time is the shift's 14:00–22:00 plus the job time after it: only 22:00–22:04 is past 8 hours.
    assert a.overtime_hours == 0
    assert b.overtime_hours == pytest.approx(4 / 60)

    client = Client()
    client.force_login(plant.supervisor.user)
    page = client.get(
        f"/labor/analytics/timecards/{person.pk}/{at(2, 0).date().isoformat()}/"
    ).content.decode()
    assert "Shared with WO-24128 op" in page and "15:00–21:54, while both were on: half the time each" in page


def test_an_early_job_on_belongs_to_the_shift_clocked_in_for_not_to_yesterdays(plant, clock):
    """Clocked in 05:50 and on the job at 05:59 for the 06:00 shift: 05:59 falls in the night shift of the day
    before, which put it on the same plant day as yesterday's day-shift job (16 h: 8 h of phantom overtime)."""
    wo, person = plant.work_order, plant.certified
    for day, job_on in ((3, 6), (2, 5)):
        _punch(person, PunchKind.CLOCK_IN, at(day, 5, 50))
        _punch(person, PunchKind.JOB_ON, at(day, job_on, 59 if job_on == 5 else 0), wo)
        _punch(person, PunchKind.JOB_OFF, at(day, 13, 52), wo)
        _punch(person, PunchKind.CLOCK_OUT, at(day, 14, 2))
    cost = job_cost_update(wo)
    assert cost.actual_hours == pytest.approx(7 + 52 / 60 + 7 + 53 / 60)
    assert cost.overtime_hours == 0


def test_a_real_double_shift_is_still_overtime(plant, clock):
    wo, person = plant.work_order, plant.certified
    _punch(person, PunchKind.CLOCK_IN, at(2, 5, 55))
    _punch(person, PunchKind.JOB_ON, at(2, 6), wo)
    _punch(person, PunchKind.JOB_OFF, at(2, 18), wo)
    _punch(person, PunchKind.CLOCK_OUT, at(2, 18, 5))
    cost = job_cost_update(wo)
    assert cost.actual_hours == pytest.approx(12) and cost.overtime_hours == pytest.approx(4)


def test_a_missed_clock_out_does_not_put_the_next_days_work_on_the_day_before(plant, clock):
    """Review finding: clocked in Monday 06:00 and never out; the station refuses Tuesday's clock-in ("already
    clocked in") but takes Tuesday's job-on, which went on Monday's plant day: 7.9 h of overtime."""
    wo, person = plant.work_order, plant.certified
    _punch(person, PunchKind.CLOCK_IN, at(3, 6))
    _punch(person, PunchKind.JOB_ON, at(3, 6, 5), wo)
    _punch(person, PunchKind.JOB_OFF, at(3, 13, 55), wo)
    _punch(person, PunchKind.JOB_ON, at(2, 6, 5), wo)  # Tuesday, no clock-in accepted
    _punch(person, PunchKind.JOB_OFF, at(2, 13, 55), wo)
    _punch(person, PunchKind.CLOCK_OUT, at(2, 14))
    cost = job_cost_update(wo)
    assert cost.actual_hours == pytest.approx(2 * (7 + 50 / 60))
    assert cost.overtime_hours == 0


@pytest.mark.parametrize(
    ("clock_in", "job", "expected_shift"),
    [
        ((10, 5), ((10, 10), (13, 55)), "A"),  # a transfer mid-shift stays in shift A (was made shift B)
        ((6, 20), ((6, 25), (13, 55)), "A"),  # a late arrival
        ((13, 50), ((14, 0), (21, 55)), "B"),  # early for shift B: shift B
    ],
)
def test_a_clock_in_is_for_the_shift_running_then_unless_one_starts_within_the_hour(
    plant, clock, clock_in, job, expected_shift
):
    """Review finding: a transfer's clock-in at 10:05 was taken for shift B (its start is nearer than A's), so the
    afternoon premium was charged and 10:05–14:00 fell out of the attended time."""
    from labor_analytics.intervals import job_spans

    wo, person = plant.work_order, plant.certified
    _punch(person, PunchKind.CLOCK_IN, at(2, *clock_in))
    _punch(person, PunchKind.JOB_ON, at(2, *job[0]), wo)
    _punch(person, PunchKind.JOB_OFF, at(2, *job[1]), wo)
    _punch(person, PunchKind.CLOCK_OUT, at(2, job[1][0], job[1][1] + 3))
    (span,) = job_spans(employee_ids=[person.pk])
    assert span.shift == expected_shift and span.overtime_hours == 0


def test_a_night_shift_transfer_after_midnight_stays_on_the_nights_plant_day(plant, clock):
    from labor_analytics.intervals import job_spans

    wo, person = plant.work_order, plant.certified
    _punch(person, PunchKind.CLOCK_IN, at(3, 21, 55))
    _punch(person, PunchKind.CLOCK_OUT, at(2, 2, 30))  # transfer: out and in again at once
    _punch(person, PunchKind.CLOCK_IN, at(2, 2, 30))
    _punch(person, PunchKind.JOB_ON, at(2, 2, 35), wo)
    _punch(person, PunchKind.JOB_OFF, at(2, 5, 55), wo)
    _punch(person, PunchKind.CLOCK_OUT, at(2, 6))
    (span,) = job_spans(employee_ids=[person.pk])
    assert span.shift == "C" and span.day == at(3, 0).date() and span.overtime_hours == 0
