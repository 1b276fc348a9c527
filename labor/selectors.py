"""Reads for labor pages: shifts, punch state, the certification matrix, expiries, skill gaps, boards."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from instructions.models import Step, WorkOrder, WorkOrderStatus
from labor.models import (
    AndonCall,
    CertificationLevel,
    CertificationType,
    Employee,
    EmployeeCertification,
    FlagStatus,
    LaborFlag,
    Punch,
    PunchKind,
    ScheduledJob,
    Shift,
)
from plexcopilot.roles import ADMIN, OPERATOR, QUALITY, SUPERVISOR

DEFAULT_SHIFTS = [
    ("A", "Day", datetime.time(6), datetime.time(14)),
    ("B", "Afternoon", datetime.time(14), datetime.time(22)),
    ("C", "Night", datetime.time(22), datetime.time(6)),
]
EXPIRY_BANDS = (30, 60, 90)


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


# --- Certifications ------------------------------------------------------------------------------


@dataclass
class MatrixCell:
    cert: EmployeeCertification | None
    band: str  # "", "expired", "d30", "d60", "d90"
    days_left: int | None = None


def expiry_band(valid_until: datetime.date, today: datetime.date) -> tuple[str, int]:
    days = (valid_until - today).days
    if days < 0:
        return "expired", days
    for limit in EXPIRY_BANDS:
        if days <= limit:
            return f"d{limit}", days
    return "", days


def certification_matrix(
    today: datetime.date,
) -> tuple[list[CertificationType], list[tuple[Employee, list[MatrixCell]]]]:
    """Employees × certification types with level, expiry and band; inactive employees left out."""
    types = list(CertificationType.objects.all())
    certs: dict[tuple[int, int], EmployeeCertification] = {
        (c.employee_id, c.certification_type_id): c
        for c in EmployeeCertification.objects.filter(employee__active=True)
    }
    rows = []
    for employee in Employee.objects.filter(active=True).exclude(role=ADMIN):
        cells = []
        for t in types:
            cert = certs.get((employee.pk, t.pk))
            if cert is None:
                cells.append(MatrixCell(None, ""))
            else:
                band, days = expiry_band(cert.valid_until, today)
                cells.append(MatrixCell(cert, band, days))
        rows.append((employee, cells))
    return types, rows


def certification_expiries(today: datetime.date, within_days: int = 90) -> list[dict[str, Any]]:
    """Certifications expired or expiring within `within_days`, soonest first, with their 90/60/30 band."""
    horizon = today + datetime.timedelta(days=within_days)
    rows = []
    for cert in (
        EmployeeCertification.objects.filter(employee__active=True, valid_until__lte=horizon)
        .select_related("employee", "certification_type")
        .order_by("valid_until")
    ):
        band, days = expiry_band(cert.valid_until, today)
        rows.append({"cert": cert, "band": band, "days": days})
    return rows


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


@dataclass
class SkillGap:
    cert: CertificationType
    demand: int
    work: list[str]
    holders: list[tuple[Employee, str, datetime.date]]  # valid holders: employee, level, valid until
    lapsed: list[tuple[Employee, str]]
    by_shift: dict[str, int]
    suggestions: list[str]

    @property
    def severity(self) -> str:
        if len(self.holders) == 0:
            return "none"
        if len(self.holders) < 2 or any(n == 0 for n in self.by_shift.values()):
            return "thin"
        return "ok"


def skill_gaps(today: datetime.date) -> list[SkillGap]:
    """Required certifications of the scheduled and open work against the people who hold them validly."""
    demand: dict[int, list[str]] = {}
    seats: dict[int, int] = {}
    horizon = today + datetime.timedelta(days=7)
    scheduled = ScheduledJob.objects.filter(day__gte=today, day__lte=horizon).select_related(
        "work_order__operation__required_certification", "work_order__part"
    )
    seen: set[int] = set()
    for job in scheduled:
        cert_id = job.work_order.operation.required_certification_id
        if cert_id:
            seats[cert_id] = seats.get(cert_id, 0) + job.crew_size
            if job.work_order_id not in seen:
                demand.setdefault(cert_id, []).append(job.work_order.barcode)
                seen.add(job.work_order_id)
    for wo in open_work_orders():
        cert_id = wo.operation.required_certification_id
        if cert_id and wo.pk not in seen:
            demand.setdefault(cert_id, []).append(wo.barcode)
            seats[cert_id] = seats.get(cert_id, 0) + 1
            seen.add(wo.pk)
    shifts = [s.code for s in shift_list()]
    certs = list(
        EmployeeCertification.objects.filter(
            employee__active=True, employee__role__in=[OPERATOR, SUPERVISOR]
        ).select_related("employee", "certification_type")
    )
    gaps = []
    for cert_type in CertificationType.objects.filter(pk__in=demand):
        mine = [c for c in certs if c.certification_type_id == cert_type.pk]
        valid = [c for c in mine if c.is_valid_on(today)]
        holders = [(c.employee, c.level, c.valid_until) for c in valid]
        lapsed = [(c.employee, f"expired {c.valid_until:%Y-%m-%d}") for c in mine if not c.is_valid_on(today)]
        by_shift = {code: sum(1 for c in valid if c.employee.shift == code and c.employee.role == OPERATOR)
                    for code in shifts}  # fmt: skip
        suggestions = []
        for c in mine:
            if not c.is_valid_on(today):
                suggestions.append(
                    f"Renew {c.employee.full_name}'s {cert_type.code} (expired {c.valid_until:%Y-%m-%d})."
                )
            elif c.level == CertificationLevel.TRAINEE:
                suggestions.append(
                    f"Bring {c.employee.full_name} from trainee to certified on {cert_type.code}."
                )
            elif (c.valid_until - today).days <= 30:
                suggestions.append(
                    f"Recertify {c.employee.full_name} on {cert_type.code} before {c.valid_until:%Y-%m-%d}."
                )
        holder_ids = {c.employee_id for c in mine}
        for code, count in by_shift.items():
            if count == 0:
                candidate = _cross_train_candidate(cert_type, code, holder_ids)
                if candidate:
                    suggestions.append(
                        f"Shift {code} has no valid {cert_type.code} operator: cross-train {candidate.full_name}."
                    )
                else:
                    suggestions.append(
                        f"Shift {code} has no valid {cert_type.code} operator and no one to cross-train."
                    )
        gaps.append(SkillGap(cert_type, seats.get(cert_type.pk, 0), demand[cert_type.pk], holders, lapsed,
                             by_shift, suggestions))  # fmt: skip
    order = {"none": 0, "thin": 1, "ok": 2}
    return sorted(gaps, key=lambda g: (order[g.severity], g.cert.code))


def _cross_train_candidate(
    cert_type: CertificationType, shift_code: str, exclude: set[int]
) -> Employee | None:
    """An operator of that shift who already runs another operation in the same area, or anyone of that shift."""
    areas = set(cert_type.operation_set.values_list("work_center__area", flat=True))  # type: ignore[attr-defined]
    near = (
        Employee.objects.filter(active=True, role=OPERATOR, shift=shift_code)
        .exclude(pk__in=exclude)
        .filter(
            certifications__certification_type__operation__work_center__area__in=areas,
            certifications__valid_until__gte=timezone.localdate(),
        )
        .distinct()
        .first()
    )
    if near:
        return near
    return (
        Employee.objects.filter(active=True, role=OPERATOR, shift=shift_code).exclude(pk__in=exclude).first()
    )


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
    return QUALITY if role == QUALITY else None


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
