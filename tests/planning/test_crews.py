"""People, not certifications, run operations: one person with two certifications runs one operation at a time
(Hall's condition over the certifications people share), and a certification nobody holds is named on the
operation that needs it instead of failing the whole plan."""

import datetime

import pytest
from django.utils import timezone

from instructions.models import Operation, Part, WorkCenter
from labor.models import EmployeeCertification
from planning import problem as pb
from planning.dispatch import dispatch
from planning.feasibility import plan_violations
from planning.gantt import gantt_svg
from planning.models import PlanJob
from planning.solver import Assignment, Problem, Task, solve
from planning.whatif import Trigger, scenarios_generate, schedule_build
from plexcopilot.models import CertificationType
from tests.actors import make_employee

pytestmark = pytest.mark.django_db


def _cert(code: str) -> CertificationType:
    return CertificationType.objects.create(code=code, name=code)


def _person(badge: str, shift: str, *certs: CertificationType) -> None:
    employee = make_employee(badge)
    employee.shift = shift
    employee.save()
    for cert in certs:
        EmployeeCertification.objects.create(
            employee=employee, certification_type=cert, level="certified",
            valid_until=timezone.localdate() + datetime.timedelta(days=90),
        )  # fmt: skip


def _job(wc_code: str, number: str, minutes: int, cert: CertificationType | None) -> None:
    wc = WorkCenter.objects.create(code=wc_code, name=wc_code)
    part = Part.objects.create(number=f"P-{number}", revision="A", name=number)
    Operation.objects.create(part=part, sequence=10, name="Run", work_center=wc, required_certification=cert)
    PlanJob.objects.create(
        number=number, part=part, quantity=minutes, due=timezone.now() + datetime.timedelta(days=3)
    )


def _press_and_weld(clock, people: int) -> Problem:
    """A press job and a weld job of 60 min each; `people` people on the day shift A (06:00-14:00) hold both
    the PRESS and the WELD certification, nobody else holds either."""
    press, weld = _cert("PRESS-X"), _cert("WELD-X")
    for n in range(people):
        _person(f"70000{n}", "A", press, weld)
    _job("PRS-X", "J-PRESS", 60, press)
    _job("WLD-X", "J-WELD", 60, weld)
    problem, _ = pb.build_problem(pb.plan_origin())
    return problem


def _overlap(plan: dict[tuple[str, int], Assignment]) -> bool:
    a, b = plan["J-PRESS", 10], plan["J-WELD", 10]
    return a.setup_start < b.end and b.setup_start < a.end


def test_one_person_with_two_certifications_runs_one_operation_at_a_time(clock):
    problem = _press_and_weld(clock, people=1)
    assert problem.operators == {"PRESS-X": 0, "WELD-X": 0}
    assert set(problem.operator_groups) == {("PRESS-X", "WELD-X")}
    day_a = 340  # Monday 06:00 from 00:20
    both = {("J-PRESS", 10): Assignment("PRS-X", day_a, day_a, day_a + 60),
            ("J-WELD", 10): Assignment("WLD-X", day_a, day_a, day_a + 60)}  # fmt: skip
    # Counted per certification, one person is "one press operator and one welder": the checker says no.
    assert plan_violations(problem, both) == [f"operators PRESS-X+WELD-X: 2 in use at {day_a}, capacity 1"]
    solved = solve(problem, time_limit=3, workers=1)
    assert solved.status in ("OPTIMAL", "FEASIBLE")
    assert not _overlap(solved.assignments)
    assert plan_violations(problem, solved.assignments) == []
    fallback = dispatch(problem)
    assert not _overlap(fallback.assignments)
    assert plan_violations(problem, fallback.assignments) == []


def test_the_rationale_names_the_person_shared_by_two_certifications(clock):
    _press_and_weld(clock, people=1)
    rationale = schedule_build(time_limit=2).rationale
    assert "Operators were the limit: the one operator on shift A" in rationale, rationale
    assert "holding PRESS-X or WELD-X was busy at Mon 06:00, so J-" in rationale, rationale


def test_two_people_with_both_certifications_run_both_at_once(clock):
    problem = _press_and_weld(clock, people=2)
    solved = solve(problem, time_limit=3, workers=1)
    assert _overlap(solved.assignments)
    assert sorted(a.start for a in solved.assignments.values()) == [340, 340]
    assert plan_violations(problem, solved.assignments) == []
    assert sorted(a.start for a in dispatch(problem).assignments.values()) == [340, 340]


def test_people_holding_one_certification_each_add_no_shared_limit(clock):
    press, weld = _cert("PRESS-X"), _cert("WELD-X")
    _person("700001", "A", press)
    _person("700002", "A", weld)
    _job("PRS-X", "J-PRESS", 60, press)
    _job("WLD-X", "J-WELD", 60, weld)
    problem, _ = pb.build_problem(pb.plan_origin())
    assert problem.operator_groups == {}
    assert _overlap(solve(problem, time_limit=3, workers=1).assignments)


