"""Labor services: punches and their validation, crew plans, shift handovers, Andon calls."""

import datetime
from collections import defaultdict
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from instructions.adaptation import certification_status
from instructions.models import (
    CertificationOverride,
    ChangeProposal,
    Execution,
    ExecutionStatus,
    Measurement,
    Station,
    StepCompletion,
    UnclearFlag,
    WorkOrder,
)
from labor import crew, rules
from labor.models import (
    Absence,
    AndonCall,
    AndonCategory,
    CrewAssignment,
    CrewPlan,
    EmployeeCertification,
    FlagStatus,
    Handover,
    LaborFlag,
    PlanStatus,
    Punch,
    PunchKind,
    PunchSource,
    ScheduledJob,
    Shift,
    Urgency,
)
from labor.selectors import (
    andon_board_calls,
    open_work_orders,
    punch_state,
    punches_effective,
    safety_critical_operation_ids,
    shift_at,
    shift_list,
    shift_window,
    shifts_between,
)
from plexcopilot import events
from plexcopilot.broadcast import group_send_after_commit
from plexcopilot.models import Employee
from plexcopilot.roles import OPERATOR, QUALITY, SUPERVISOR
from plexcopilot.services import audit_record
from quality.models import NCR, DefectReport


class LaborError(Exception):
    """A problem the person must see; the message is written for them."""


def _code(punch: Punch) -> str:
    return punch.work_center.code if punch.work_center else "another work center"


def _local(at: datetime.datetime) -> str:
    return f"{timezone.localtime(at):%H:%M}"


# --- Punches at the station ---------------------------------------------------------------------


def _punch(employee: Employee, kind: str, *, station: Station | None = None, work_center_id: int | None = None,
           work_order: WorkOrder | None = None, at: datetime.datetime | None = None, note: str = "",
           source: str = PunchSource.STATION, recorded_by: Any = None, replaces: Punch | None = None,
           voids: bool = False) -> Punch:  # fmt: skip
    punch = Punch.objects.create(
        employee=employee,
        kind=kind,
        at=at or timezone.now(),
        station=station,
        work_center_id=work_center_id
        if work_center_id is not None
        else (station.work_center_id if station else None),
        work_order=work_order,
        note=note,
        source=source,
        recorded_by=recorded_by if recorded_by is not None else employee.user,
        replaces=replaces,
        voids=voids,
    )
    audit_record(
        actor=punch.recorded_by,
        action=f"punch.{kind}",
        obj=punch,
        summary=f"{employee.full_name}: {punch.get_kind_display()} at {_local(punch.at)}"
        + (f" ({work_order.barcode})" if work_order else "")
        + (f" — correction of punch {replaces.pk}" if replaces else ""),
        data={"employee": employee.badge_id, "source": source, "voids": voids},
    )
    # plex queues station clock-ins/outs (it stays the system of record for attendance)
    events.publish(events.PUNCH_RECORDED, punch_id=punch.pk, employee_id=employee.pk)
    return punch


def clock_in(*, employee: Employee, station: Station) -> str:
    """Clock in at the station's work center; clocked in elsewhere → transferred here. Returns a message."""
    state = punch_state(employee)
    with transaction.atomic():
        if state.clock is not None and state.clock.work_center_id == station.work_center_id:
            raise LaborError(
                gettext("You are already clocked in at %(center)s since %(time)s.")
                % {"center": station.work_center.code, "time": _local(state.clock.at)}
            )
        message = gettext("Clocked in at %(center)s.") % {"center": station.work_center.code}
        if state.clock is not None:
            _stop_jobs(employee, state.jobs, station, "stopped at transfer")
            _punch(employee, PunchKind.CLOCK_OUT, station=station, work_center_id=state.clock.work_center_id,
                   note=f"transfer to {station.work_center.code}")  # fmt: skip
            message = gettext("Moved from %(old)s and clocked in at %(center)s.") % {
                "old": _code(state.clock), "center": station.work_center.code}  # fmt: skip
        _punch(employee, PunchKind.CLOCK_IN, station=station)
    punches_validate(employee_ids=[employee.pk], start=timezone.now() - datetime.timedelta(days=1))
    return message


