import datetime

import time_machine
from django.utils import timezone

from instructions.models import Station
from labor.models import Absence, AndonCall, FlagStatus, LaborFlag, Punch
from labor.punch_checks import punches_validate
from labor.punch_flags import flag_correct
from tests.actors import make_employee
from tests.labor.conftest import punch

H = datetime.timedelta(hours=1)


def flags(rule):
    return list(LaborFlag.objects.filter(rule=rule))


def test_it_flags_a_clock_out_before_the_clock_in(plant, morning):
    wc = plant.station.work_center
    bad = punch(plant.certified, "clock_out", morning - H, work_center=wc)
    punch(plant.certified, "clock_in", morning, work_center=wc)
    punch(plant.certified, "clock_out", morning + 8 * H, work_center=wc)
    assert punches_validate(start=morning - 2 * H) == 1
    [flag] = flags("clock_out_before_in")
    assert flag.punch == bad and flag.employee == plant.certified and flag.confidence > 0.9
    assert flag.status == FlagStatus.OPEN


def test_it_is_idempotent(plant, morning):
    punch(plant.certified, "clock_out", morning, work_center=plant.station.work_center)
    assert punches_validate(start=morning - H) == 1
    assert punches_validate(start=morning - H) == 0
    assert LaborFlag.objects.count() == 1


def test_it_flags_overlapping_jobs_and_a_job_where_not_clocked_in(plant, morning):
    press, weld = plant.station.work_center, plant.other_station.work_center
    punch(plant.certified, "clock_in", morning, work_center=press)
    punch(plant.certified, "job_on", morning + H, work_center=press, work_order=plant.work_order)
    from instructions.models import WorkOrder

    weld_wo = WorkOrder.objects.create(number="WO-1", barcode="WO-1-20", part=plant.work_order.part,
                                       operation=plant.work_order.part.operations.get(sequence=20), quantity=5)  # fmt: skip
    punch(plant.certified, "job_on", morning + 2 * H, work_center=weld, work_order=weld_wo)
    punches_validate(start=morning - H)
    [overlap] = flags("overlapping_jobs")
    [elsewhere] = flags("job_not_clocked_in")
    assert "WO-1-10" in overlap.reason and "WO-1-20" in overlap.reason
    assert "WLD-T1" in elsewhere.reason and "PRS-T1" in elsewhere.reason


def test_it_flags_labor_on_a_work_center_that_is_down(plant, morning):
    wc = plant.station.work_center
    punch(plant.certified, "clock_in", morning, work_center=wc)
    punch(plant.certified, "job_on", morning + H, work_center=wc, work_order=plant.work_order)
    punch(plant.certified, "job_off", morning + 4 * H, work_center=wc, work_order=plant.work_order)
    punch(plant.certified, "clock_out", morning + 8 * H, work_center=wc)
    AndonCall.objects.create(station=plant.station, work_center=wc, category="maintenance", line_down=True,
                             raised_by=plant.certified, raised_at=morning + 2 * H, resolved_at=morning + 3 * H)  # fmt: skip
    punches_validate(start=morning - H)
    [flag] = flags("labor_on_down_work_center")
    assert "down" in flag.reason and flag.punch.kind == "job_on"


def test_it_flags_labor_on_an_operation_the_employee_is_not_certified_for(plant, morning):
    wc = plant.station.work_center
    for employee in (plant.expired, plant.uncertified, plant.certified):
        punch(employee, "clock_in", morning, work_center=wc)
        punch(employee, "job_on", morning + H, work_center=wc, work_order=plant.work_order)
    punches_validate(start=morning - H)
    flagged = {f.employee: f for f in flags("uncertified")}
    assert set(flagged) == {plant.expired, plant.uncertified}
    assert "expired on" in flagged[plant.expired].reason and flagged[plant.expired].confidence == 1.0


