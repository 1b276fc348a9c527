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