def clock_out(*, employee: Employee, station: Station) -> str:
    state = punch_state(employee)
    if state.clock is None:
        raise LaborError(gettext("You are not clocked in, so there is nothing to clock out of."))
    with transaction.atomic():
        stopped = _stop_jobs(employee, state.jobs, station, "stopped at clock-out")
        _punch(employee, PunchKind.CLOCK_OUT, station=station, work_center_id=state.clock.work_center_id)
    punches_validate(employee_ids=[employee.pk], start=timezone.now() - datetime.timedelta(days=1))
    worked = (timezone.now() - state.clock.at).total_seconds() / 3600
    jobs = (" " + gettext("Stopped %(jobs)s.") % {"jobs": ", ".join(stopped)}) if stopped else ""
    return gettext("Clocked out after %(hours)s h.") % {"hours": number_format(worked, 1)} + jobs


def _stop_jobs(employee: Employee, jobs: list[Punch], station: Station, note: str) -> list[str]:
    stopped = []
    for job in jobs:
        _punch(employee, PunchKind.JOB_OFF, station=station, work_center_id=job.work_center_id,
               work_order=job.work_order, note=note)  # fmt: skip
        stopped.append(job.work_order.barcode if job.work_order else "job")
    return stopped


def job_on(*, employee: Employee, station: Station, work_order: WorkOrder) -> str:
    state = punch_state(employee)
    if state.clock is None:
        raise LaborError(gettext("Clock in first, then start the job."))
    if state.clock.work_center_id != station.work_center_id:
        raise LaborError(
            gettext("You are clocked in at %(old)s. Clock in here to move to %(center)s.")
            % {"old": _code(state.clock), "center": station.work_center.code}
        )
    if work_order.operation.work_center_id != station.work_center_id:
        raise LaborError(
            gettext("%(barcode)s runs at %(center)s, not here.")
            % {"barcode": work_order.barcode, "center": work_order.operation.work_center.code}
        )
    if any(j.work_order_id == work_order.pk for j in state.jobs):
        raise LaborError(gettext("%(barcode)s is already on.") % {"barcode": work_order.barcode})
    if state.jobs:
        running = ", ".join(j.work_order.barcode for j in state.jobs if j.work_order)
        raise LaborError(
            gettext("Stop %(running)s before starting %(barcode)s.")
            % {"running": running, "barcode": work_order.barcode}
        )
    _punch(employee, PunchKind.JOB_ON, station=station, work_order=work_order)
    punches_validate(employee_ids=[employee.pk], start=timezone.now() - datetime.timedelta(days=1))
    operation = work_order.operation
    _level, problem = certification_status(
        employee=employee,
        certification_type_id=operation.required_certification_id,
        today=timezone.localdate(),
    )
    if problem:
        code = operation.required_certification.code if operation.required_certification else ""
        return gettext(
            "Job on: %(barcode)s. Your %(cert)s certification is %(problem)s: safety-critical steps "
            "will need a supervisor, and your supervisor will see this booking."
        ) % {"barcode": work_order.barcode, "cert": code, "problem": problem}
    return gettext("Job on: %(barcode)s.") % {"barcode": work_order.barcode}


def job_off(*, employee: Employee, station: Station, work_order: WorkOrder) -> str:
    state = punch_state(employee)
    job = next((j for j in state.jobs if j.work_order_id == work_order.pk), None)
    if job is None:
        raise LaborError(
            gettext("%(barcode)s is not on, so it cannot be stopped.") % {"barcode": work_order.barcode}
        )
    _punch(
        employee, PunchKind.JOB_OFF, station=station, work_center_id=job.work_center_id, work_order=work_order
    )
    hours = (timezone.now() - job.at).total_seconds() / 3600
    return gettext("Job off: %(barcode)s after %(hours)s h.") % {
        "barcode": work_order.barcode, "hours": number_format(hours, 1)}  # fmt: skip


# --- Punch validation -------------------------------------------------------------------------------


def _event(p: Punch) -> rules.PunchEvent:
    return rules.PunchEvent(p.pk, p.kind, p.at, p.work_center_id, p.work_order_id,
                            p.work_order.barcode if p.work_order else "")  # fmt: skip


def _boundary(at: datetime.datetime, home_shift: str, *, start: bool) -> datetime.datetime:
    """The shift start (or end) nearest to `at`, on the employee's home shift when they have one."""
    shifts = [s for s in shift_list() if s.code == home_shift] or shift_list()
    day = timezone.localtime(at).date()
    candidates = []
    for d in (day - datetime.timedelta(days=1), day, day + datetime.timedelta(days=1)):
        for shift in shifts:
            s, e = shift_window(shift, d)
            candidates.append(s if start else e)
    return min(candidates, key=lambda t: abs((at - t).total_seconds()))


