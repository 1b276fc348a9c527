"""Limits read from the database: certified operators per shift (labor's shifts) and plant-wide utility caps."""

import datetime

import pytest
from django.utils import timezone

from instructions.models import Operation, Part, WorkCenter
from labor.models import Absence, EmployeeCertification
from planning.limits import operator_capacity, utilities
from planning.models import PlanJob, UtilityDraw, UtilityLimit
from planning.problem import build_problem, plan_origin
from planning.solver import solve
from plexcopilot.models import CertificationType
from tests.actors import make_employee

pytestmark = pytest.mark.django_db


def _certified(badge: str, shift: str, cert: CertificationType):
    employee = make_employee(badge)
    employee.shift = shift
    employee.save()
    EmployeeCertification.objects.create(
        employee=employee, certification_type=cert, level="certified",
        valid_until=timezone.localdate() + datetime.timedelta(days=90),
    )  # fmt: skip
    return employee


def test_operators_are_counted_per_shift(clock):
    """Default shifts A 06-14, B 14-22, C 22-06; the plan starts Monday 00:20. Two certified people on A, one
    on B, one on C who is absent on Monday, and one with no shift pattern (counted at every hour)."""
    cert = CertificationType.objects.create(code="CNC-T", name="CNC")
    first_a = _certified("600001", "A", cert)
    _certified("600002", "A", cert)
    _certified("600003", "B", cert)
    night = _certified("600004", "C", cert)
    _certified("600005", "", cert)
    monday = timezone.localdate()
    Absence.objects.create(employee=night, first_day=monday, last_day=monday)
    origin = plan_origin()
    end = origin + datetime.timedelta(days=1)
    base, steps = operator_capacity(origin, end, ["CNC-T"])
    assert base == {"CNC-T": 1}
    assert steps["CNC-T"][:5] == [
        (-1400, -140, 1),  # Sunday (23 h: the spring change) before its night shift: the floater
        (-140, 340, 2),  # Sunday's night shift, still running: the C operator was not absent on Sunday
        (340, 820, 3),  # Monday A
        (820, 1300, 2),  # Monday B
        (1300, 2860, 1),  # Monday night: its operator is absent, only the floater is left, then Tuesday
    ]
    _, without = operator_capacity(origin, end, ["CNC-T"], absent_ids={first_a.pk})
    assert without["CNC-T"][1] == (-140, 1300, 2)  # A now has one: three steps of two merge into one


def test_utility_limits_become_an_all_day_cap_and_peak_windows(clock):
    press = WorkCenter.objects.create(code="PRS-U", name="Press")
    UtilityDraw.objects.create(work_center=press, utility="kW", amount=120)
    UtilityLimit.objects.create(utility="kW", cap=400)
    UtilityLimit.objects.create(
        utility="kW", cap=150, window_start=datetime.time(14), window_end=datetime.time(18)
    )
    origin = plan_origin()
    found = utilities(origin, origin + datetime.timedelta(days=1))
    assert set(found) == {"kW"}
    assert found["kW"].draw == {"PRS-U": 120} and found["kW"].cap == 400
    assert (820, 1060, 150) in found["kW"].windows  # Monday 14:00-18:00, from 00:20


def test_a_utility_cap_keeps_two_work_centers_from_running_together(clock):
    """Two jobs on two presses that draw 120 kW each: with a 200 kW cap they run one after the other."""
    due = timezone.now() + datetime.timedelta(days=2)
    for n in (1, 2):
        wc = WorkCenter.objects.create(code=f"PRS-U{n}", name=f"Press {n}")
        part = Part.objects.create(number=f"UP-{n}", revision="A", name=f"Bracket {n}")
        Operation.objects.create(part=part, sequence=10, name="Stamp", work_center=wc)
        PlanJob.objects.create(number=f"J-U{n}", part=part, quantity=60, due=due)
        UtilityDraw.objects.create(work_center=wc, utility="kW", amount=120)
    origin = plan_origin()
    free, _ = build_problem(origin)
    together = solve(free, time_limit=3, workers=1).assignments
    assert [a.start for a in together.values()] == [0, 0]
    UtilityLimit.objects.create(utility="kW", cap=200)
    capped, _ = build_problem(origin)
    apart = sorted(
        (a.setup_start, a.end) for a in solve(capped, time_limit=3, workers=1).assignments.values()
    )
    assert apart[0][1] <= apart[1][0]


def test_people_without_a_shift_pattern_are_counted_day_by_day(clock):
    """A floater (no shift pattern) holds CNC-F until Thursday and is absent on Tuesday. Counted as on the
    plan's first day (Monday) all week, they used to run Tuesday's and Friday's work; now each calendar day
    counts them only if they are valid and present that day."""
    cert = CertificationType.objects.create(code="CNC-F", name="CNC")
    floater = _certified("600009", "", cert)
    monday = timezone.localdate()
    EmployeeCertification.objects.filter(employee=floater).update(
        valid_until=monday + datetime.timedelta(days=3)
    )
    tuesday = monday + datetime.timedelta(days=1)
    Absence.objects.create(employee=floater, first_day=tuesday, last_day=tuesday)
    origin = plan_origin()
    base, steps = operator_capacity(origin, origin + datetime.timedelta(days=5), ["CNC-F"])
    assert base == {"CNC-F": 1}  # past the horizon: as on the first day
    assert steps["CNC-F"] == [
        (-1400, 1420, 1),  # Sunday (23 h, the spring change) and Monday
        (1420, 2860, 0),  # Tuesday: absent
        (2860, 5740, 1),  # Wednesday and Thursday
        (5740, 8620, 0),  # Friday and Saturday: the certification has expired
    ]
    wc = WorkCenter.objects.create(code="CNC-F1", name="CNC")
    part = Part.objects.create(number="P-CNC-F", revision="A", name="Shaft")
    Operation.objects.create(part=part, sequence=10, name="Turn", work_center=wc, required_certification=cert)
    PlanJob.objects.create(number="J-F", part=part, quantity=60, due=timezone.now() + datetime.timedelta(days=4),
                           material_ready_at=timezone.now() + datetime.timedelta(hours=25))  # fmt: skip
    problem, _ = build_problem(origin)
    assert solve(problem, time_limit=2, workers=1).assignments["J-F", 10].start == 2860  # Wednesday 00:00
