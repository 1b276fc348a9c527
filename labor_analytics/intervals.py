"""Job time from punches: who worked on which work order when, split into regular and overtime hours."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from labor.models import PunchKind, Shift
from labor.selectors import punches_effective, shift_list, shift_window

MAX_OPEN_HOURS = 14.0  # an open job older than this is a missed punch, not work


class ShiftClock:
    """labor.selectors.shift_at with the shifts read once (it is called for every span)."""

    def __init__(self) -> None:
        self.shifts = shift_list()

    def at(self, moment: datetime.datetime) -> tuple[datetime.date, Shift]:
        local = timezone.localtime(moment)
        for day in (local.date(), local.date() - datetime.timedelta(days=1)):
            for shift in self.shifts:
                start, end = shift_window(shift, day)
                if start <= local < end:
                    return day, shift
        return local.date(), self.shifts[0]


@dataclass
class JobSpan:
    employee_id: int
    work_order_id: int
    start: datetime.datetime
    end: datetime.datetime
    shift: str
    regular_hours: float = 0.0
    overtime_hours: float = 0.0
    open: bool = False

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def job_spans(*, employee_ids: list[int] | None = None, start: datetime.datetime | None = None,
              end: datetime.datetime | None = None, now: datetime.datetime | None = None,
              overtime_after_hours: float = 8.0) -> list[JobSpan]:  # fmt: skip
    """Job-on → job-off spans from the punches in force (corrections applied). A clock-out closes open jobs;
    a job still open is counted up to `now` (live), at most 14 h. Hours of one employee on one plant day past
    `overtime_after_hours` (all jobs of the day, in time order) are overtime."""
    now = now or timezone.now()
    punches = punches_effective(employee_ids).filter(
        kind__in=[PunchKind.JOB_ON, PunchKind.JOB_OFF, PunchKind.CLOCK_OUT]
    )
    if start is not None:
        punches = punches.filter(at__gte=start)
    if end is not None:
        punches = punches.filter(at__lt=end)
    clock = ShiftClock()
    spans: list[JobSpan] = []
    open_jobs: dict[tuple[int, int], datetime.datetime] = {}

    def close(
        employee_id: int, work_order_id: int, at: datetime.datetime, *, still_open: bool = False
    ) -> None:
        began = open_jobs.pop((employee_id, work_order_id))
        at = min(at, began + datetime.timedelta(hours=MAX_OPEN_HOURS))
        if at > began:
            spans.append(
                JobSpan(employee_id, work_order_id, began, at, clock.at(began)[1].code, open=still_open)
            )

    for p in (
        punches.select_related(None).order_by("at", "id").only("employee_id", "work_order_id", "kind", "at")
    ):
        if p.kind == PunchKind.JOB_ON and p.work_order_id:
            if (p.employee_id, p.work_order_id) in open_jobs:
                close(p.employee_id, p.work_order_id, p.at)
            open_jobs[(p.employee_id, p.work_order_id)] = p.at
        elif p.kind == PunchKind.JOB_OFF and (p.employee_id, p.work_order_id) in open_jobs:
            close(p.employee_id, p.work_order_id, p.at)  # type: ignore[arg-type]
        elif p.kind == PunchKind.CLOCK_OUT:
            for key in [k for k in open_jobs if k[0] == p.employee_id]:
                close(key[0], key[1], p.at)
    for key in list(open_jobs):
        close(key[0], key[1], now, still_open=True)
    _split_overtime(spans, overtime_after_hours, clock)
    return spans


def _split_overtime(spans: list[JobSpan], after_hours: float, clock: ShiftClock) -> None:
    by_day: dict[tuple[int, datetime.date], list[JobSpan]] = defaultdict(list)
    for span in spans:
        by_day[(span.employee_id, clock.at(span.start)[0])].append(span)
    for day_spans in by_day.values():
        worked = 0.0
        for span in sorted(day_spans, key=lambda s: s.start):
            regular = max(0.0, min(span.hours, after_hours - worked))
            span.regular_hours, span.overtime_hours = regular, span.hours - regular
            worked += span.hours