def punches_validate(
    *,
    employee_ids: list[int] | None = None,
    start: datetime.datetime,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Run every punch rule over [start, end] and put new findings in the supervisor's queue.

    Idempotent: each finding has a key, so re-running adds nothing already raised (or dismissed)."""
    now = now or timezone.now()
    end = end or now
    history_from = start - datetime.timedelta(days=30)
    employees = Employee.objects.filter(active=True, role=OPERATOR)
    if employee_ids is not None:
        employees = Employee.objects.filter(pk__in=employee_ids)
    employees_by_id = {e.pk: e for e in employees}
    punches: dict[int, list[Punch]] = defaultdict(list)
    for p in (
        punches_effective(list(employees_by_id))
        .filter(at__gte=history_from, at__lte=end)
        .order_by("at", "id")
    ):
        punches[p.employee_id].append(p)
    names = {p.work_center_id: _code(p) for ps in punches.values() for p in ps if p.work_center_id}
    downtime: dict[int, list[rules.Interval]] = defaultdict(list)
    for call in AndonCall.objects.filter(line_down=True, raised_at__lte=end).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=start - datetime.timedelta(days=1))
    ):
        downtime[call.work_center_id].append(
            rules.Interval(call.raised_at, call.resolved_at, f"Andon {call.get_category_display().lower()}")
        )
    overrides = set(CertificationOverride.objects.values_list("operator_id", "execution__work_order_id"))
    findings: list[tuple[Employee, rules.Finding, datetime.date]] = []
    for emp_id, employee in employees_by_id.items():
        mine = punches[emp_id]
        in_window = [p for p in mine if p.at >= start - datetime.timedelta(hours=16)]
        events = [_event(p) for p in in_window]
        by_id = {p.pk: p for p in in_window}
        found = rules.sequence_findings(events, now=now, work_center_names=names)
        found += rules.downtime_findings(events, downtime=downtime, now=now)
        found += _uncertified_findings(
            employee, [p for p in in_window if p.kind == PunchKind.JOB_ON], overrides
        )
        flagged = {f.punch_id for f in found}
        found += [f for f in _history_findings(employee, mine, start) if f.punch_id not in flagged]
        for f in found:
            punch = by_id.get(f.punch_id) if f.punch_id else None
            if punch is not None and punch.at < start:
                continue
            findings.append((employee, f, timezone.localtime(punch.at).date() if punch else start.date()))
    findings += _missed_clock_ins(employees_by_id, punches, start, end, now)
    created = 0
    for employee, f, day in findings:
        _flag, new = LaborFlag.objects.get_or_create(
            key=f.key,
            defaults={
                "employee": employee,
                "punch_id": f.punch_id,
                "rule": f.rule,
                "day": day,
                "confidence": f.confidence,
                "reason": f.reason[:500],
            },  # fmt: skip
        )
        created += new
    return created


def _uncertified_findings(
    employee: Employee, jobs: list[Punch], overrides: set[tuple[int, int]]
) -> list[rules.Finding]:
    found = []
    for p in jobs:
        operation = p.work_order.operation if p.work_order else None
        if operation is None or operation.required_certification_id is None:
            continue
        _level, problem = certification_status(
            employee=employee,
            certification_type_id=operation.required_certification_id,
            today=timezone.localtime(p.at).date(),
        )
        if not problem:
            continue
        overridden = (employee.pk, p.work_order_id) in overrides
        reason = f"Booked on {p.work_order.barcode} with the required certification {problem}"  # type: ignore[union-attr]
        reason += "; a supervisor override is on record." if overridden else "."
        found.append(
            rules.Finding("uncertified", p.pk, 0.5 if overridden else 1.0, reason, f"uncertified:{p.pk}")
        )
    return found


def _history_findings(
    employee: Employee, punches: list[Punch], start: datetime.datetime
) -> list[rules.Finding]:
    found = []
    for kind in (PunchKind.CLOCK_IN, PunchKind.CLOCK_OUT):
        offsets: list[tuple[Punch, datetime.date, float]] = []
        for p in punches:
            if p.kind != kind:
                continue
            ref = _boundary(p.at, employee.shift, start=kind == PunchKind.CLOCK_IN)
            offsets.append((p, timezone.localtime(p.at).date(), rules.offset_minutes(p.at, ref)))
        for p, day, offset in offsets:
            if p.at < start:
                continue
            history = [o for q, d, o in offsets if d < day]
            finding = rules.history_finding(
                rule_kind=kind, punch=_event(p), offset=offset, history=history[-30:]
            )
            if finding:
                found.append(finding)
    return found


def _missed_clock_ins(
    employees: dict[int, Employee],
    punches: dict[int, list[Punch]],
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
) -> list[tuple[Employee, rules.Finding, datetime.date]]:
    """Scheduled (accepted crew plan, or home shift on a weekday) and no clock-in by 30 min into the shift."""
    found = []
    grace = datetime.timedelta(minutes=30)
    absences = list(Absence.objects.filter(employee_id__in=employees))
    planned = set(
        CrewAssignment.objects.filter(plan__status=PlanStatus.ACCEPTED).values_list(
            "employee_id", "plan__day", "plan__shift"
        )
    )
    for day, shift, s, e in shifts_between(start - datetime.timedelta(hours=8), end):
        if s + grace > now:
            continue
        for emp_id, employee in employees.items():
            in_plan = (emp_id, day, shift.code) in planned
            home = employee.shift == shift.code and day.weekday() < 5
            if not (in_plan or home) or employee.role != OPERATOR:
                continue
            if any(a.employee_id == emp_id and a.first_day <= day <= a.last_day for a in absences):
                continue
            window_from, window_to = s - datetime.timedelta(hours=3), e
            if any(p.kind == PunchKind.CLOCK_IN and window_from <= p.at < window_to for p in punches[emp_id]):
                continue
            why = "in the accepted crew plan" if in_plan else f"home shift {shift.code}"
            found.append((employee, rules.Finding(
                "missed_clock_in", None, 0.9 if in_plan else 0.7,
                f"Scheduled for shift {shift.code} on {day:%a %Y-%m-%d} ({why}) but no clock-in by {_local(s + grace)}.",
                f"missed_clock_in:{emp_id}:{day:%Y%m%d}:{shift.code}",
            ), day))  # fmt: skip
    return found


def flag_accept(*, flag: LaborFlag, user: Any, note: str = "") -> LaborFlag:
    """The finding is right and needs no punch change (e.g. the employee was told)."""
    return _flag_close(flag, user, FlagStatus.ACCEPTED, note, "accepted")


def flag_dismiss(*, flag: LaborFlag, user: Any, note: str) -> LaborFlag:
    if not note.strip():
        raise LaborError("Say why the flag is dismissed, so the next reader knows.")
    return _flag_close(flag, user, FlagStatus.DISMISSED, note, "dismissed")


def _flag_close(flag: LaborFlag, user: Any, status: str, note: str, verb: str,
                correction: Punch | None = None) -> LaborFlag:  # fmt: skip
    with transaction.atomic():
        locked = LaborFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.status != FlagStatus.OPEN:
            raise LaborError(f"This flag was already {locked.get_status_display().lower()}.")
        locked.status, locked.resolved_by, locked.resolved_at = status, user, timezone.now()
        locked.resolution_note, locked.correction = note.strip()[:500], correction
        locked.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "correction"])
        audit_record(actor=user, action=f"labor_flag.{verb}", obj=locked,
                     summary=f"Labor flag {locked.rule} for {locked.employee} {verb}: {note.strip()[:200]}",
                     data={"correction": correction.pk if correction else None})  # fmt: skip
    return locked


def flag_correct(
    *, flag: LaborFlag, user: Any, mode: str, at: datetime.datetime | None, kind: str = "", note: str = ""
) -> Punch:
    """Correct the punches behind a flag with a NEW punch; the original is kept as it was.

    mode "replace": the flagged punch at a corrected time; "void": the flagged punch removed;
    "add": a missing punch of `kind` at `at` (e.g. a forgotten clock-out)."""
    original = flag.punch
    if mode in ("replace", "void") and original is None:
        raise LaborError("This flag has no punch to change; add the missing punch instead.")
    if mode in ("replace", "add") and at is None:
        raise LaborError("Enter the corrected date and time.")
    if at is not None and at > timezone.now() + datetime.timedelta(minutes=5):
        raise LaborError("A corrected punch cannot be in the future.")
    if mode == "add" and kind not in PunchKind.values:
        raise LaborError("Choose which punch is missing (clock in, clock out, job on or job off).")
    if mode not in ("replace", "void", "add"):
        raise LaborError("Choose how to correct the punch.")
    with transaction.atomic():
        if mode == "add":
            correction = _punch(flag.employee, kind, at=at, source=PunchSource.CORRECTION, recorded_by=user,
                                work_center_id=original.work_center_id if original else None,
                                work_order=original.work_order if original else None,
                                note=note[:300] or f"added for flag {flag.pk}")  # fmt: skip
        else:
            assert original is not None
            correction = _punch(flag.employee, original.kind, at=at or original.at, source=PunchSource.CORRECTION,
                                recorded_by=user, work_center_id=original.work_center_id,
                                work_order=original.work_order, station=original.station, replaces=original,
                                voids=mode == "void", note=note[:300] or f"correction for flag {flag.pk}")  # fmt: skip
        closed = _flag_close(flag, user, FlagStatus.CORRECTED, note or mode, "corrected", correction)
    day_start = datetime.datetime.combine(
        closed.day, datetime.time(0), tzinfo=timezone.get_current_timezone()
    )
    punches_validate(employee_ids=[flag.employee_id], start=day_start - datetime.timedelta(days=1))
    return correction


# --- Crew plans -------------------------------------------------------------------------------------


def schedule_for_shift(*, day: datetime.date, shift: Shift) -> list[ScheduledJob]:
    """The jobs planned for a shift; drafted from the open work (one job per work center, earliest due
    first) when the schedule has none yet."""
    jobs = list(ScheduledJob.objects.filter(day=day, shift=shift.code).select_related(
        "work_order__part", "work_order__operation__work_center", "work_order__operation__required_certification"))  # fmt: skip
    if jobs:
        return jobs
    used: set[int] = set()
    for wo in open_work_orders().order_by("-status", "due_date", "number"):
        if wo.operation.work_center_id in used:
            continue
        used.add(wo.operation.work_center_id)
        ScheduledJob.objects.get_or_create(day=day, shift=shift.code, work_order=wo,
                                           defaults={"hours": shift.paid_hours})  # fmt: skip
    return list(ScheduledJob.objects.filter(day=day, shift=shift.code).select_related(
        "work_order__part", "work_order__operation__work_center", "work_order__operation__required_certification"))  # fmt: skip


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


# --- Andon ----------------------------------------------------------------------------------------

ROUTES = {
    AndonCategory.SAFETY: [SUPERVISOR],
    AndonCategory.QUALITY: [QUALITY, SUPERVISOR],
    AndonCategory.MAINTENANCE: [SUPERVISOR],
    AndonCategory.MATERIAL: [SUPERVISOR],
}
DANGER_WORDS = ("injur", "hurt", "blood", "fire", "smoke", "burn", "fell", "fall", "trapped", "pinch", "gas",
                "spill", "shock", "herida", "fuego", "humo")  # fmt: skip


def andon_triage(
    *, category: str, note: str, line_down: bool, work_center_id: int
) -> tuple[str, list[str], str]:
    """(urgency, roles to route to, why). Safety and danger words are critical; a stopped line is high;
    a quality call after out-of-spec entries here in the last 2 h, or a repeat call, is high."""
    routes = list(ROUTES.get(category, [SUPERVISOR]))  # type: ignore[call-overload]
    lowered = note.lower()
    if category == AndonCategory.SAFETY:
        return Urgency.CRITICAL, routes, "safety call"
    danger = next((w for w in DANGER_WORDS if w in lowered), None)
    if danger:
        return Urgency.CRITICAL, sorted({*routes, SUPERVISOR}), f'the note mentions "{danger}"'
    if line_down:
        return Urgency.HIGH, routes, "the work center is down"
    since = timezone.now() - datetime.timedelta(hours=2)
    if category == AndonCategory.QUALITY:
        bad = Measurement.objects.filter(
            in_spec=False,
            entered_at__gte=since,
            execution__work_order__operation__work_center_id=work_center_id,
        ).count()
        if bad:
            return (
                Urgency.HIGH,
                routes,
                f"{bad} out-of-spec entr{'y' if bad == 1 else 'ies'} here in the last 2 h",
            )
    repeats = AndonCall.objects.filter(
        work_center_id=work_center_id,
        category=category,
        raised_at__gte=timezone.now() - datetime.timedelta(hours=8),
    ).count()
    if repeats >= 2:
        return Urgency.HIGH, routes, f"call number {repeats + 1} of this kind here in 8 h"
    return Urgency.NORMAL, routes, "no escalation signals"


def andon_raise(
    *,
    station: Station,
    employee: Employee,
    category: str,
    note: str = "",
    line_down: bool = False,
    idempotency_key: str = "",
) -> AndonCall:
    """Raise a call. A retry with the same idempotency key returns the call already raised, never a second one."""
    if idempotency_key:
        existing = AndonCall.objects.filter(idempotency_key=idempotency_key, raised_by=employee).first()
        if existing is not None:
            return existing
    if category not in AndonCategory.values:
        raise LaborError(
            gettext("Choose what kind of help is needed: maintenance, quality, material or safety.")
        )
    note = note.strip()[:500]
    urgency, routes, why = andon_triage(category=category, note=note, line_down=line_down,
                                        work_center_id=station.work_center_id)  # fmt: skip
    try:
        with transaction.atomic():
            call = AndonCall.objects.create(station=station, work_center_id=station.work_center_id,
                                            category=category, note=note, line_down=line_down, urgency=urgency,
                                            triage_reason=why, routed_to=routes, raised_by=employee,
                                            raised_at=timezone.now(), idempotency_key=idempotency_key)  # fmt: skip
            audit_record(actor=employee.user, action="andon.raise", obj=call,
                         summary=f"Andon {category} at {station.work_center.code} by {employee.full_name} "
                         f"({urgency}: {why})", data={"line_down": line_down, "routed_to": routes})  # fmt: skip
            andon_broadcast(call=call)  # after commit, never failing the raise
            events.publish(events.ANDON_RAISED, call_id=call.pk, work_center_id=call.work_center_id,
                           category=category, line_down=line_down)  # fmt: skip
    except IntegrityError:
        if not idempotency_key:
            raise
        return AndonCall.objects.get(idempotency_key=idempotency_key)  # the same retry raced in first
    return call


def andon_acknowledge(*, call: AndonCall, user: Any) -> AndonCall:
    with transaction.atomic():
        locked = AndonCall.objects.select_for_update().get(pk=call.pk)
        if locked.acknowledged_at:
            raise LaborError(
                f"Already acknowledged by {_name(locked.acknowledged_by)} at {_local(locked.acknowledged_at)}."
            )
        locked.acknowledged_by, locked.acknowledged_at = user, timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
        waited = (locked.acknowledged_at - locked.raised_at).total_seconds() / 60
        audit_record(actor=user, action="andon.acknowledge", obj=locked,
                     summary=f"Andon {locked.category} at {locked.work_center.code} acknowledged after {waited:.1f} min")  # fmt: skip
    andon_broadcast(call=locked)
    return locked


def andon_resolve(*, call: AndonCall, user: Any, resolution: str) -> AndonCall:
    if not resolution.strip():
        raise LaborError("Write what was done, so the next shift knows.")
    with transaction.atomic():
        locked = AndonCall.objects.select_for_update().get(pk=call.pk)
        if locked.resolved_at:
            raise LaborError("This call is already resolved.")
        now = timezone.now()
        if not locked.acknowledged_at:
            locked.acknowledged_by, locked.acknowledged_at = user, now
        locked.resolved_by, locked.resolved_at, locked.resolution = user, now, resolution.strip()[:500]
        locked.save(
            update_fields=["acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at", "resolution"]
        )
        minutes = (now - locked.raised_at).total_seconds() / 60
        audit_record(actor=user, action="andon.resolve", obj=locked,
                     summary=f"Andon {locked.category} at {locked.work_center.code} resolved after {minutes:.1f} min: "
                     f"{resolution.strip()[:200]}")  # fmt: skip
    andon_broadcast(call=locked)
    return locked


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


def andon_group(role: str) -> str:
    return f"andon.{role}"


def andon_board_html(role: str) -> str:
    open_calls, recent = andon_board_calls(role)
    return render_to_string("labor/andon_board.html#andon-board",
                            {"open_calls": open_calls, "recent": recent, "oob": True, "board_role": role})  # fmt: skip


def andon_broadcast(*, call: AndonCall) -> None:
    """Push the re-rendered board to every role the call is routed to (supervisors always see all).

    After commit, and never raising: with Redis down the call is saved all the same and the boards catch up
    when their sockets reconnect (the consumer sends the whole board on connect)."""
    for role in sorted({*call.routed_to, SUPERVISOR}):
        group_send_after_commit(
            andon_group(role), partial(lambda r: {"type": "andon.update", "html": andon_board_html(r)}, role)
        )


# --- Shift handover -------------------------------------------------------------------------------

PRIORITY = {"safety": 0, "down": 1, "out_of_spec": 2, "defect": 3, "andon": 4, "labor": 5, "flag": 6,
            "approval": 7, "open_work": 8, "production": 9}  # fmt: skip


def handover_items(*, start: datetime.datetime, end: datetime.datetime) -> list[dict[str, Any]]:
    """What the outgoing shift hands over, most urgent first. Each item: kind, priority, text."""
    items: list[dict[str, Any]] = []

    def add(kind: str, text: str, **extra: Any) -> None:
        items.append({"kind": kind, "priority": PRIORITY[kind], "text": text, **extra})

    andon = AndonCall.objects.filter(Q(raised_at__gte=start, raised_at__lt=end) | Q(resolved_at__isnull=True,
                                     raised_at__lt=end)).select_related("work_center")  # fmt: skip
    for call in andon:
        state = "OPEN" if call.resolved_at is None else f"resolved {_local(call.resolved_at)}"
        minutes = ((call.resolved_at or end) - call.raised_at).total_seconds() / 60
        kind = "safety" if call.category == AndonCategory.SAFETY else ("down" if call.line_down else "andon")
        down = f", line down {minutes:.0f} min" if call.line_down else ""
        resolution = f" — {call.resolution}" if call.resolution else ""
        add(kind, f"Andon {call.get_category_display().lower()} at {call.work_center.code} {_local(call.raised_at)} "
            f"({state}{down}): {call.note or 'no note'}{resolution}", open=call.resolved_at is None)  # fmt: skip
    bad = Measurement.objects.filter(in_spec=False, entered_at__gte=start, entered_at__lt=end).select_related(
        "step", "execution__work_order", "entered_by")  # fmt: skip
    rechecked = set(
        Measurement.objects.filter(recheck_of__in=bad, in_spec=True).values_list("recheck_of_id", flat=True)
    )
    for m in bad:
        # Re-checked: an explicit re-check in spec, or any later in-spec reading of the same step in the run.
        later_good = Measurement.objects.filter(
            execution_id=m.execution_id, step_id=m.step_id, in_spec=True, entered_at__gt=m.entered_at
        ).exists()
        fixed = "re-checked in spec" if m.pk in rechecked or later_good else "NOT re-checked"
        add("out_of_spec", f"Out of spec on {m.execution.work_order.barcode} step {m.step.order} {m.step.title}: "
            f"{m.raw_value} {m.step.spec_unit} by {m.entered_by.full_name} at {_local(m.entered_at)} ({fixed}).")  # fmt: skip
    for d in DefectReport.objects.filter(created_at__gte=start, created_at__lt=end).select_related(
        "part", "operation"
    ):
        add("defect", f"Defect {d.get_category_display().lower()} on {d.part.number} op {d.operation.sequence}, "
            f"qty {d.quantity}: {d.description[:160]}")  # fmt: skip
    for flag in LaborFlag.objects.filter(status=FlagStatus.OPEN, day__gte=timezone.localtime(start).date() -
                                         datetime.timedelta(days=1)).select_related("employee"):  # fmt: skip
        add("labor", f"Labor flag for {flag.employee.full_name}: {flag.reason}")
    for f in UnclearFlag.objects.filter(resolved=False).select_related("step", "version__instruction")[:10]:
        add("flag", f"Unclear step flagged: {f.version.instruction.title} v{f.version.number} step {f.step.order} "
            f"{f.step.title}" + (f" — “{f.comment[:120]}”" if f.comment else ""))  # fmt: skip
    add_pending_approvals(add, start, end)
    for ex in Execution.objects.filter(status=ExecutionStatus.ACTIVE).select_related("work_order", "version"):
        total = ex.version.steps.count()
        add("open_work", f"{ex.work_order.barcode} in progress at step {ex.current_order} of {total}.")
    done = Execution.objects.filter(completed_at__gte=start, completed_at__lt=end).select_related(
        "work_order"
    )
    steps = StepCompletion.objects.filter(completed_at__gte=start, completed_at__lt=end).count()
    add("production", f"Production: {done.count()} work order run(s) completed, {steps} step(s) signed off this shift"
        + (f" ({', '.join(_runs_by_work_order(done)[:8])})." if done else "."))  # fmt: skip
    items.sort(key=lambda i: (i["priority"], not i.get("open", False)))
    return items


def _runs_by_work_order(runs: Any) -> list[str]:
    """Each work order once, in order, with its number of runs when more than one."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.work_order.barcode] = counts.get(run.work_order.barcode, 0) + 1
    return [f"{barcode} ×{n}" if n > 1 else barcode for barcode, n in counts.items()]


def add_pending_approvals(add: Any, start: datetime.datetime, end: datetime.datetime) -> None:
    """Open NCRs from this shift and change proposals waiting for a signature."""
    for ncr in NCR.objects.filter(opened_at__gte=start, opened_at__lt=end).exclude(status="closed")[:10]:
        add("defect", f"NCR {ncr.number} ({ncr.get_status_display().lower()}): {ncr.description[:140]}")
    for proposal in ChangeProposal.objects.filter(status="pending")[:10]:
        add("approval", f"Waiting for approval: {proposal}")


def handover_text(items: list[dict[str, Any]], *, shift: str, day: datetime.date) -> str:
    heads = {"safety": "SAFETY", "down": "DOWNTIME", "out_of_spec": "OUT OF SPEC", "defect": "DEFECTS",
             "andon": "ANDON", "labor": "LABOR", "flag": "UNCLEAR STEPS", "approval": "APPROVALS",
             "open_work": "OPEN WORK", "production": "PRODUCTION"}  # fmt: skip
    lines = [f"Shift {shift} handover, {day:%a %Y-%m-%d}"]
    current = ""
    for item in items:
        if item["kind"] != current:
            current = item["kind"]
            lines.append(f"\n{heads[current]}")
        lines.append(f"- {item['text']}")
    return "\n".join(lines)


def handover_draft(*, day: datetime.date, shift: Shift, user: Any = None) -> Handover:
    """Draft (or re-draft, while unsigned) the handover of `shift` on `day` from the shift's data."""
    start, end = shift_window(shift, day)
    end = min(end, max(timezone.now(), start))
    items = handover_items(start=start, end=end)
    text = handover_text(items, shift=shift.code, day=day)
    with transaction.atomic():
        handover, created = Handover.objects.select_for_update().get_or_create(
            day=day,
            shift=shift.code,
            defaults={"window_start": start, "window_end": end, "items": items, "text": text},
        )
        if not created:
            if handover.signed_at:
                raise LaborError("This handover is already signed; it can no longer be re-drafted.")
            handover.window_end, handover.items, handover.text = end, items, text
            handover.save(update_fields=["window_end", "items", "text"])
        audit_record(actor=user, action="handover.draft", obj=handover,
                     summary=f"Handover drafted for {day:%Y-%m-%d} shift {shift.code}: {len(items)} items")  # fmt: skip
    return handover


def handover_sign(*, handover: Handover, user: Any, text: str) -> Handover:
    text = text.strip()
    if not text:
        raise LaborError("The handover is empty; write at least one line before signing.")
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        if locked.signed_at:
            raise LaborError("This handover is already signed.")
        locked.text, locked.signed_by, locked.signed_at = text[:20000], user, timezone.now()
        locked.save(update_fields=["text", "signed_by", "signed_at"])
        audit_record(actor=user, action="handover.sign", obj=locked,
                     summary=f"Handover {locked.day:%Y-%m-%d} shift {locked.shift} signed off",
                     data={"edited": text != handover.text})  # fmt: skip
    return locked


def handover_acknowledge(*, handover: Handover, user: Any) -> Handover:
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        if not locked.signed_at:
            raise LaborError("The outgoing lead has not signed this handover yet.")
        if locked.acknowledged_at:
            raise LaborError("This handover was already acknowledged.")
        if locked.signed_by_id == getattr(user, "pk", None):
            raise LaborError("The incoming lead acknowledges the handover, not the person who signed it.")
        locked.acknowledged_by, locked.acknowledged_at = user, timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(actor=user, action="handover.acknowledge", obj=locked,
                     summary=f"Handover {locked.day:%Y-%m-%d} shift {locked.shift} acknowledged")  # fmt: skip
    return locked


def current_and_next_shift() -> tuple[tuple[datetime.date, Shift], tuple[datetime.date, Shift]]:
    from labor.selectors import shift_next

    now_day, now_shift = shift_at(timezone.now())
    return (now_day, now_shift), shift_next(now_day, now_shift)
