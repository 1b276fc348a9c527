import datetime
import re

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
    with pytest.raises(LaborError, match="has a crew of 1: 2 people are on it"):  # the expert is on it
        crew_assignment_set(plan=plan, job=job, employee=plant.certified, user=plant.supervisor.user)
    crew_assignment_set(plan=plan, job=job, employee=plant.certified, user=plant.supervisor.user,
                        replace=plan.assignments.get(employee=plant.expert))  # fmt: skip
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


class TestCrewDraftRequest:
    """What the crew page posts: refused when malformed or out of range; one draft per day and shift."""

    @pytest.mark.parametrize(
        ("day", "shift", "says"),
        [
            ("2026-13-45", "A", "“2026-13-45” is not a date"),
            ("'; drop", "A", "is not a date"),
            ("1900-01-01", "A", "1900-01-01 is outside that"),
            ("+61", "A", "is not a date"),
            ("TOMORROW", "zzz", "“zzz” is not a shift: choose one of A, B, C."),
            ("TOMORROW", "b", "“b” is not a shift"),
        ],
    )
    def test_a_malformed_day_or_shift_is_refused_and_nothing_is_drafted(
        self, plant, tomorrow, day, shift, says
    ):
        from labor.models import CrewPlan

        day = f"{tomorrow:%Y-%m-%d}" if day == "TOMORROW" else day
        response = desk_client(plant.supervisor).post("/labor/crew/draft/", {"day": day, "shift": shift})
        assert response.status_code == 422
        assert says in response.content.decode()
        assert not CrewPlan.objects.exists() and not ScheduledJob.objects.exists()

    def test_days_a_week_back_to_sixty_days_ahead_are_accepted_and_no_further(self, plant):
        from labor.models import CrewPlan

        client = desk_client(plant.supervisor)
        today = timezone.localdate()
        for offset, status in ((-8, 422), (-7, 302), (60, 302), (61, 422)):
            day = today + datetime.timedelta(days=offset)
            response = client.post("/labor/crew/draft/", {"day": f"{day:%Y-%m-%d}", "shift": "A"})
            assert response.status_code == status, offset
        assert sorted((p.day - today).days for p in CrewPlan.objects.all()) == [-7, 60]

    def test_drafting_again_replaces_the_draft_and_never_the_accepted_plan(self, plant, tomorrow):
        from labor.models import CrewPlan

        on_shift(plant.certified, plant.expert)
        client = desk_client(plant.supervisor)
        post = {"day": f"{tomorrow:%Y-%m-%d}", "shift": "A"}
        client.post("/labor/crew/draft/", post)
        client.post("/labor/crew/draft/", post)
        draft = CrewPlan.objects.get()  # replaced, not duplicated
        assert draft.status == PlanStatus.DRAFT and draft.assignments.count() == 1
        client.post(f"/labor/crew/{draft.pk}/accept/")
        client.post("/labor/crew/draft/", post)
        client.post("/labor/crew/draft/", post)
        accepted, redraft = (
            CrewPlan.objects.get(status=PlanStatus.ACCEPTED),
            CrewPlan.objects.get(status=PlanStatus.DRAFT),
        )
        assert accepted.pk == draft.pk and accepted.assignments.count() == 1  # the accepted plan is untouched
        assert redraft.pk != draft.pk and CrewPlan.objects.count() == 2
        page = client.get(f"/labor/crew/?day={post['day']}&shift=A").content.decode()
        assert f'action="/labor/crew/{redraft.pk}/accept/"' in page  # the page shows the new draft
        # the redraft accepted, the first plan goes back to draft; drafting again never overwrites it
        client.post(f"/labor/crew/{redraft.pk}/accept/")
        client.post("/labor/crew/draft/", post)
        first = CrewPlan.objects.get(pk=draft.pk)
        assert first.accepted_at is not None and first.assignments.count() == 1
        assert CrewPlan.objects.count() == 3


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("day=2026-13-45&shift=A", "“2026-13-45” is not a date"),
        ("day=&shift=Z", "There is no shift “Z”"),
    ],
)
def test_the_crew_page_says_when_it_cannot_show_the_shift_asked_for(plant, query, said):
    response = desk_client(plant.supervisor).get(f"/labor/crew/?{query}")
    assert response.status_code == 200
    notice = re.search(r'data-testid="crew-notice">([^<]*)<', response.content.decode())
    assert notice and said in notice.group(1) and "Showing the next shift instead." in notice.group(1)
    assert b"crew-notice" not in desk_client(plant.supervisor).get("/labor/crew/?shift=A").content


