"""Forecasts for the schedule ahead: hours and cost per scheduled job, overtime per crew (shift) and day."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from instructions.models import ProductionReport
from labor.models import ScheduledJob, Shift
from labor.selectors import shift_at, shift_list, shift_window
from labor_analytics.costs import Rates, rates_load, standard_for
from labor_analytics.job_forecast import JobHoursModel, crew_for, facts_for, job_model_current
from labor_analytics.models import JobCost, LaborSettings
from plexcopilot.models import Employee


@dataclass
class JobForecast:
    job: ScheduledJob
    label: str
    standard_hours: float
    hours: tuple[float, float, float]  # 10th, 50th, 90th percentile
    cost: tuple[float, float, float]
    crew_size: int
    drivers: list[tuple[str, float]] = field(default_factory=list)
    shifts: int = 1  # scheduled shifts of this work order from now on; its hours to go are shared among them
    share: float = (
        1.0  # this shift's part: its planned hours over those of all the work order's shifts to come
    )
    booked: float = 0.0  # hours already on the work order (its job cost's actual hours)
    done_units: int = 0  # good + scrap reported so far
    hourly: float = 0.0

    @property
    def to_go(self) -> tuple[float, float, float]:
        """The work order's hours still to work: the forecast total for the units not yet reported when some
        are, else the forecast total less the hours booked (never below zero)."""
        quantity = self.job.work_order.quantity
        if self.done_units and quantity:
            left = max(0.0, 1 - self.done_units / quantity)
            return self.hours[0] * left, self.hours[1] * left, self.hours[2] * left
        return (max(0.0, self.hours[0] - self.booked), max(0.0, self.hours[1] - self.booked),
                max(0.0, self.hours[2] - self.booked))  # fmt: skip

    @property
    def shift_hours(self) -> tuple[float, float, float]:
        """This shift's share of the hours to go (person-hours, like the crew's paid hours)."""
        lo, mid, hi = self.to_go
        return lo * self.share, mid * self.share, hi * self.share

    @property
    def shift_cost(self) -> tuple[float, float, float]:
        lo, mid, hi = self.shift_hours
        return lo * self.hourly, mid * self.hourly, hi * self.hourly


@dataclass
class CrewOvertime:
    day: datetime.date
    shift: str
    people: int
    capacity_hours: float
    demand_hours: tuple[float, float, float]
    overtime_hours: tuple[float, float]  # at the median and at the 90th percentile of demand
    jobs: int


def upcoming_jobs(*, now: datetime.datetime, days: int = 3) -> list[ScheduledJob]:
    """Scheduled jobs from the shift running at `now` (else the next one) over `days` plant days: a shift that
    has ended is history, not forecast, even on today's date (a night shift belongs to the day it started)."""
    first_day, today = shift_at(now)[0], timezone.localdate(now)
    shifts = {s.code: s for s in shift_list()}
    jobs = ScheduledJob.objects.filter(day__gte=first_day, day__lt=today + datetime.timedelta(days=days))
    out = []
    for job in jobs.select_related("work_order__operation__work_center", "work_order__part").order_by(
        "day", "shift", "id"
    ):
        shift = shifts.get(job.shift)
        if shift is None or shift_window(shift, job.day)[1] > now:
            out.append(job)
    return out