def test_a_certification_nobody_holds_is_named_on_its_operation_and_the_rest_is_solved(clock):
    """X-ray inspection has no certified operator on any shift. The plan is still the solver's (not the
    fallback's): the x-ray operation is planned on its work center without an operator and named as such;
    the press job beside it keeps its crew."""
    press, xray = _cert("PRESS-X"), _cert("XRAY-X")
    _person("700001", "A", press)
    _job("PRS-X", "J-PRESS", 60, press)
    _job("XRY-X", "J-XRAY", 30, xray)
    problem, _ = pb.build_problem(pb.plan_origin())
    solved = solve(problem, time_limit=3, workers=1)
    assert solved.status in ("OPTIMAL", "FEASIBLE")
    assert solved.assignments["J-PRESS", 10].start == 340  # waits for its operator on shift A
    assert solved.assignments["J-XRAY", 10].work_center == "XRY-X"
    note = "J-XRAY op 10: no certified XRAY-X operator is on shift at any time; planned without one"
    assert solved.notes == [note]
    assert dispatch(problem).notes == [note]
    assert plan_violations(problem, solved.assignments) == [
        "J-XRAY op 10 needs a certified XRAY-X operator and none is on shift at any time"
    ]
    weekly = schedule_build(time_limit=2)
    assert f"{note}." in weekly.rationale
    assert weekly.kpis["solver"] in ("OPTIMAL", "FEASIBLE")
    # On the board the operation carries a badge (the weekly plan's rationale is not shown there).
    assert [s.job.number for s in weekly.slots.filter(no_operator=True)] == ["J-XRAY"]
    svg = gantt_svg(weekly)
    assert svg.count("NO OPERATOR: no one holding XRAY-X is on shift") == 1
    assert ">NO OPERATOR</text>" in svg
    for plan in scenarios_generate(Trigger(kind="question", summary="Planner's question"), time_limit=2):
        assert f"{note}." in plan.rationale
        assert plan.kpis["solver"] in ("OPTIMAL", "FEASIBLE")


def test_without_operators_on_any_shift_only_that_operation_goes_without():
    problem = Problem(
        [Task("J1", 10, {"M": 30}, certification="x-ray"), Task("J2", 10, {"N": 30}, certification="cnc"),
         Task("J3", 10, {"O": 30}, certification="cnc")],
        operators={"x-ray": 0, "cnc": 1}, horizon=600,
    )  # fmt: skip
    sol = solve(problem, time_limit=2, workers=1)
    assert sol.status == "OPTIMAL"
    assert sorted(a.start for k, a in sol.assignments.items() if k[0] != "J1") == [0, 30]


def test_started_work_on_a_work_center_no_longer_in_its_routing_counts_among_its_certifications_machines(
    clock,
):
    """Two people hold both PRESS and WELD and have no shift pattern (2 at every hour). J-A1 started on the old
    press before its routing moved to the new one; J-A2 (new press) and J-B (welder) are waiting. The sets
    people share are pruned with "no more PRESS operations run at once than their work centers": the old press
    is one of them while J-A1 runs there, so at most two of the three run at once."""
    press, weld = _cert("PRESS-X"), _cert("WELD-X")
    for badge in ("700001", "700002"):
        _person(badge, "", press, weld)
    WorkCenter.objects.create(code="PRS-OLD", name="PRS-OLD")
    _job("PRS-NEW", "J-A1", 120, press)
    new_press = WorkCenter.objects.get(code="PRS-NEW")
    part = Part.objects.create(number="P-J-A2", revision="A", name="J-A2")
    Operation.objects.create(
        part=part, sequence=10, name="Run", work_center=new_press, required_certification=press
    )
    PlanJob.objects.create(
        number="J-A2", part=part, quantity=60, due=timezone.now() + datetime.timedelta(days=3)
    )
    _job("WLD-X", "J-B", 60, weld)
    current = {("J-A1", 10): Assignment("PRS-OLD", -10, -10, 110)}
    problem, _ = pb.build_problem(pb.plan_origin(), current=current, freeze_before=30)
    assert next(t for t in problem.tasks if t.job == "J-A1").fixed == ("PRS-OLD", -10)
    assert set(problem.operator_groups) == {("PRESS-X", "WELD-X")}
    for plan in (solve(problem, time_limit=3, workers=1).assignments, dispatch(problem).assignments):
        assert sum(1 for a in plan.values() if a.setup_start <= 0 < a.end) <= 2, plan
        assert plan_violations(problem, plan) == []


def test_started_work_that_already_overloads_a_crew_is_kept_and_the_rest_waits_instead_of_no_plan():
    """Two operations started on one person's two certifications (a plan released before this limit, or the
    person's colleague called in sick) hold their place; the solver still plans (not the dispatching rule) and
    starts nothing else of that crew until they are done."""
    tasks = [
        Task("J-P", 10, {"PRS": 60}, certification="PRESS-X", fixed=("PRS", -10)),
        Task("J-W", 10, {"WLD": 90}, certification="WELD-X", fixed=("WLD", -20)),
        Task("J-P2", 10, {"PRS2": 30}, certification="PRESS-X"),
    ]
    shared = ("PRESS-X", "WELD-X")
    problem = Problem(
        tasks,
        operators={"PRESS-X": 1, "WELD-X": 1},
        operator_groups={shared: (1, [])},
        horizon=480,
    )
    solved = solve(problem, time_limit=3, workers=1)
    assert solved.status == "OPTIMAL", solved.status
    assert solved.assignments["J-P", 10].start == -10 and solved.assignments["J-W", 10].start == -20
    assert solved.assignments["J-P2", 10].setup_start >= 70  # after both started operations are done
