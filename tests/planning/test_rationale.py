"""The what-if rationale names the limits that held work back: a shift's certified operators, a utility cap."""

import datetime

import pytest
from django.utils import timezone

from instructions.models import Operation, Part, WorkCenter
from labor.models import EmployeeCertification
from planning.capacity import Utility
from planning.feasibility import binding_limits
from planning.models import PlanJob, UtilityDraw, UtilityLimit
from planning.solver import Assignment, Problem, Task
from planning.whatif import Trigger, scenarios_generate
from plexcopilot.models import CertificationType
from tests.actors import make_employee


def test_it_finds_the_operator_shift_and_the_utility_window_that_held_work_back():
    """J1 waits for the one welder (both robots free); J3 waits for the 60 kW peak budget; J4 waits for its
    machine, which is no limit of operators or utilities."""
    tasks = [
        Task("J0", 10, {"R0": 100}, certification="weld"),
        Task("J1", 10, {"R1": 100}, certification="weld"),
        Task("J2", 10, {"P0": 50}),
        Task("J3", 10, {"P1": 50}),
        Task("J4", 10, {"P0": 50}),
    ]
    problem = Problem(
        tasks,
        operators={"weld": 0},
        operator_shifts={"weld": [(0, 480, 1)]},
        utilities={"kW": Utility({"P0": 60, "P1": 60}, cap=200, windows=[(0, 300, 60)])},
        horizon=480,
    )
    plan = {
        ("J0", 10): Assignment("R0", 0, 0, 100),
        ("J1", 10): Assignment("R1", 100, 100, 200),
        ("J2", 10): Assignment("P0", 0, 0, 50),
        ("J3", 10): Assignment("P1", 50, 50, 100),
        ("J4", 10): Assignment("P0", 100, 100, 150),
    }
    found = {
        (b.resource.name, b.at, b.task.job, b.work_center, b.used, b.capacity, b.window)
        for b in binding_limits(problem, plan)
    }
    assert found == {("weld", 0, "J1", "R1", 1, 1, (0, 480)), ("kW", 0, "J3", "P1", 60, 60, (0, 300))}
    plan["J1", 10] = Assignment("R1", 480, 480, 580)  # waiting for the second shift is still the operators
    plan["J3", 10] = Assignment("P1", 300, 300, 350)  # after the peak nothing held it back but the plan
    found = {(b.resource.name, b.task.job) for b in binding_limits(problem, plan)}
    assert found == {("weld", "J1"), ("kW", "J3")}
    relaxed = Problem(tasks, operators={"weld": 2}, utilities={"kW": Utility({"P0": 60, "P1": 60}, cap=200)})
    assert binding_limits(relaxed, plan) == []


def _job(code: str, number: str, minutes: int, cert: CertificationType | None = None) -> WorkCenter:
    wc = WorkCenter.objects.create(code=code, name=code)
    part = Part.objects.create(number=f"P-{number}", revision="A", name=number)
    Operation.objects.create(part=part, sequence=10, name="Run", work_center=wc, required_certification=cert)
    PlanJob.objects.create(
        number=number, part=part, quantity=minutes, due=timezone.now() + datetime.timedelta(days=2)
    )
    return wc


@pytest.mark.django_db
def test_the_scenarios_say_which_shift_crew_and_which_kw_window_were_the_limit(clock):
    """Monday 00:20, night shift C (22:00-06:00). One certified CNC-T operator on C: the two CNC jobs cannot
    run together. Two presses drawing 120 kW each, 150 kW allowed from 00:00 to 04:00: one press waits."""
    cert = CertificationType.objects.create(code="CNC-T", name="CNC turning")
    night = make_employee("600001")
    night.shift = "C"
    night.save()
    EmployeeCertification.objects.create(employee=night, certification_type=cert, level="certified",
                                         valid_until=timezone.localdate() + datetime.timedelta(days=90))  # fmt: skip
    _job("CNC-1", "J-C1", 120, cert)
    _job("CNC-2", "J-C2", 120, cert)
    for code, number in (("PRS-K1", "J-P1"), ("PRS-K2", "J-P2")):
        UtilityDraw.objects.create(work_center=_job(code, number, 60), utility="kW", amount=120)
    UtilityLimit.objects.create(utility="kW", cap=400)
    UtilityLimit.objects.create(
        utility="kW", cap=150, window_start=datetime.time(0), window_end=datetime.time(4)
    )
    plans = scenarios_generate(Trigger(kind="question", summary="Planner's question"), time_limit=2)
    assert len(plans) == 3
    for plan in plans:
        operators = (
            "Operators were the limit: the one certified CNC-T operator on shift C (Night) was busy at "
            "Mon 00:20, so J-C2 op 10 waited with CNC-2 free."
        )
        other = operators.replace("J-C2", "J-C1").replace("CNC-2", "CNC-1")
        assert operators in plan.rationale or other in plan.rationale, plan.rationale
        assert (
            "The kW budget was the limit: at Mon 00:20 the plant drew 120 kW of the 150 kW cap of the "
            "00:00–04:00 window, so J-P" in plan.rationale
        )
        assert "(it draws 120 kW)" in plan.rationale


