"""The forecast page's figures, kept until one of their inputs changes (docs/labor-analytics.md).

Predicting every scheduled job and its drivers walks hundreds of trees per job; the page reads the figures
computed for the same inputs instead: the model run, the scheduled jobs of the window (and which shift is
the current one), the hours booked and units reported on their work orders, their later shifts, crew plans, certifications, rates, standards, shifts and home-shift headcounts. Computing the
key is a handful of small queries; the retraining task computes the figures for the new model right away.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from labor.models import CrewAssignment, EmployeeCertification, ScheduledJob, Shift
from labor_analytics.models import (
    EmployeeGrade,
    ForecastModelRun,
    JobCost,
    LaborGrade,
    LaborSettings,
    OperationStandard,
    ShiftPremium,
)
from labor_analytics.upcoming import (
    CrewOvertime,
    JobForecast,
    crew_overtime,
    job_forecasts,
    slots_ahead,
    upcoming_jobs,
    work_done,
)
from plexcopilot.models import Employee

FORECAST_DAYS = 3
logger = logging.getLogger(__name__)

KEEP_SECONDS = 36 * 3600  # a shift ending changes the key anyway; this only bounds forgotten entries


@dataclass
class ForecastFigures:
    computed_at: datetime.datetime
    forecasts: list[JobForecast]
    overtime: list[CrewOvertime]


def forecast_inputs_key(*, now: datetime.datetime) -> str:
    """A digest of everything the figures are computed from (not of the clock, beyond which shift is on)."""
    LaborSettings.current()  # created on first use: would change the key between the first and second look
    upcoming = upcoming_jobs(now=now, days=FORECAST_DAYS)
    days = {job.day for job in upcoming}
    job_ids = [job.pk for job in upcoming]
    run = ForecastModelRun.objects.order_by("-trained_at", "-id").values_list("id", flat=True).first()
    crews = CrewAssignment.objects.filter(job_id__in=job_ids).order_by("id")
    crew_ids = set(crews.values_list("employee_id", flat=True))
    parts: list[object] = [
        run,
        [(j.pk, j.work_order.quantity, j.work_order.status, j.work_order.operation_id) for j in upcoming],
        list(ScheduledJob.objects.filter(day__in=days).order_by("id").values_list()),  # changeovers
        list(crews.values_list("id", "job_id", "employee_id", "plan__status", "plan__created_at")),
        list(EmployeeCertification.objects.filter(employee_id__in=crew_ids).order_by("id").values_list()),
        list(
            OperationStandard.objects.filter(operation__in={j.work_order.operation_id for j in upcoming})
            .order_by("id")
            .values_list()
        ),
        [
            list(m.objects.order_by("pk").values_list())
            for m in (LaborSettings, LaborGrade, EmployeeGrade, ShiftPremium, Shift)
        ],
        list(
            Employee.objects.filter(active=True)
            .values_list("shift")
            .annotate(n=Count("id"))
            .order_by("shift")
        ),
    ]
    orders = {j.work_order_id for j in upcoming}
    slots, planned = slots_ahead(now=now, work_order_ids=orders)
    booked, done = work_done(orders)
    parts.append(
        [sorted(slots.items()), sorted(planned.items()), sorted(booked.items()), sorted(done.items())]
    )
    if run is None:  # no stored model: the page fits on the finished jobs themselves
        parts.append(JobCost.objects.aggregate(n=Count("id"), last=Max("updated_at")))
    return "labor-analytics:forecast:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def forecast_figures(*, now: datetime.datetime | None = None) -> ForecastFigures:
    """The figures for the current inputs: stored ones when nothing changed, else computed and stored."""
    now = now or timezone.now()
    key = forecast_inputs_key(now=now)
    try:
        stored = cache.get(key)
    except Exception as error:  # Redis unreachable: compute, as before there was a cache (a few seconds)
        logger.warning("Cache unavailable for the labor forecast: computing it (%s)", error)
        stored = None
    if stored is not None:
        return stored
    return forecast_figures_refresh(now=now, key=key)


def forecast_figures_refresh(*, now: datetime.datetime | None = None, key: str = "") -> ForecastFigures:
    now = now or timezone.now()
    forecasts = job_forecasts(now=now, days=FORECAST_DAYS)
    figures = ForecastFigures(
        computed_at=timezone.now(), forecasts=forecasts, overtime=crew_overtime(forecasts)
    )
    try:
        cache.set(key or forecast_inputs_key(now=now), figures, KEEP_SECONDS)
    except Exception as error:  # the page still shows them; the next view computes them again
        logger.warning("Cache unavailable for the labor forecast: not stored (%s)", error)
    return figures