def test_it_flags_a_missed_clock_in_against_the_schedule_but_not_for_an_absence(plant):
    tz = timezone.get_current_timezone()
    day = timezone.localdate() - datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(6), tzinfo=tz)
    present, missing, absent = make_employee("510001"), make_employee("510002"), make_employee("510003")
    for e in (present, missing, absent):
        e.shift = "A"
        e.save()
    Absence.objects.create(employee=absent, first_day=day, last_day=day, reason="vacation")
    punch(present, "clock_in", start - datetime.timedelta(minutes=5), work_center=plant.station.work_center)
    punches_validate(start=start - H, end=start + 9 * H, now=start + 9 * H)
    assert [f.employee for f in flags("missed_clock_in")] == [missing]
    assert "shift A" in flags("missed_clock_in")[0].reason


def test_it_flags_a_clock_in_far_from_the_employees_own_habit(plant):
    tz = timezone.get_current_timezone()
    employee = plant.certified
    employee.shift = "A"
    employee.save()
    today = timezone.localdate()
    wc = plant.station.work_center
    for back in range(10, 0, -1):
        day = today - datetime.timedelta(days=back)
        start = datetime.datetime.combine(day, datetime.time(6), tzinfo=tz)
        late = 80 if back == 1 else (back % 3)
        punch(employee, "clock_in", start + datetime.timedelta(minutes=late - 8), work_center=wc)
        punch(employee, "clock_out", start + 8 * H, work_center=wc)
    punches_validate(
        start=datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)
    )
    [flag] = flags("late_in")
    assert "72 min late" in flag.reason and "usually" in flag.reason


def test_it_corrects_with_a_new_punch_and_keeps_the_original(plant, morning, django_user_model):
    wc = plant.station.work_center
    first = punch(plant.certified, "clock_in", morning, work_center=wc)
    bad = punch(plant.certified, "clock_in", morning + 8 * H, work_center=wc)  # should have been a clock-out
    punches_validate(start=morning - H)
    flag = LaborFlag.objects.get(rule="missed_clock_out", punch=first)
    correction = flag_correct(flag=flag, user=plant.supervisor.user, mode="add", kind="clock_out",
                              at=morning + 8 * H - datetime.timedelta(minutes=1))  # fmt: skip
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CORRECTED and flag.correction == correction
    assert Punch.objects.get(pk=bad.pk).at == morning + 8 * H  # untouched
    assert correction.source == "correction" and correction.recorded_by == plant.supervisor.user
    # removing a punch is itself a new record too
    second = LaborFlag.objects.create(employee=plant.certified, punch=bad, rule="x", key="x", day=flag.day,
                                      confidence=0.5, reason="test")  # fmt: skip
    voiding = flag_correct(flag=second, user=plant.supervisor.user, mode="void", at=None)
    assert voiding.replaces == bad and voiding.voids and Punch.objects.filter(pk=bad.pk).exists()


def test_it_refuses_a_correction_without_a_time_or_in_the_future(plant, morning):
    import pytest

    from labor.errors import LaborError

    flag = LaborFlag.objects.create(employee=plant.certified, rule="missed_clock_in", key="k", day=morning.date(),
                                    confidence=0.7, reason="r")  # fmt: skip
    with pytest.raises(LaborError, match="date and time"):
        flag_correct(flag=flag, user=plant.supervisor.user, mode="add", kind="clock_in", at=None)
    with pytest.raises(LaborError, match="future"):
        flag_correct(flag=flag, user=plant.supervisor.user, mode="add", kind="clock_in",
                     at=timezone.now() + datetime.timedelta(days=1))  # fmt: skip
    with pytest.raises(LaborError, match="no punch"):
        flag_correct(flag=flag, user=plant.supervisor.user, mode="void", at=None)
    assert Punch.objects.count() == 0
    assert Station.objects.exists()


