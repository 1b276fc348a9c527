import datetime

import pytest
from django.utils import timezone

from instructions.models import WorkOrder
from labor import crew
from labor.crew_plans import crew_assignment_set, crew_plan_accept, crew_plan_draft
from labor.errors import LaborError
from labor.models import Absence, CrewAssignment, PlanStatus, ScheduledJob
from labor.selectors import shift_get
from tests.labor.conftest import desk_client


@pytest.fixture
def tomorrow(plant):
    """The plant's next day, read from the (possibly travelled) clock when the test runs, not at import."""
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _everyone_on_nights(plant):
    """Employees without a home shift float to any shift; tests place the people they mean on shift A."""
    from plexcopilot.models import Employee

    Employee.objects.update(shift="C")


def on_shift(*employees, code="A"):
    for e in employees:
        e.shift = code
        e.save()


def test_it_puts_the_best_certified_operator_on_the_job_and_explains_why(plant, tomorrow):
    on_shift(plant.trainee, plant.certified, plant.expert, plant.expired, plant.uncertified)
    plan = crew_plan_draft(day=tomorrow, shift=shift_get("A"), user=plant.supervisor.user)
    [assignment] = plan.assignments.filter(job__work_order=plant.work_order)
    assert assignment.employee == plant.expert
    assert any("PRESS-T expert" in r for r in assignment.reasons)
    assert any("home shift A" in r for r in assignment.reasons)
    assert plan.feasible and plan.problems == []


def test_it_never_puts_an_expired_or_uncertified_operator_on_a_safety_critical_job(plant, tomorrow):
    on_shift(plant.expired, plant.uncertified)
    plan = crew_plan_draft(day=tomorrow, shift=shift_get("A"))
    assert not plan.assignments.filter(job__work_order=plant.work_order).exists()
    assert not plan.feasible
    [problem] = [p for p in plan.problems if "WO-1-10" in p]
    assert problem.startswith("No certified operator for WO-1-10")
    assert "on shift A" in problem and "PRESS-T" in problem and "expired" in problem


def test_it_does_not_let_a_trainee_run_a_safety_critical_job_alone(plant, tomorrow):
    on_shift(plant.trainee)
    plan = crew_plan_draft(day=tomorrow, shift=shift_get("A"))
    assert not plan.assignments.filter(job__work_order=plant.work_order).exists()
    assert any("Only trainees hold PRESS-T" in p for p in plan.problems)


def test_it_skips_absent_people_and_other_shifts(plant, tomorrow):
    on_shift(plant.expert)
    on_shift(plant.certified, code="B")
    Absence.objects.create(employee=plant.expert, first_day=tomorrow, last_day=tomorrow)
    plan = crew_plan_draft(day=tomorrow, shift=shift_get("A"))
    assert not plan.assignments.filter(job__work_order=plant.work_order).exists()
    assert any("absent" in p and "works shift B" in p for p in plan.problems)


def test_it_lets_the_supervisor_edit_but_never_to_an_uncertified_operator(plant, tomorrow):
    on_shift(plant.certified, plant.expert, plant.expired)
    plan = crew_plan_draft(day=tomorrow, shift=shift_get("A"))
    job = ScheduledJob.objects.get(work_order=plant.work_order, day=tomorrow)
    with pytest.raises(LaborError, match="cannot run WO-1-10: PRESS-T expired"):
        crew_assignment_set(plan=plan, job=job, employee=plant.expired, user=plant.supervisor.user)
    crew_assignment_set(plan=plan, job=job, employee=plant.certified, user=plant.supervisor.user)
    assert plan.assignments.get(employee=plant.certified).edited
    plan = crew_plan_accept(plan=plan, user=plant.supervisor.user)
    assert plan.status == PlanStatus.ACCEPTED and plan.accepted_by == plant.supervisor.user
    with pytest.raises(LaborError, match="already accepted"):
        crew_assignment_set(plan=plan, job=job, employee=plant.expert, user=plant.supervisor.user)


def test_it_drafts_edits_and_accepts_from_the_crew_page(plant, tomorrow):
    on_shift(plant.certified, plant.expert, plant.expired)
    client = desk_client(plant.supervisor)
    day = f"{tomorrow:%Y-%m-%d}"
    assert b"No crew plan" in client.get(f"/labor/crew/?day={day}&shift=A").content
    client.post("/labor/crew/draft/", {"day": day, "shift": "A"})
    page = client.get(f"/labor/crew/?day={day}&shift=A")
    assert b"WO-1-10" in page.content and b"PRESS-T expert" in page.content
    from labor.models import CrewPlan

    plan = CrewPlan.objects.get()
    # Not an empty plan: the expert is on the press job, and the page names them.
    assert [(a.job.work_order, a.employee) for a in plan.assignments.all()] == [
        (plant.work_order, plant.expert)
    ]
    assert plant.expert.last_name.encode() in page.content
    job = ScheduledJob.objects.get(work_order=plant.work_order)
    response = client.post(f"/labor/crew/{plan.pk}/assign/", {"job": job.pk, "employee": plant.expired.pk})
    assert response.status_code == 422 and b"expired" in response.content
    client.post(f"/labor/crew/{plan.pk}/accept/")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACCEPTED
    assert desk_client(plant.certified).get("/labor/crew/").status_code == 403


def test_it_names_the_constraint_when_the_pool_is_too_small():
    jobs = [crew.JobNeed(i, f"Op {i * 10}", "WC", "CERT", False, 1, 8) for i in (1, 2, 3)]
    people = [crew.Person(1, "Ann", "B", True, certifications={"CERT": ("certified", True, "2030-01-01")}),
              crew.Person(2, "Bob", "B", True, certifications={"CERT": ("expert", True, "2030-01-01")}),
              crew.Person(3, "Cy", "B", True, certifications={"CERT": ("expert", True, "2030-01-01")}, week_hours=48)]  # fmt: skip
    solution = crew.crew_solve(jobs, people, shift="B")
    assert sum(len(p) for p in solution.picks.values()) == 2
    [problem] = solution.problems
    assert "Not enough operators" in problem and "on shift B" in problem
    assert "over the weekly hour limit: Cy" in problem


def test_it_solves_forty_people_and_thirty_operations(plant):
    from bench.labor import synthetic_crew

    jobs, people = synthetic_crew(employees=40, operations=30)
    solution = crew.crew_solve(jobs, people, shift="A")
    assigned = [pick.person_id for picks in solution.picks.values() for pick in picks]
    assert len(assigned) == len(set(assigned))
    by_id = {p.id: p for p in people}
    for job in jobs:
        for pick in solution.picks[job.id]:
            held = by_id[pick.person_id].certifications.get(job.certification) if job.certification else None
            assert job.certification is None or (held and held[1])
    assert WorkOrder.objects.exists() and CrewAssignment.objects.count() == 0


def test_it_says_when_an_idle_trainee_cannot_take_a_safety_critical_seat():
    jobs = [crew.JobNeed(i, f"Op {i * 10}", "WC", "CERT", True, 1, 8) for i in (1, 2)]
    people = [crew.Person(1, "Ann", "A", True, certifications={"CERT": ("certified", True, "2030-01-01")}),
              crew.Person(2, "Tom", "A", True, certifications={"CERT": ("trainee", True, "2030-01-01")})]  # fmt: skip
    solution = crew.crew_solve(jobs, people, shift="A")
    assert [pick.person_id for picks in solution.picks.values() for pick in picks] == [1]
    [problem] = solution.problems
    assert "Tom (trainee) cannot run a safety-critical operation without a certified lead" in problem