@pytest.mark.django_db
def test_no_limit_is_named_when_none_held_work_back(clock):
    cert = CertificationType.objects.create(code="CNC-T", name="CNC turning")
    for badge in ("600001", "600002"):
        employee = make_employee(badge)
        EmployeeCertification.objects.create(employee=employee, certification_type=cert, level="certified",
                                             valid_until=timezone.localdate() + datetime.timedelta(days=90))  # fmt: skip
    _job("CNC-1", "J-C1", 120, cert)
    _job("CNC-2", "J-C2", 120, cert)
    plans = scenarios_generate(Trigger(kind="question", summary="Planner's question"), time_limit=2)
    assert plans and all("limit" not in plan.rationale for plan in plans)


def test_a_hold_whatif_says_which_operations_wait_for_the_hold_and_which_move():
    """PRS-400 on Hold from 0 to 120 min. Today's plan ran J1..J4 on it from minute 0; the scenario keeps J1..J3
    on PRS-400 after the Hold and moves J4 to PRS-300: three wait (not "moved to PRS-400"), one moves."""
    from planning.rationale import scenario_rationale
    from planning.solver import Solution, kpis

    tasks = [Task(f"J{n}", 10, {"PRS-400": 30, "PRS-300": 30}) for n in range(1, 5)]
    problem = Problem(tasks, downtime={"PRS-400": [(0, 120)]}, horizon=960)
    current = {(f"J{n}", 10): Assignment("PRS-400", 30 * (n - 1), 30 * (n - 1), 30 * n) for n in range(1, 5)}
    plan = {(f"J{n}", 10): Assignment("PRS-400", 90 + 30 * n, 90 + 30 * n, 120 + 30 * n) for n in range(1, 4)}
    plan["J4", 10] = Assignment("PRS-300", 0, 0, 30)
    origin = datetime.datetime(2026, 3, 9, 6, tzinfo=timezone.get_current_timezone())
    k = kpis(problem, plan, current)
    moved_to = {"PRS-300": 1}
    text = scenario_rationale(
        strategy="alternatives", trigger="PRS-400 is on Hold from Mon 06:00 to Mon 08:00", kpis=k, today=k,
        moved_to=moved_to, solution=Solution(plan, "OPTIMAL", 0.1), problem=problem, origin=origin,
        current=current, hold=("PRS-400", "hold", 120),
    )  # fmt: skip
    assert "Moves 1 operation to PRS-300 (approved alternative work centers)" in text, text
    assert "3 operations on PRS-400 start after the Hold ends (Mon 08:00)." in text, text
    assert "to PRS-400" not in text, text
    repair = {
        key: Assignment("PRS-400", 120 + a.start, 120 + a.start, 120 + a.end) for key, a in current.items()
    }
    k = kpis(problem, repair, current)
    text = scenario_rationale(
        strategy="repair", trigger="PRS-400 is down", kpis=k, today=k, moved_to={},
        solution=Solution(repair, "OPTIMAL", 0.1), problem=problem, origin=origin, current=current,
        hold=("PRS-400", "down", 120),
    )  # fmt: skip
    assert "4 operations on PRS-400 start after it is back up (Mon 08:00)." in text, text
    assert "Moves" not in text, text