def _habit(employee, wc, tz, days):
    """Ten days of a normal shift A (06:00-14:00, a few minutes either way) before `days[0]`."""
    for back in range(10, 0, -1):
        day = days[0] - datetime.timedelta(days=back)
        start = datetime.datetime.combine(day, datetime.time(6), tzinfo=tz)
        punch(employee, "clock_in", start + datetime.timedelta(minutes=back % 3 - 3), work_center=wc)
        punch(employee, "clock_out", start + 8 * H + datetime.timedelta(minutes=back % 4), work_center=wc)


def _early_late():
    return sorted(LaborFlag.objects.filter(rule__regex=r"^(early|late)_").values_list("rule", flat=True))


def test_a_two_minute_punch_is_never_both_early_and_late(plant):
    """In and out of one clock interval are measured against the same shift: 21:50-21:52 for a shift A employee
    is not 'early' for tomorrow's start and 'late' for today's end at once."""
    tz = timezone.get_current_timezone()
    employee, wc = plant.certified, plant.station.work_center
    employee.shift = "A"
    employee.save()
    day = timezone.localdate() - datetime.timedelta(days=2)
    _habit(employee, wc, tz, [day])
    at = datetime.datetime.combine(
        day, datetime.time(21, 50), tzinfo=tz
    )  # nearer today's end than tomorrow's start
    punch(employee, "clock_in", at, work_center=wc)
    punch(employee, "clock_out", at + datetime.timedelta(minutes=2), work_center=wc)
    punches_validate(start=datetime.datetime.combine(day, datetime.time(0), tzinfo=tz))
    found = _early_late()
    assert found and len({rule.split("_")[0] for rule in found}) == 1, found


def test_a_short_punch_inside_the_shift_is_not_early_or_late(plant):
    """Out at 10:00 and back in at 10:02 (a re-clock) and a lone two-minute punch inside the shift are neither a
    late arrival nor an early departure: only the shift's first clock-in and last clock-out are measured."""
    tz = timezone.get_current_timezone()
    employee, wc = plant.certified, plant.station.work_center
    employee.shift = "A"
    employee.save()
    first = timezone.localdate() - datetime.timedelta(days=3)
    second = first + datetime.timedelta(days=1)
    _habit(employee, wc, tz, [first])
    six = datetime.datetime.combine(first, datetime.time(6), tzinfo=tz)
    for at, kind in ((0, "clock_in"), (4 * 60, "clock_out"), (4 * 60 + 2, "clock_in"), (8 * 60, "clock_out")):
        punch(employee, kind, six + datetime.timedelta(minutes=at), work_center=wc)
    ten = datetime.datetime.combine(second, datetime.time(10), tzinfo=tz)
    punch(employee, "clock_in", ten, work_center=wc)
    punch(employee, "clock_out", ten + datetime.timedelta(minutes=2), work_center=wc)
    punches_validate(start=datetime.datetime.combine(first, datetime.time(0), tzinfo=tz))
    assert _early_late() == []


def test_a_clock_in_still_open_is_an_arrival_for_the_shift_about_to_start(plant):
    """A 05:50 clock-in with no clock-out yet, by an employee with no home shift, arrives for the 06:00 shift: it
    is not 'late' by 470 minutes for the night shift that started at 22:00 and is still running (review finding:
    the open clock-in was a zero-length interval, which the running shift contains)."""
    tz = timezone.get_current_timezone()
    employee, wc = plant.certified, plant.station.work_center
    employee.shift = ""
    employee.save()
    day = timezone.localdate() - datetime.timedelta(days=2)
    _habit(employee, wc, tz, [day])
    punch(
        employee, "clock_in", datetime.datetime.combine(day, datetime.time(5, 50), tzinfo=tz), work_center=wc
    )
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(5, 55), tzinfo=tz), tick=False):
        punches_validate(start=datetime.datetime.combine(day, datetime.time(0), tzinfo=tz))  # 5 min after it
    assert _early_late() == [] and not LaborFlag.objects.exists()
