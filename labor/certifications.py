"""Reads about certifications: how far one employee is certified for an operation (`certification_status`, which
the station asks through instructions.station_hooks), the matrix of employees × certification types, expiries in
90/60/30-day bands, and the skill gaps of the scheduled and open work."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from labor.models import EmployeeCertification, ScheduledJob
from labor.selectors import open_work_orders, shift_list
from plexcopilot.models import CertificationLevel, CertificationType, Employee
from plexcopilot.roles import ADMIN, OPERATOR, SUPERVISOR

EXPIRY_BANDS = (30, 60, 90)


def certification_status(
    *, employee: Employee, certification_type_id: int | None, today: datetime.date
) -> tuple[str, str]:
    """(level, problem) for the employee on an operation; problem is "" when the certification is valid."""
    if certification_type_id is None:
        return CertificationLevel.CERTIFIED, ""
    cert = (
        EmployeeCertification.objects.select_related("certification_type")
        .filter(employee=employee, certification_type_id=certification_type_id)
        .first()
    )
    if cert is None:
        return CertificationLevel.TRAINEE, "missing"
    if not cert.is_valid_on(today):
        return CertificationLevel.TRAINEE, f"expired on {cert.valid_until:%Y-%m-%d}"
    return cert.level, ""


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


def certifications_needing_action(today: datetime.date) -> int:
    """How many certifications are expired or expire within 30 days (the hub's count)."""
    return len([r for r in certification_expiries(today) if r["band"] in ("expired", "d30")])


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
    certs = sorted(  # by name, alike on every database (a database's collation orders "Łukasz" its own way)
        EmployeeCertification.objects.filter(
            employee__active=True, employee__role__in=[OPERATOR, SUPERVISOR]
        ).select_related("employee", "certification_type"),
        key=lambda c: (c.employee.last_name.casefold(), c.employee.first_name.casefold(), c.pk),
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
