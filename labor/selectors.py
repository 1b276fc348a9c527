"""Reads for labor pages: shifts, punch state, open work, boards, crew plans, handovers (certifications:
`labor.certifications`)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from instructions.models import Station, Step, WorkOrder, WorkOrderStatus
from labor.models import (
    AndonCall,
    CrewPlan,
    FlagStatus,
    Handover,
    LaborFlag,
    PlanStatus,
    Punch,
    PunchKind,
    ScheduledJob,
    Shift,
)
from plexcopilot.models import Employee
from plexcopilot.roles import ADMIN, MATERIAL_HANDLER, OPERATOR, QUALITY, SUPERVISOR

DEFAULT_SHIFTS = [
    ("A", "Day", datetime.time(6), datetime.time(14)),
    ("B", "Afternoon", datetime.time(14), datetime.time(22)),
    ("C", "Night", datetime.time(22), datetime.time(6)),
]


# --- Shifts ---------------------------------------------------------------------------------


def shift_list() -> list[Shift]:
    """The plant's shifts; the A/B/C eight-hour pattern until an admin defines its own."""
    shifts = list(Shift.objects.all())
    if shifts:
        return shifts
    return [Shift(code=c, name=n, starts=s, ends=e, paid_hours=Decimal(8)) for c, n, s, e in DEFAULT_SHIFTS]


def shift_get(code: str) -> Shift | None:
    return next((s for s in shift_list() if s.code == code), None)


def shift_window(shift: Shift, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Start and end of `shift` on `day` (a night shift ends on the next calendar day)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, shift.starts, tzinfo=tz)
    end_day = day + datetime.timedelta(days=1) if shift.ends <= shift.starts else day
    return start, datetime.datetime.combine(end_day, shift.ends, tzinfo=tz)


def shift_at(at: datetime.datetime) -> tuple[datetime.date, Shift]:
    """The (day, shift) running at `at`; a night shift belongs to the day it started."""
    local = timezone.localtime(at)
    for day in (local.date(), local.date() - datetime.timedelta(days=1)):
        for shift in shift_list():
            start, end = shift_window(shift, day)
            if start <= local < end:
                return day, shift
    shifts = shift_list()
    return local.date(), shifts[0]


def shift_next(day: datetime.date, shift: Shift) -> tuple[datetime.date, Shift]:
    _start, end = shift_window(shift, day)
    return shift_at(end + datetime.timedelta(minutes=1))


def shift_previous(day: datetime.date, shift: Shift) -> tuple[datetime.date, Shift]:
    start, _end = shift_window(shift, day)
    return shift_at(start - datetime.timedelta(minutes=1))


def shifts_between(
    start: datetime.datetime, end: datetime.datetime
) -> list[tuple[datetime.date, Shift, datetime.datetime, datetime.datetime]]:
    """Every shift that starts inside [start, end)."""
    found = []
    day = timezone.localtime(start).date() - datetime.timedelta(days=1)
    last = timezone.localtime(end).date()
    while day <= last:
        for shift in shift_list():
            s, e = shift_window(shift, day)
            if start <= s < end:
                found.append((day, shift, s, e))
        day += datetime.timedelta(days=1)
    return sorted(found, key=lambda item: item[2])


# --- Punches --------------------------------------------------------------------------------


def punches_effective(employee_ids: list[int] | None = None) -> QuerySet[Punch]:
    """Punches in force: not replaced by a correction, and not a voiding correction themselves."""
    punches = Punch.objects.filter(voids=False, replaced_by__isnull=True)
    if employee_ids is not None:
        punches = punches.filter(employee_id__in=employee_ids)
    return punches.select_related("work_center", "work_order__operation", "station")


@dataclass
class PunchState:
    clock: Punch | None
    jobs: list[Punch] = field(default_factory=list)

    @property
    def clocked_in(self) -> bool:
        return self.clock is not None


def punch_state(employee: Employee) -> PunchState:
    """Open clock-in and open jobs, from the punches alone: any tablet shows the same timers."""
    since = timezone.now() - datetime.timedelta(days=2)
    clock: Punch | None = None
    jobs: dict[int | None, Punch] = {}
    for p in punches_effective([employee.pk]).filter(at__gte=since).order_by("at", "id"):
        if p.kind == PunchKind.CLOCK_IN:
            clock = p
        elif p.kind == PunchKind.CLOCK_OUT:
            clock, jobs = None, {}
        elif p.kind == PunchKind.JOB_ON:
            jobs[p.work_order_id] = p
        elif p.kind == PunchKind.JOB_OFF:
            jobs.pop(p.work_order_id, None)
    return PunchState(clock=clock, jobs=list(jobs.values()))


def flag_queue(status: str = FlagStatus.OPEN) -> QuerySet[LaborFlag]:
    return LaborFlag.objects.filter(status=status).select_related(
        "employee", "punch__work_center", "punch__work_order", "correction", "resolved_by"
    )