def test_a_supervisors_edit_is_held_to_the_solvers_hard_rules(plant, tomorrow):
    """A trainee alone on the safety-critical press job, someone from another shift, someone absent: each refused
    with why, and nothing changes."""
    on_shift(plant.expert, plant.trainee)
    on_shift(plant.certified, code="B")
    plan = crew_plan_draft(day=tomorrow, shift=shift_get("A"))
    job = ScheduledJob.objects.get(work_order=plant.work_order, day=tomorrow)
    expert = plan.assignments.get(job=job)
    assert expert.employee == plant.expert
    supervisor = plant.supervisor.user
    with pytest.raises(
        LaborError, match=r"\(trainee\) cannot run WO-1-10.*without a certified or expert lead"
    ):
        crew_assignment_set(plan=plan, job=job, employee=plant.trainee, user=supervisor, replace=expert)
    with pytest.raises(LaborError, match="cannot run WO-1-10.*: works shift B"):
        crew_assignment_set(plan=plan, job=job, employee=plant.certified, user=supervisor, replace=expert)
    on_shift(plant.certified)
    Absence.objects.create(employee=plant.certified, first_day=tomorrow, last_day=tomorrow)
    with pytest.raises(LaborError, match="cannot run WO-1-10.*: absent"):
        crew_assignment_set(plan=plan, job=job, employee=plant.certified, user=supervisor, replace=expert)
    assert [(a.employee, a.edited) for a in plan.assignments.filter(job=job)] == [(plant.expert, False)]


def test_accepting_checks_the_crew_again_and_the_banner_follows_the_edits(plant, tomorrow):
    on_shift(plant.expert)
    plan = crew_plan_draft(day=tomorrow, shift=shift_get("A"))
    job = ScheduledJob.objects.get(work_order=plant.work_order, day=tomorrow)
    # The expert is off sick after the plan was drafted: accepting it now would staff the press with no one.
    Absence.objects.create(employee=plant.expert, first_day=tomorrow, last_day=tomorrow)
    with pytest.raises(LaborError, match="breaks hard rules.*cannot run WO-1-10.*: absent"):
        crew_plan_accept(plan=plan, user=plant.supervisor.user)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    Absence.objects.all().delete()

    # A plan drafted while no one could take the press says so; once the supervisor staffs it, it no longer does.
    plant.expert.shift = "B"
    plant.expert.save()
    plan = crew_plan_draft(day=tomorrow, shift=shift_get("A"))
    assert any("WO-1-10" in p for p in plan.problems)
    on_shift(plant.certified)
    crew_assignment_set(plan=plan, job=job, employee=plant.certified, user=plant.supervisor.user)
    plan.refresh_from_db()
    assert not any("WO-1-10" in p for p in plan.problems), plan.problems
    assert crew_plan_accept(plan=plan, user=plant.supervisor.user).status == PlanStatus.ACCEPTED


def test_the_crew_page_offers_put_on_instead_for_a_full_crew(plant, tomorrow):
    on_shift(plant.certified, plant.expert)
    client = desk_client(plant.supervisor)
    day = f"{tomorrow:%Y-%m-%d}"
    client.post("/labor/crew/draft/", {"day": day, "shift": "A"})
    page = client.get(f"/labor/crew/?day={day}&shift=A").content.decode()
    from labor.models import CrewPlan

    plan = CrewPlan.objects.get()
    expert = plan.assignments.get(employee=plant.expert)
    assert f'name="replace" value="{expert.pk}"' in page and "Put on instead" in page
    job = ScheduledJob.objects.get(work_order=plant.work_order)
    response = client.post(f"/labor/crew/{plan.pk}/assign/",
                           {"job": job.pk, "employee": plant.certified.pk, "replace": expert.pk})  # fmt: skip
    assert response.status_code == 302
    assert [a.employee for a in plan.assignments.filter(job=job)] == [plant.certified]


