"""Forecasts for the schedule ahead: hours and cost per scheduled job, overtime per crew (shift) and day."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from labor.models import ScheduledJob, Shift
from labor.selectors import shift_at, shift_list, shift_window
from labor_analytics.costs import Rates, rates_load, standard_for
from labor_analytics.job_forecast import JobHoursModel, crew_for, facts_for, job_model_current
from labor_analytics.models import LaborSettings
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
    shifts: int = 1  # scheduled shifts of this work order in the window; its hours are shared among them
    share: float = (
        1.0  # this shift's part of the work order: its planned hours over all its slots' in the window
    )

    @property
    def shift_hours(self) -> tuple[float, float, float]:
        """This shift's share of the work order's forecast hours (person-hours, like the crew's paid hours)."""
        return self.hours[0] * self.share, self.hours[1] * self.share, self.hours[2] * self.share


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
    slots: dict[int, int] = defaultdict(int)
    planned: dict[int, float] = defaultdict(float)
    for job in jobs:
        slots[job.work_order_id] += 1
        planned[job.work_order_id] += float(job.hours)
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
                               shifts=slots[job.work_order_id],
                               share=_share(float(job.hours), planned[job.work_order_id], slots[job.work_order_id])))  # fmt: skip
    return out


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
