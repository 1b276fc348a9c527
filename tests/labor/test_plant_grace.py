"""The plant's attendance rule (`Shift.grace_minutes`): late and early against the shift, from the first day."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from labor.models import LaborFlag, Shift
from labor.punch_checks import punches_validate
from tests.labor.conftest import punch

pytestmark = pytest.mark.django_db

M = datetime.timedelta(minutes=1)


def _shifts(grace):
    for code, starts, ends in (("A", 6, 14), ("B", 14, 22), ("C", 22, 6)):
        Shift.objects.create(code=code, name=code, starts=datetime.time(starts), ends=datetime.time(ends),
                             grace_minutes=grace)  # fmt: skip


ATTENDANCE = ["late_arrival", "early_departure", "early_in", "late_in", "early_out", "late_out"]


def _found():
    """The arrival and departure findings (a missed clock-in on another day of the window is not this test's)."""
    return {(f.rule, f.reason) for f in LaborFlag.objects.filter(rule__in=ATTENDANCE)}


@pytest.fixture
def six(plant):
    """06:00 two days ago, the start of shift A for the certified operator (home shift A)."""
    plant.certified.shift = "A"
    plant.certified.save()
    day = timezone.localdate() - datetime.timedelta(days=2)
    return datetime.datetime.combine(day, datetime.time(6), tzinfo=timezone.get_current_timezone())


def _validate(six):
    punches_validate(start=six - datetime.timedelta(hours=6))


def _shift_worked(plant, six, *, grace, late, early):
    """One shift A worked, in `late` after its start and out `early` before its end, checked under `grace`."""
    _shifts(grace=grace)
    wc = plant.station.work_center
    punch(plant.certified, "clock_in", six + late, work_center=wc)
    punch(plant.certified, "clock_out", six + 8 * 60 * M - early, work_center=wc)
    _validate(six)


def test_a_clock_in_after_the_grace_and_a_clock_out_before_it_are_flagged_without_any_history(plant, six):
    _shift_worked(plant, six, grace=5, late=12 * M, early=20 * M)
    assert _found() == {
        ("late_arrival", "Clocked in 12 min late against the shift start; the plant's grace is 5 min."),
        ("early_departure", "Clocked out 20 min early against the shift end; the plant's grace is 5 min."),
    }
    assert LaborFlag.objects.get(rule="late_arrival").rule_label == "Late for the shift (plant grace)"


def test_within_the_grace_nothing_is_flagged(plant, six):
    _shift_worked(plant, six, grace=5, late=5 * M, early=5 * M)
    assert _found() == set()


def _usually_early_today_late(plant, six):
    """Ten days in at about 05:40, today in at 06:10: far from the person's habit, within a 15-minute grace."""
    wc = plant.station.work_center
    for back in range(10, 0, -1):
        start = six - datetime.timedelta(days=back)
        punch(plant.certified, "clock_in", start - (20 - back % 3) * M, work_center=wc)
        punch(plant.certified, "clock_out", start + 8 * 60 * M, work_center=wc)
    punch(plant.certified, "clock_in", six + 10 * M, work_center=wc)
    punch(plant.certified, "clock_out", six + 8 * 60 * M, work_center=wc)


def test_with_a_plant_rule_the_rule_decides_who_is_late_not_the_persons_habit(plant, six):
    _shifts(grace=15)
    _usually_early_today_late(plant, six)
    _validate(six)
    assert _found() == set()


def test_without_a_plant_rule_the_persons_habit_still_flags_it(plant, six):
    _shifts(grace=None)
    _usually_early_today_late(plant, six)
    _validate(six)
    [(rule, reason)] = _found()
    assert rule == "late_in" and "10 min late" in reason and "usually" in reason


def test_a_grace_longer_than_four_hours_is_refused():
    shift = Shift(code="A", name="A", starts=datetime.time(6), ends=datetime.time(14), grace_minutes=241)
    with pytest.raises(ValidationError, match="grace_minutes"):
        shift.full_clean()


def test_the_rule_judges_the_whole_minutes_it_shows(plant, six):
    """20 s late against a grace of 0 read "Clocked in on time … grace is 0 min" as a late arrival (review)."""
    seconds = datetime.timedelta(seconds=1)
    _shift_worked(plant, six, grace=0, late=20 * seconds, early=25 * seconds)
    assert _found() == set()


def test_two_shifts_starting_at_the_same_time_keep_their_own_grace(plant, six):
    """A 06:00-14:00 and a 06:00-18:00 shift: each arrival is judged by its own shift's rule (review finding: the
    rule was looked up by start time, so one shift's grace applied to the other)."""
    Shift.objects.create(
        code="A", name="A", starts=datetime.time(6), ends=datetime.time(14), grace_minutes=15
    )
    Shift.objects.create(
        code="L", name="Long", starts=datetime.time(6), ends=datetime.time(18), grace_minutes=0
    )
    wc = plant.station.work_center
    punch(plant.certified, "clock_in", six + 10 * M, work_center=wc)  # shift A, within its 15 minutes
    punch(plant.certified, "clock_out", six + 8 * 60 * M, work_center=wc)
    _validate(six)
    assert _found() == set()
    plant.certified.shift = "L"
    plant.certified.save()
    _validate(six)  # the same punches for someone on the long shift: 10 min late, no grace
    assert {rule for rule, _reason in _found()} >= {"late_arrival"}
