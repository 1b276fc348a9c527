"""Standard vs actual labor per job, with rate and efficiency variances (docs/labor-analytics.md, "Costs").

    SH  standard hours   = setup hours + hours per unit × units
    SR  standard rate    (the operation's, else the plant default rate)
    AH  actual hours     = Σ job spans on the work order
    AC  actual cost      = Σ span hours × (grade rate + shift premium) × (1, or the overtime multiplier)
    rate variance        = AC − SR × AH          (paid more or less per hour than standard)
    efficiency variance  = SR × (AH − SH)        (used more or fewer hours than standard)
    total variance       = AC − SR × SH = rate variance + efficiency variance   (positive = unfavourable)

Units are the good + scrap quantities reported at close-out; before any is reported, the work order quantity
(the whole job's standard), and then only an overrun alerts.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from instructions.models import ProductionReport, WorkOrder
from labor.models import Punch
from labor_analytics.intervals import JobSpan, job_spans
from labor_analytics.models import (
    EmployeeGrade,
    JobCost,
    LaborSettings,
    OperationStandard,
    ShiftPremium,
    VarianceAlert,
)
from plexcopilot.services import audit_record


@dataclass
class Rates:
    default: float
    by_employee: dict[int, float]
    premium: dict[str, float]
    overtime_multiplier: float

    def hourly(self, employee_id: int, shift: str) -> float:
        return self.by_employee.get(employee_id, self.default) + self.premium.get(shift, 0.0)

    def span_cost(self, span: JobSpan) -> float:
        rate = self.hourly(span.employee_id, span.shift)
        return rate * (span.regular_hours + span.overtime_hours * self.overtime_multiplier)


def rates_load(plant: LaborSettings | None = None) -> Rates:
    plant = plant or LaborSettings.current()
    return Rates(
        default=float(plant.default_rate),
        by_employee={g.employee_id: float(g.grade.hourly_rate) for g in EmployeeGrade.objects.select_related("grade")},
        premium={p.shift: float(p.premium_per_hour) for p in ShiftPremium.objects.all()},
        overtime_multiplier=float(plant.overtime_multiplier),
    )  # fmt: skip


def standard_for(work_order: WorkOrder, plant: LaborSettings) -> tuple[float, float, float]:
    """(setup hours, hours per unit, standard rate) of the work order's operation."""
    found = OperationStandard.objects.filter(operation_id=work_order.operation_id).first()
    if found is None:
        return 0.0, 0.0, float(plant.default_rate)
    return float(found.setup_hours), float(found.hours_per_unit), float(found.standard_rate)


def job_cost_compute(work_order: WorkOrder, *, now: datetime.datetime | None = None,
                     spans: list[JobSpan] | None = None, rates: Rates | None = None,
                     plant: LaborSettings | None = None) -> dict[str, Any]:  # fmt: skip
    plant = plant or LaborSettings.current()
    rates = rates or rates_load(plant)
    if spans is None:
        employee_ids = list(
            Punch.objects.filter(work_order=work_order).values_list("employee_id", flat=True).distinct()
        )
        spans = job_spans(
            employee_ids=employee_ids, now=now, overtime_after_hours=float(plant.overtime_after_hours)
        )
    spans = [s for s in spans if s.work_order_id == work_order.pk]
    reported = ProductionReport.objects.filter(work_order=work_order).aggregate(g=Sum("good"), s=Sum("scrap"))
    units = (reported["g"] or 0) + (reported["s"] or 0)
    basis = "reported" if units else "planned"
    if not units:
        units = work_order.quantity
    setup, per_unit, standard_rate = standard_for(work_order, plant)
    sh = setup + per_unit * units
    ah = sum(s.hours for s in spans)
    ac = sum(rates.span_cost(s) for s in spans)
    return {
        "units": units, "units_basis": basis, "standard_hours": sh, "actual_hours": ah,
        "overtime_hours": sum(s.overtime_hours for s in spans), "standard_rate": standard_rate,
        "standard_cost": standard_rate * sh, "actual_cost": ac, "rate_variance": ac - standard_rate * ah,
        "efficiency_variance": standard_rate * (ah - sh), "people": len({s.employee_id for s in spans}),
    }  # fmt: skip


