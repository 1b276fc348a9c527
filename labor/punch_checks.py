"""Punch checks: every punch rule (`labor.rules`) run over a window, new findings put in the supervisor's queue."""

import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from instructions.models import CertificationOverride
from labor import rules
from labor.certifications import certification_status
from labor.errors import center_code, local_time
from labor.models import Absence, AndonCall, CrewAssignment, LaborFlag, PlanStatus, Punch, PunchKind
from labor.selectors import punches_effective, shift_list, shift_window, shifts_between
from plexcopilot.models import Employee
from plexcopilot.roles import OPERATOR


def _event(p: Punch) -> rules.PunchEvent:
    return rules.PunchEvent(p.pk, p.kind, p.at, p.work_center_id, p.work_order_id,
                            p.work_order.barcode if p.work_order else "")  # fmt: skip


def _windows(at: datetime.datetime, home_shift: str) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The shift windows around `at`: the employee's home shift when they have one, else every shift."""
    shifts = [s for s in shift_list() if s.code == home_shift] or shift_list()
    day = timezone.localtime(at).date()
    return [shift_window(shift, day + datetime.timedelta(days=d)) for d in (-1, 0, 1) for shift in shifts]


def _nearest(
    at: datetime.datetime, home_shift: str, boundary: int
) -> tuple[datetime.datetime, datetime.datetime]:
    """The shift whose start (`boundary` 0) or end (1) is nearest `at`: a clock-in still open, or a clock-out
    without its clock-in, is an arrival or a departure of that shift (a 05:50 clock-in arrives for the 06:00
    shift, not late for the one that started at 22:00 and is still running)."""
    return min(_windows(at, home_shift), key=lambda w: abs((w[boundary] - at).total_seconds()))


def _occurrence(
    start: datetime.datetime, end: datetime.datetime, home_shift: str
) -> tuple[datetime.datetime, datetime.datetime]:
    """The one shift (start, end) a clock interval belongs to, on the employee's home shift when they have one:
    the window it overlaps most, else the nearest one. Its clock-in and clock-out are measured against it."""
    windows = _windows(start, home_shift)

    def rank(w: tuple[datetime.datetime, datetime.datetime]) -> tuple[float, float]:
        overlap = (min(end, w[1]) - max(start, w[0])).total_seconds()
        gap = max((w[0] - end).total_seconds(), (start - w[1]).total_seconds(), 0)
        return (-overlap, gap) if overlap > 0 else (0, gap)

    return min(windows, key=rank)


#: A clock interval this short lying inside its shift is a stray or re-clock, not an arrival or departure.
SHORT_INTERVAL = datetime.timedelta(minutes=rules.MIN_DEVIATION_MINUTES)


def _arrivals_departures(
    punches: list[Punch], home_shift: str
) -> list[tuple[Punch, datetime.date, float, tuple[datetime.datetime, datetime.datetime]]]:
    """Per shift worked: its first clock-in against the shift start and its last clock-out against the shift end
    (offset in minutes), the shift's day and window with it. Clock-outs and clock-ins in the middle of the shift are not
    measured, nor is a short interval inside the shift; in and out of one interval share one shift."""
    intervals: list[tuple[Punch | None, Punch | None]] = []
    for p in punches:
        if p.kind == PunchKind.CLOCK_IN:
            intervals.append((p, None))
        elif p.kind == PunchKind.CLOCK_OUT:
            if intervals and intervals[-1][0] is not None and intervals[-1][1] is None:
                intervals[-1] = (intervals[-1][0], p)
            else:
                intervals.append((None, p))
    shifts: dict[tuple[datetime.datetime, datetime.datetime], list[Punch]] = defaultdict(list)
    for clock_in, clock_out in intervals:
        first, last = (clock_in or clock_out).at, (clock_out or clock_in).at  # type: ignore[union-attr]
        if clock_in and clock_out:
            window = _occurrence(first, last, home_shift)
        else:
            window = _nearest(first, home_shift, 0 if clock_in else 1)
        if (
            clock_in
            and clock_out
            and last - first < SHORT_INTERVAL
            and window[0] <= first
            and last <= window[1]
        ):
            continue
        shifts[window] += [p for p in (clock_in, clock_out) if p is not None]
    result = []
    for (s, e), ps in sorted(shifts.items()):
        day = timezone.localtime(s).date()
        ins = [p for p in ps if p.kind == PunchKind.CLOCK_IN]
        outs = [p for p in ps if p.kind == PunchKind.CLOCK_OUT]
        result += [(ins[0], day, rules.offset_minutes(ins[0].at, s), (s, e))] if ins else []
        result += [(outs[-1], day, rules.offset_minutes(outs[-1].at, e), (s, e))] if outs else []
    return result


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
    names = {p.work_center_id: center_code(p) for ps in punches.values() for p in ps if p.work_center_id}
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


RECHECK_WINDOW = datetime.timedelta(days=2)


def punches_recheck() -> int:
    """The supervisor's "check now": every rule over the last two days (the queue's usual horizon)."""
    return punches_validate(start=timezone.now() - RECHECK_WINDOW)


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
    """Arrivals and departures against the plant's grace (when the shift has one), else the person's own norm."""
    found = []
    measured = _arrivals_departures(
        [p for p in punches if p.kind in (PunchKind.CLOCK_IN, PunchKind.CLOCK_OUT)], employee.shift
    )
    # A window is known by the wall-clock start and end it was built from (not normalised: a DST day keeps them).
    graces = {(shift.starts, shift.ends): shift.grace_minutes for shift in shift_list()}
    for kind in (PunchKind.CLOCK_IN, PunchKind.CLOCK_OUT):
        offsets = [(p, day, offset, w) for p, day, offset, w in measured if p.kind == kind]
        for p, day, offset, (s, e) in offsets:
            if p.at < start:
                continue
            grace = graces.get((s.time(), e.time()))
            history = [o for q, d, o, _s in offsets if d < day]
            finding = rules.grace_finding(
                rule_kind=kind, punch=_event(p), offset=offset, grace=grace
            ) or rules.history_finding(rule_kind=kind, punch=_event(p), offset=offset, history=history[-30:])
            if finding and grace is not None and finding.rule in ("late_in", "early_out"):
                continue  # with a plant rule, the rule decides who is late or left early, not the person's norm
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
                f"Scheduled for shift {shift.code} on {day:%a %Y-%m-%d} ({why}) but no clock-in by {local_time(s + grace)}.",
                f"missed_clock_in:{emp_id}:{day:%Y%m%d}:{shift.code}",
            ), day))  # fmt: skip
    return found