def job_forecasts(*, now: datetime.datetime, days: int = 3, model: JobHoursModel | None = None,
                  rates: Rates | None = None) -> list[JobForecast]:  # fmt: skip
    plant = LaborSettings.current()
    model = model or job_model_current()
    rates = rates or rates_load(plant)
    jobs = upcoming_jobs(now=now, days=days)
    slots, planned = slots_ahead(now=now, work_order_ids={job.work_order_id for job in jobs})
    booked, done = work_done({job.work_order_id for job in jobs})
    rows = []
    for job in jobs:
        wo = job.work_order
        setup, per_unit, _rate = standard_for(wo, plant)
        standard = setup + per_unit * wo.quantity if per_unit else float(job.hours) * job.crew_size
        crew = crew_for(job)
        facts = facts_for(wo, crew=crew, shift=job.shift, day=job.day, standard_hours=standard)
        rows.append((job, crew, facts))
    facts_all = [facts for _job, _crew, facts in rows]
    out = []
    for (job, crew, facts), hours, drivers in zip(
        rows, model.quantiles_many(facts_all), model.drivers_many(facts_all), strict=True
    ):
        ids = list(crew) or [0]
        hourly = sum(rates.hourly(i, job.shift) for i in ids) / len(ids)
        out.append(JobForecast(job=job, label=facts.label, standard_hours=facts.standard_hours, hours=hours,
                               cost=(hours[0] * hourly, hours[1] * hourly, hours[2] * hourly),
                               crew_size=max(len(crew), job.crew_size), drivers=drivers,
                               shifts=slots[job.work_order_id], booked=booked.get(job.work_order_id, 0.0),
                               done_units=done.get(job.work_order_id, 0), hourly=hourly,
                               share=_share(float(job.hours), planned[job.work_order_id], slots[job.work_order_id])))  # fmt: skip
    return out


def slots_ahead(
    *, now: datetime.datetime, work_order_ids: set[int]
) -> tuple[dict[int, int], dict[int, float]]:
    """Per work order: its scheduled shifts from the one running now on (beyond the page's window too) and their
    planned hours: the hours to go are shared among all of them, not only the ones the page shows."""
    first_day = shift_at(now)[0]
    shifts = {s.code: s for s in shift_list()}
    slots: dict[int, int] = defaultdict(int)
    planned: dict[int, float] = defaultdict(float)
    for job in ScheduledJob.objects.filter(work_order_id__in=work_order_ids, day__gte=first_day):
        shift = shifts.get(job.shift)
        if shift is None or shift_window(shift, job.day)[1] > now:
            slots[job.work_order_id] += 1
            planned[job.work_order_id] += float(job.hours)
    return slots, planned


def work_done(work_order_ids: set[int]) -> tuple[dict[int, float], dict[int, int]]:
    """Hours booked (the job costs' actual hours, as on the variances page) and units reported per work order."""
    booked = dict(
        JobCost.objects.filter(work_order_id__in=work_order_ids).values_list("work_order_id", "actual_hours")
    )
    done = {r["work_order"]: (r["g"] or 0) + (r["s"] or 0)
            for r in ProductionReport.objects.filter(work_order_id__in=work_order_ids).values("work_order")
            .annotate(g=Sum("good"), s=Sum("scrap"))}  # fmt: skip
    return booked, done


def _share(hours: float, planned: float, slots: int) -> float:
    """A slot's part of its work order: by the hours planned on it (a 2-hour finish on Wednesday is not a third of
    the job), equal parts when no slot has planned hours."""
    return hours / planned if planned > 0 else 1 / slots


def crew_overtime(forecasts: list[JobForecast]) -> list[CrewOvertime]:
    """Per day and shift: forecast job hours against the crew's paid hours (crew plan, else home shift)."""
    paid = {s.code: float(s.paid_hours) for s in Shift.objects.all()}
    grouped: dict[tuple[datetime.date, str], list[JobForecast]] = defaultdict(list)
    for f in forecasts:
        grouped[(f.job.day, f.job.shift)].append(f)
    home: dict[str, int] = defaultdict(int)
    for code in Employee.objects.filter(active=True).values_list("shift", flat=True):
        home[code] += 1
    out = []
    for (day, shift), items in sorted(grouped.items()):
        people = sum(f.crew_size for f in items) or home[shift]
        capacity = people * paid.get(shift, 8.0)
        demand = tuple(sum(f.shift_hours[i] for f in items) for i in range(3))
        out.append(CrewOvertime(day=day, shift=shift, people=people, capacity_hours=capacity,
                                demand_hours=demand,  # type: ignore[arg-type]
                                overtime_hours=(max(0.0, demand[1] - capacity), max(0.0, demand[2] - capacity)),
                                jobs=len(items)))  # fmt: skip
    return out