def job_cost_update(work_order: WorkOrder, *, now: datetime.datetime | None = None,
                    spans: list[JobSpan] | None = None, rates: Rates | None = None) -> JobCost:  # fmt: skip
    """Recompute a work order's JobCost and raise a variance alert past the plant threshold."""
    now = now or timezone.now()
    plant = LaborSettings.current()
    figures = job_cost_compute(work_order, now=now, plant=plant, spans=spans, rates=rates)
    with transaction.atomic():
        cost, _ = JobCost.objects.update_or_create(
            work_order=work_order, defaults={**figures, "updated_at": now}
        )
        _variance_check(cost, plant, now)
    return cost


def _variance_check(cost: JobCost, plant: LaborSettings, now: datetime.datetime) -> VarianceAlert | None:
    pct = cost.variance_pct
    if pct is None or cost.actual_hours < float(plant.variance_alert_min_hours):
        return None
    limit = float(plant.variance_alert_pct)
    over = pct > limit or (cost.units_basis == "reported" and pct < -limit)
    last = (
        VarianceAlert.objects.filter(work_order_id=cost.work_order_id).order_by("-raised_at", "-id").first()
    )
    if not over or (last is not None and (last.acknowledged_at is None or _no_worse(last, pct, limit))):
        return None
    wo = cost.work_order
    kind = "over" if pct > 0 else "under"
    reason = (
        f"{wo.number} op {wo.operation.sequence}: labor {kind} standard by {abs(cost.total_variance):.0f} "
        f"({pct:+.0f} %, threshold {limit:.0f} %): {cost.actual_hours:.1f} h actual vs {cost.standard_hours:.1f} h "
        f"standard for {cost.units} units ({cost.units_basis}); rate variance {cost.rate_variance:+.0f}, "
        f"efficiency variance {cost.efficiency_variance:+.0f}."
    )
    alert = VarianceAlert.objects.create(
        work_order_id=cost.work_order_id, raised_at=now, variance=cost.total_variance, variance_pct=pct,
        reason=reason[:400],
    )  # fmt: skip
    audit_record(actor=None, action="labor.variance_alert", obj=alert, summary=reason[:500])
    return alert


def _no_worse(last: VarianceAlert, pct: float, limit: float) -> bool:
    """An acknowledged alert stands for its job until the variance, the same way, grows by another threshold: a
    recompute (a rate changed, a punch corrected) does not raise the job again for what was already seen."""
    return (last.variance_pct > 0) == (pct > 0) and abs(pct) < abs(last.variance_pct) + limit


def variance_acknowledge(*, alert: VarianceAlert, user: Any) -> VarianceAlert:
    alert.acknowledged_by, alert.acknowledged_at = user, timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_record(actor=user, action="labor.variance_acknowledged", obj=alert, summary=alert.reason[:500])
    return alert


def on_punch_recorded(*, punch_id: int, **_: Any) -> None:
    """PUNCH_RECORDED subscriber: recompute the jobs this person touched in the last day (a clock-out closes
    open jobs, so it changes them too)."""
    punch = Punch.objects.filter(pk=punch_id).first()
    if punch is None:
        return
    since = punch.at - datetime.timedelta(days=1)
    ids = set(
        Punch.objects.filter(employee_id=punch.employee_id, at__gte=since, work_order__isnull=False)
        .values_list("work_order_id", flat=True)
        .distinct()
    )
    for work_order in WorkOrder.objects.filter(pk__in=ids).select_related("operation"):
        job_cost_update(work_order)


def job_costs_refresh(*, now: datetime.datetime | None = None) -> int:
    """Recompute every job with punches (imports, demo data, a changed rate)."""
    ids = Punch.objects.filter(work_order__isnull=False).values_list("work_order_id", flat=True).distinct()
    orders = list(WorkOrder.objects.filter(pk__in=set(ids)).select_related("operation"))
    plant = LaborSettings.current()
    rates = rates_load(plant)
    spans = job_spans(now=now, overtime_after_hours=float(plant.overtime_after_hours))
    for work_order in orders:
        job_cost_update(work_order, now=now, spans=spans, rates=rates)
    return len(orders)