def test_a_refused_draft_stays_on_the_shift_asked_for(plant):
    from labor.selectors import current_and_next_shift, shift_list

    _now, (_day, next_shift) = current_and_next_shift()
    asked = next(s.code for s in shift_list() if s.code != next_shift.code)
    client = desk_client(plant.supervisor)
    response = client.post("/labor/crew/draft/", {"day": "9999-12-31", "shift": asked})
    body = response.content.decode()
    assert response.status_code == 422 and "9999-12-31 is outside that" in body
    assert f"Crew plan — shift {asked}" in body  # not the next shift's page with its own Re-plan button
    assert f"Crew plan — shift {asked}" in client.get(f"/labor/crew/?shift={asked.lower()}").content.decode()


def test_a_new_draft_beside_an_accepted_plan_says_the_accepted_one_is_in_force(plant, tomorrow):
    on_shift(plant.expert)
    client = desk_client(plant.supervisor)
    day = f"{tomorrow:%Y-%m-%d}"
    client.post("/labor/crew/draft/", {"day": day, "shift": "A"})
    from labor.models import CrewPlan

    accepted = CrewPlan.objects.get()
    client.post(f"/labor/crew/{accepted.pk}/accept/")
    page = client.get(f"/labor/crew/?day={day}&shift=A").content.decode()
    assert "this one stays until you accept it" in page and "crew-accepted-in-force" not in page
    client.post("/labor/crew/draft/", {"day": day, "shift": "A"})
    page = client.get(f"/labor/crew/?day={day}&shift=A").content.decode()
    assert 'data-testid="crew-accepted-in-force"' in page and "is in force for this shift" in page
    assert CrewPlan.objects.get(pk=accepted.pk).status == PlanStatus.ACCEPTED


def test_a_day_outside_the_drafting_window_can_be_viewed_not_drafted(plant):
    client = desk_client(plant.supervisor)
    for day in ("9999-12-31", f"{timezone.localdate() - datetime.timedelta(days=14):%Y-%m-%d}"):
        body = client.get(f"/labor/crew/?day={day}&shift=A").content.decode()
        notice = re.search(r'data-testid="crew-notice">([^<]*)<', body)
        assert notice and f"{day} can be viewed, not drafted" in notice.group(1)
        assert "Showing the next shift instead" not in notice.group(1) and "Crew plan — shift A" in body


def test_putting_on_someone_placed_elsewhere_says_so_and_the_problems_follow(plant, tomorrow):
    """One operator for two jobs: putting them on the empty job says who moved from where, and the red panel lists
    the job just emptied, not the one just filled."""
    from django.test import Client

    from instructions.models import Operation
    from labor.models import CrewPlan
    from tests.actors import desk_login

    on_shift(plant.expert)
    weld = Operation.objects.get(part=plant.work_order.part, sequence=20)
    weld_order = WorkOrder.objects.create(number="WO-2", barcode="WO-2-20", part=weld.part, operation=weld,
                                          quantity=100)  # fmt: skip
    for work_order in (plant.work_order, weld_order):
        ScheduledJob.objects.create(day=tomorrow, shift="A", work_order=work_order)
    client = Client()
    assert desk_login(client, plant.supervisor.user.username, "desk-pass-123")
    day = f"{tomorrow:%Y-%m-%d}"
    client.post("/labor/crew/draft/", {"day": day, "shift": "A"})
    plan = CrewPlan.objects.get()
    filled = plan.assignments.get(employee=plant.expert).job
    empty = ScheduledJob.objects.exclude(pk=filled.pk).get()
    assert any(empty.work_order.barcode in p for p in plan.problems)
    response = client.post(f"/labor/crew/{plan.pk}/assign/", {"job": empty.pk, "employee": plant.expert.pk},
                           follow=True)  # fmt: skip
    page = response.content.decode()
    old, new = filled.work_order.barcode, empty.work_order.barcode
    assert f"{plant.expert.full_name} moved from {old} to {new}; {old} is now unfilled." in page
    panel = re.search(r'data-testid="crew-problems">(.*?)</div>', page, re.S)
    assert panel and f"<li>{old} (" in panel.group(1) and new not in panel.group(1), panel
    plan.refresh_from_db()
    assert [a.job for a in plan.assignments.all()] == [empty]
    assert all(new not in p for p in plan.problems) and any(old in p for p in plan.problems)
