"""Crew plans: the schedule of a shift, the solver's draft with reasons, the supervisor's edits, acceptance."""

import datetime
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from instructions.adaptation import certification_status
from instructions.models import Execution, Measurement
from labor import crew
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
)
from plexcopilot.models import Employee
from plexcopilot.roles import OPERATOR
from plexcopilot.services import audit_record


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
    """Solve the crew for a shift and keep it as a draft plan with each assignment's reasons."""
    jobs = schedule_for_shift(day=day, shift=shift)
    needs, people = crew_inputs(day=day, shift=shift, jobs=jobs)
    solution = crew.crew_solve(needs, people, shift=shift.code, shift_hours=float(shift.paid_hours))
    if not jobs:
        solution.problems.append(f"No work is scheduled for shift {shift.code} on {day:%Y-%m-%d}.")
    with transaction.atomic():
        plan = CrewPlan.objects.create(day=day, shift=shift.code, feasible=solution.feasible and bool(jobs),
                                       problems=solution.problems, solve_seconds=solution.seconds,
                                       created_by=user if getattr(user, "is_authenticated", False) else None)  # fmt: skip
        CrewAssignment.objects.bulk_create(
            CrewAssignment(
                plan=plan, job_id=job_id, employee_id=pick.person_id, score=pick.score, reasons=pick.reasons
            )
            for job_id, picks in solution.picks.items()
            for pick in picks
        )
        audit_record(actor=user, action="crew_plan.draft", obj=plan,
                     summary=f"Crew plan drafted for {day:%Y-%m-%d} shift {shift.code}: "
                     f"{sum(len(p) for p in solution.picks.values())} assignments, {len(solution.problems)} problems",
                     data={"problems": solution.problems})  # fmt: skip
    return plan


def crew_assignment_set(*, plan: CrewPlan, job: ScheduledJob, employee: Employee, user: Any,
                        replace: CrewAssignment | None = None) -> CrewAssignment:  # fmt: skip
    """The supervisor puts `employee` on `job`. Never an operator without a valid required certification;
    someone already placed elsewhere in the plan is moved."""
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
        if replace is not None:
            replace.delete()
        CrewAssignment.objects.filter(plan=plan, employee=employee).delete()
        assignment = CrewAssignment.objects.create(plan=plan, job=job, employee=employee, edited=True,
                                                   reasons=["set by the supervisor"])  # fmt: skip
        audit_record(actor=user, action="crew_plan.edit", obj=plan,
                     summary=f"{employee.full_name} put on {job.work_order.barcode} in crew plan {plan.pk}")  # fmt: skip
    return assignment


def crew_plan_accept(*, plan: CrewPlan, user: Any) -> CrewPlan:
    with transaction.atomic():
        locked = CrewPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != PlanStatus.DRAFT:
            raise LaborError("This plan was already accepted.")
        CrewPlan.objects.filter(day=locked.day, shift=locked.shift, status=PlanStatus.ACCEPTED).update(
            status=PlanStatus.DRAFT
        )
        locked.status, locked.accepted_by, locked.accepted_at = PlanStatus.ACCEPTED, user, timezone.now()
        locked.save(update_fields=["status", "accepted_by", "accepted_at"])
        audit_record(actor=user, action="crew_plan.accept", obj=locked,
                     summary=f"Crew plan for {locked.day:%Y-%m-%d} shift {locked.shift} accepted")  # fmt: skip
    return locked
