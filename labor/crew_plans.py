"""Crew plans: the schedule of a shift, the solver's draft with reasons, the supervisor's edits, acceptance."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from instructions.models import Execution, Measurement
from labor import crew
from labor.certifications import certification_status
from labor.errors import LaborError
from labor.models import (
    Absence,
    CrewAssignment,
    CrewPlan,
    EmployeeCertification,
    PlanStatus,
    PunchKind,
    ScheduledJob,
    Shift,
)
from labor.selectors import (
    open_work_orders,
    punches_effective,
    safety_critical_operation_ids,
    scheduled_jobs,
    shift_get,
)
from plexcopilot.models import Employee
from plexcopilot.roles import OPERATOR
from plexcopilot.services import audit_record, named_lock


def schedule_for_shift(*, day: datetime.date, shift: Shift) -> list[ScheduledJob]:
    """The jobs planned for a shift; drafted from the open work (one job per work center, earliest due
    first) when the schedule has none yet."""
    jobs = scheduled_jobs(day, shift)
    if jobs:
        return jobs
    used: set[int] = set()
    for wo in open_work_orders().order_by("-status", "due_date", "number"):
        if wo.operation.work_center_id in used:
            continue
        used.add(wo.operation.work_center_id)
        ScheduledJob.objects.get_or_create(day=day, shift=shift.code, work_order=wo,
                                           defaults={"hours": shift.paid_hours})  # fmt: skip
    return scheduled_jobs(day, shift)


def _job_label(job: ScheduledJob) -> str:
    op = job.work_order.operation
    return f"{job.work_order.barcode} ({job.work_order.part.number} op {op.sequence} {op.name})"


def crew_inputs(
    *, day: datetime.date, shift: Shift, jobs: list[ScheduledJob]
) -> tuple[list[crew.JobNeed], list[crew.Person]]:
    safety_ops = safety_critical_operation_ids()
    needs = [
        crew.JobNeed(
            id=j.pk,
            label=_job_label(j),
            work_center=j.work_order.operation.work_center.code,
            certification=(ct.code if (ct := j.work_order.operation.required_certification) else None),
            safety_critical=j.work_order.operation_id in safety_ops,
            crew_size=j.crew_size,
            hours=float(j.hours),
            part_op=f"{j.work_order.part_id}/{j.work_order.operation_id}",
        )
        for j in jobs
    ]
    since = timezone.now() - datetime.timedelta(days=90)
    experience: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for emp_id, part_id, op_id in Execution.objects.filter(started_at__gte=since).values_list(
        "started_by_id", "work_order__part_id", "work_order__operation_id"
    ):
        experience[emp_id][f"{part_id}/{op_id}"] += 1
    bad: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for emp_id, part_id, op_id in Measurement.objects.filter(
        entered_at__gte=since, in_spec=False
    ).values_list("entered_by_id", "execution__work_order__part_id", "execution__work_order__operation_id"):
        bad[emp_id][f"{part_id}/{op_id}"] += 1
    certs: dict[int, dict[str, tuple[str, bool, str]]] = defaultdict(dict)
    for c in EmployeeCertification.objects.select_related("certification_type"):
        certs[c.employee_id][c.certification_type.code] = (
            c.level,
            c.is_valid_on(day),
            f"{c.valid_until:%Y-%m-%d}",
        )
    absent = set(
        Absence.objects.filter(first_day__lte=day, last_day__gte=day).values_list("employee_id", flat=True)
    )
    week_hours = _week_hours(day)
    people = []
    for e in Employee.objects.filter(active=True, role=OPERATOR):
        reason = ""
        if e.pk in absent:
            reason = "absent"
        elif e.shift and e.shift != shift.code:
            reason = f"works shift {e.shift}"
        people.append(crew.Person(id=e.pk, name=e.full_name, home_shift=e.shift, available=not reason,
                                  unavailable_reason=reason, certifications=certs[e.pk],
                                  week_hours=week_hours.get(e.pk, 0.0), experience=dict(experience[e.pk]),
                                  out_of_spec=dict(bad[e.pk])))  # fmt: skip
    return needs, people


def _week_hours(day: datetime.date) -> dict[int, float]:
    """Clocked hours so far in the ISO week of `day`, per employee."""
    tz = timezone.get_current_timezone()
    monday = datetime.datetime.combine(
        day - datetime.timedelta(days=day.weekday()), datetime.time(0), tzinfo=tz
    )
    hours: dict[int, float] = defaultdict(float)
    open_at: dict[int, datetime.datetime] = {}
    for p in (
        punches_effective()
        .filter(at__gte=monday, kind__in=[PunchKind.CLOCK_IN, PunchKind.CLOCK_OUT])
        .order_by("at")
    ):
        if p.kind == PunchKind.CLOCK_IN:
            open_at[p.employee_id] = p.at
        elif p.employee_id in open_at:
            hours[p.employee_id] += (p.at - open_at.pop(p.employee_id)).total_seconds() / 3600
    return hours


def crew_plan_draft(*, day: datetime.date, shift: Shift, user: Any = None) -> CrewPlan:
    """Solve the crew for a shift and keep it as a draft plan with each assignment's reasons.

    Drafting again for the same day and shift replaces the unaccepted draft (one draft per shift, never a
    pile of duplicates); an accepted plan is never touched, nor one accepted before and superseded since (it went
    back to draft when another was accepted): the new draft sits beside them until accepted.
    """
    jobs = schedule_for_shift(day=day, shift=shift)
    needs, people = crew_inputs(day=day, shift=shift, jobs=jobs)
    solution = crew.crew_solve(needs, people, shift=shift.code, shift_hours=float(shift.paid_hours))
    if not jobs:
        solution.problems.append(f"No work is scheduled for shift {shift.code} on {day:%Y-%m-%d}.")
    with transaction.atomic():
        fields = {"feasible": solution.feasible and bool(jobs), "problems": solution.problems,
                  "solve_seconds": solution.seconds,
                  "created_by": user if getattr(user, "is_authenticated", False) else None}  # fmt: skip
        plan = (
            # a draft never accepted: one accepted before keeps its history
            CrewPlan.objects.select_for_update(no_key=True)
            .filter(day=day, shift=shift.code, status=PlanStatus.DRAFT, accepted_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        replaced = plan is not None
        if plan is None:
            plan = CrewPlan.objects.create(day=day, shift=shift.code, **fields)
        else:
            plan.assignments.all().delete()
            for name, value in {**fields, "created_at": timezone.now()}.items():
                setattr(plan, name, value)
            plan.save()
        CrewAssignment.objects.bulk_create(
            CrewAssignment(
                plan=plan, job_id=job_id, employee_id=pick.person_id, score=pick.score, reasons=pick.reasons
            )
            for job_id, picks in solution.picks.items()
            for pick in picks
        )
        audit_record(actor=user, action="crew_plan.draft", obj=plan,
                     summary=f"Crew plan {'redrafted' if replaced else 'drafted'} for {day:%Y-%m-%d} shift {shift.code}: "
                     f"{sum(len(p) for p in solution.picks.values())} assignments, {len(solution.problems)} problems",
                     data={"problems": solution.problems})  # fmt: skip
    return plan


@dataclass(frozen=True)
class Breach:
    """A hard rule the crew of a plan breaks, in words for the supervisor."""

    job_id: int
    employee_id: int | None  # None: the crew as a whole (crew size, no lead)
    kind: str  # "eligibility", "size" or "lead"
    message: str


def crew_plan_breaches(plan: CrewPlan) -> list[Breach]:
    """The hard rules the plan's crew breaks as it stands, checked as the solver checks its own picks: a valid
    required certification, at work on the plan's shift and day (home shift, no absence), the weekly hour limit,
    crew size, and a certified or expert lead beside any trainee on a safety-critical operation."""
    shift = shift_get(plan.shift)
    if shift is None:
        return []
    jobs = scheduled_jobs(plan.day, shift)
    needs, people = crew_inputs(day=plan.day, shift=shift, jobs=jobs)
    need_by = {need.id: need for need in needs}
    person_by = {person.id: person for person in people}
    crews: dict[int, list[CrewAssignment]] = defaultdict(list)
    for assignment in plan.assignments.select_related("employee").order_by("pk"):
        crews[assignment.job_id].append(assignment)
    out = []
    for job_id, members in crews.items():
        need = need_by.get(job_id)
        if need is None:
            continue  # a job no longer scheduled on this shift: nothing to staff
        eligible = []
        for assignment in members:
            person = person_by.get(assignment.employee_id)
            if person is None:
                out.append(Breach(job_id, assignment.employee_id, "eligibility",
                                  f"{assignment.employee.full_name} cannot run {need.label}: not an active operator."))  # fmt: skip
                continue
            ok, why = crew.eligibility(need, person, shift_hours=float(shift.paid_hours),
                                       week_limit=crew.WEEK_LIMIT_HOURS)  # fmt: skip
            if ok:
                eligible.append(person)
            else:
                out.append(
                    Breach(job_id, person.id, "eligibility", f"{person.name} cannot run {need.label}: {why}.")
                )
        if len(members) > need.crew_size:
            out.append(Breach(job_id, None, "size",
                              f"{need.label} has a crew of {need.crew_size}: {len(members)} people are on it."))  # fmt: skip
        if need.safety_critical and need.certification:
            trainees = [p.name for p in eligible if crew.is_trainee(need, p)]
            if trainees and len(trainees) == len(eligible):
                out.append(Breach(job_id, None, "lead",
                                  f"{', '.join(trainees)} (trainee) cannot run {need.label}, a safety-critical "
                                  "operation, without a certified or expert lead on the crew."))  # fmt: skip
    return out


def crew_assignment_set(*, plan: CrewPlan, job: ScheduledJob, employee: Employee, user: Any,
                        replace: CrewAssignment | None = None) -> str:  # fmt: skip
    """The supervisor puts `employee` on `job`; someone already placed elsewhere in the plan is moved. Refused when
    it breaks a hard rule (`crew_plan_breaches`): not eligible for the job, a full crew, or a trainee filling the
    last seat of a safety-critical crew without a lead. Returns what changed, naming the job a move left short."""
    if plan.status != PlanStatus.DRAFT:
        raise LaborError("This plan is already accepted; draft a new one to change it.")
    operation = job.work_order.operation
    _level, problem = certification_status(
        employee=employee, certification_type_id=operation.required_certification_id, today=plan.day
    )
    if problem:
        cert = operation.required_certification.code if operation.required_certification else ""
        raise LaborError(f"{employee.full_name} cannot run {job.work_order.barcode}: {cert} {problem}.")
    with transaction.atomic():
        # Locked: an acceptance or another edit of this plan in flight waits, then sees this one.
        if CrewPlan.objects.select_for_update(no_key=True).get(pk=plan.pk).status != PlanStatus.DRAFT:
            raise LaborError("This plan is already accepted; draft a new one to change it.")
        if replace is not None:
            CrewAssignment.objects.filter(pk=replace.pk, plan=plan).delete()  # the instance stays as it was
        placed = CrewAssignment.objects.filter(plan=plan, employee=employee)
        left = next((a.job for a in placed.select_related("job__work_order") if a.job_id != job.pk), None)
        placed.delete()
        CrewAssignment.objects.create(plan=plan, job=job, employee=employee, edited=True,
                                      reasons=["set by the supervisor"])  # fmt: skip
        crew_size = job.crew_size
        on_job = plan.assignments.filter(job=job).count()
        for breach in crew_plan_breaches(plan):
            if breach.job_id != job.pk:
                continue
            if breach.kind == "size":
                raise LaborError(
                    f"{breach.message} Take someone off it first, or choose the person to replace."
                )
            if breach.kind == "eligibility" and breach.employee_id == employee.pk:
                raise LaborError(breach.message)
            if breach.kind == "lead" and on_job >= crew_size:  # no seat left for a lead
                raise LaborError(breach.message)
        plan.problems = _problems_after_edit(plan)
        plan.save(update_fields=["problems"])
        said = f"{employee.full_name} put on {job.work_order.barcode}."
        if left is not None:
            said = f"{employee.full_name} moved from {left.work_order.barcode} to {job.work_order.barcode}"
            still = plan.assignments.filter(job=left).count()
            if still == 0:
                said += f"; {left.work_order.barcode} is now unfilled."
            elif still < left.crew_size:
                said += f"; {left.work_order.barcode} now has {left.crew_size - still} of {left.crew_size} seats empty."
            else:
                said += "."
        audit_record(actor=user, action="crew_plan.edit", obj=plan, summary=f"{said} (crew plan {plan.pk})")
    return said


def _problems_after_edit(plan: CrewPlan) -> list[str]:
    """The plan's problems once the supervisor changed its crew, recomputed: for each job short of people, what
    the solver said of it while that still counts the seats empty now, else the empty seats as they stand; then
    the rule breaches. A solver's line is matched on the job it is about, not on a job it names in passing
    ("every eligible operator is needed at ...")."""
    counts: dict[int, int] = defaultdict(int)
    for job_id in plan.assignments.values_list("job_id", flat=True):
        counts[job_id] += 1
    problems = []
    for job in ScheduledJob.objects.filter(day=plan.day, shift=plan.shift).select_related(
        "work_order__part", "work_order__operation"
    ):
        empty, label = job.crew_size - counts[job.pk], _job_label(job)
        if empty <= 0:
            continue
        said = [
            p
            for p in plan.problems
            if f"for {label} on shift" in p and f"{empty} of {job.crew_size} seat" in p
        ]
        problems.append(said[0] if said else f"{label}: {empty} of {job.crew_size} seat(s) empty.")
    return problems + [b.message for b in crew_plan_breaches(plan) if b.message not in problems]


def crew_plan_accept(*, plan: CrewPlan, user: Any) -> CrewPlan:
    """Accept the plan for its shift (the one accepted before goes back to draft, kept). Refused while its crew
    breaks a hard rule: a supervisor's edit, or an absence or expiry recorded since it was drafted."""
    with transaction.atomic():
        # One acceptance per shift at a time: two drafts of one shift accepted at once both stayed accepted.
        named_lock(f"crew-plan-{plan.day:%Y-%m-%d}-{plan.shift}")
        locked = CrewPlan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        if locked.status != PlanStatus.DRAFT:
            raise LaborError("This plan was already accepted.")
        breaches = crew_plan_breaches(locked)
        if breaches:
            raise LaborError(
                "This crew plan breaks hard rules, so it cannot be accepted: "
                + " ".join(b.message for b in breaches)
                + " Change the crew or re-plan."
            )
        CrewPlan.objects.filter(day=locked.day, shift=locked.shift, status=PlanStatus.ACCEPTED).update(
            status=PlanStatus.DRAFT
        )
        locked.status, locked.accepted_by, locked.accepted_at = PlanStatus.ACCEPTED, user, timezone.now()
        locked.save(update_fields=["status", "accepted_by", "accepted_at"])
        audit_record(actor=user, action="crew_plan.accept", obj=locked,
                     summary=f"Crew plan for {locked.day:%Y-%m-%d} shift {locked.shift} accepted")  # fmt: skip
    return locked