def safety_critical_operation_ids() -> set[int]:
    """Operations whose current instruction version has a safety-critical step."""
    return set(
        Step.objects.filter(
            safety_critical=True, version__instruction__current_version=F("version")
        ).values_list("version__instruction__operation_id", flat=True)
    )


def open_work_orders() -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(
        status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS]
    ).select_related("part", "operation__work_center", "operation__required_certification")


# --- Andon -----------------------------------------------------------------------------------------


def andon_board_calls(role: str | None, *, limit: int = 30) -> tuple[list[AndonCall], list[AndonCall]]:
    """(open calls, recently resolved calls) a role's board shows; supervisors and admins see all."""
    calls = AndonCall.objects.select_related(
        "station", "work_center", "raised_by", "acknowledged_by", "resolved_by"
    )
    since = timezone.now() - datetime.timedelta(hours=24)
    open_calls = list(calls.filter(resolved_at__isnull=True))
    recent = list(calls.filter(resolved_at__gte=since).order_by("-resolved_at")[: limit * 3])
    if role not in (SUPERVISOR, ADMIN):
        # routed_to is a short JSON list; filtered here because SQLite has no JSON "contains".
        open_calls = [c for c in open_calls if role in c.routed_to]
        recent = [c for c in recent if role in c.routed_to]
    open_calls.sort(key=lambda c: ({"critical": 0, "high": 1}.get(c.urgency, 2), -c.raised_at.timestamp()))
    return open_calls, recent[:limit]


def board_role(user: Any) -> str | None:
    """Which Andon board a desk user sees."""
    from plexcopilot.roles import user_role

    role = user_role(user)
    if role in (SUPERVISOR, ADMIN):
        return SUPERVISOR
    return role if role in (QUALITY, MATERIAL_HANDLER) else None


def andon_for_station(station_id: int) -> list[AndonCall]:
    since = timezone.now() - datetime.timedelta(hours=12)
    return list(
        AndonCall.objects.filter(station_id=station_id)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))
        .select_related("acknowledged_by", "raised_by")[:5]
    )


def current_and_next_shift() -> tuple[tuple[datetime.date, Shift], tuple[datetime.date, Shift]]:
    """The shift running now and the one after it, each with its (start) day."""
    now_day, now_shift = shift_at(timezone.now())
    return (now_day, now_shift), shift_next(now_day, now_shift)


# --- The station and the supervisor's pages ----------------------------------------------------------


def station_work_orders(station: Station, *, limit: int = 12) -> QuerySet[WorkOrder]:
    """The open work orders of the station's work center (its job on / off buttons)."""
    return open_work_orders().filter(operation__work_center=station.work_center)[:limit]


def open_flag_count() -> int:
    return LaborFlag.objects.filter(status=FlagStatus.OPEN).count()


def open_andon_count() -> int:
    return AndonCall.objects.filter(resolved_at__isnull=True).count()


def crew_plan_for(day: datetime.date, shift: Shift) -> CrewPlan | None:
    return CrewPlan.objects.filter(day=day, shift=shift.code).first()


def crew_plan_accepted(day: datetime.date, shift: Shift) -> CrewPlan | None:
    """The plan in force for a shift (a newer draft replaces it only once accepted)."""
    return (
        CrewPlan.objects.filter(day=day, shift=shift.code, status=PlanStatus.ACCEPTED)
        .select_related("accepted_by")
        .first()
    )


def scheduled_jobs(day: datetime.date, shift: Shift) -> list[ScheduledJob]:
    """The jobs scheduled for a shift, with what a crew plan reads of them."""
    return list(ScheduledJob.objects.filter(day=day, shift=shift.code).select_related(
        "work_order__part", "work_order__operation__work_center", "work_order__operation__required_certification"))  # fmt: skip


def plan_jobs(plan: CrewPlan) -> QuerySet[ScheduledJob]:
    """The scheduled jobs a crew plan may assign people to (its day and shift)."""
    return ScheduledJob.objects.select_related("work_order__operation").filter(day=plan.day, shift=plan.shift)


def crew_board(day: datetime.date, shift: Shift, plan: CrewPlan | None) -> dict[str, Any]:
    """The crew page: each scheduled job with its assignments in `plan`, the operators to choose from, the shifts."""
    jobs = scheduled_jobs(day, shift)
    assignments = list(plan.assignments.select_related("employee")) if plan else []
    rows = [(job, [a for a in assignments if a.job_id == job.pk]) for job in jobs]
    operators = Employee.objects.filter(active=True, role=OPERATOR)
    return {"rows": rows, "operators": operators, "shifts": shift_list()}


def handover_for(day: datetime.date, shift: Shift) -> Handover | None:
    return Handover.objects.filter(day=day, shift=shift.code).first()


def handover_get(pk: int) -> Handover | None:
    return Handover.objects.filter(pk=pk).first()


def handovers_recent(limit: int = 10) -> list[Handover]:
    return list(Handover.objects.select_related("signed_by", "acknowledged_by")[:limit])
