"""Job time from punches: who worked on which work order when, split into regular and overtime hours."""

import bisect
import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from labor.models import PunchKind, Shift
from labor.selectors import punches_effective, shift_list, shift_window

MAX_OPEN_HOURS = 14.0  # an open job older than this is a missed punch, not work
EARLY_CLOCK_IN = datetime.timedelta(hours=1)  # a clock-in this long before a shift starts is for that shift


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

    def clocked_for(
        self, moment: datetime.datetime
    ) -> tuple[datetime.date, Shift, datetime.datetime, datetime.datetime]:
        """The plant day, shift and window a clock-in is for: a shift starting within the hour after it (05:50 is
        for the 06:00 shift, not the night shift it falls in), else the shift running then (a late arrival at
        06:20, a transfer at 10:05, a night-shift transfer at 02:30 all stay in their own shift)."""
        local = timezone.localtime(moment)
        soon = [(day, shift, *shift_window(shift, day))
                for day in (local.date(), local.date() + datetime.timedelta(days=1))
                for shift in self.shifts]  # fmt: skip
        ahead = [w for w in soon if datetime.timedelta(0) <= w[2] - local <= EARLY_CLOCK_IN]
        if ahead:
            return min(ahead, key=lambda w: w[2])
        day, shift = self.at(moment)
        return (day, shift, *shift_window(shift, day))


@dataclass
class JobSpan:
    """A stretch of one person's time credited to one work order. While the person was on several jobs at once
    the stretch is shared equally among them: `share` is this job's part (1/n) and `shared_with` the others."""

    employee_id: int
    work_order_id: int
    start: datetime.datetime
    end: datetime.datetime
    shift: str
    regular_hours: float = 0.0
    overtime_hours: float = 0.0
    open: bool = False
    share: float = 1.0
    shared_with: tuple[int, ...] = ()
    began: datetime.datetime | None = None  # the job-on this stretch belongs to
    day: datetime.date | None = None  # plant day: the clock-in's shift's, else the shift the job-on fell in

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600 * self.share


def job_spans(*, employee_ids: list[int] | None = None, start: datetime.datetime | None = None,
              end: datetime.datetime | None = None, now: datetime.datetime | None = None,
              overtime_after_hours: float = 8.0) -> list[JobSpan]:  # fmt: skip
    """Job-on → job-off spans from the punches in force (corrections applied). A clock-out closes open jobs;
    a job still open is counted up to `now` (live), at most 14 h. Time on several jobs at once is shared equally
    among them. Attended time (clocked in, or on a job) of one employee on one plant day past
    `overtime_after_hours` is overtime, and so is the job time in it."""
    now = now or timezone.now()
    punches = punches_effective(employee_ids).filter(
        kind__in=[PunchKind.JOB_ON, PunchKind.JOB_OFF, PunchKind.CLOCK_IN, PunchKind.CLOCK_OUT]
    )
    if start is not None:
        punches = punches.filter(at__gte=start)
    if end is not None:
        punches = punches.filter(at__lt=end)
    clock = ShiftClock()
    raw: list[JobSpan] = []
    attended: list[tuple[int, datetime.date, datetime.datetime, datetime.datetime]] = []
    open_jobs: dict[tuple[int, int], tuple[datetime.datetime, datetime.date, str]] = {}
    clocked_in: dict[
        int, tuple[datetime.datetime, datetime.date, Shift, datetime.datetime, datetime.datetime]
    ] = {}
    limit = datetime.timedelta(hours=MAX_OPEN_HOURS)

    def close(
        employee_id: int, work_order_id: int, at: datetime.datetime, *, still_open: bool = False
    ) -> None:
        began, day, code = open_jobs.pop((employee_id, work_order_id))
        at = min(at, began + limit)
        if at > began:
            raw.append(
                JobSpan(employee_id, work_order_id, began, at, code, open=still_open, began=began, day=day)
            )

    def clock_off(employee_id: int, at: datetime.datetime) -> None:
        """Clocked time is paid from the shift start to its end (rounded to the schedule: clocking in early or
        out late is not paid time); job time outside it still counts as attended."""
        began, day, _shift, shift_start, shift_end = clocked_in.pop(employee_id)
        a, b = max(began, shift_start), min(at, began + limit, shift_end)
        if b > a:
            attended.append((employee_id, day, a, b))

    for p in (
        punches.select_related(None).order_by("at", "id").only("employee_id", "work_order_id", "kind", "at")
    ):
        if p.kind == PunchKind.JOB_ON and p.work_order_id:
            if (p.employee_id, p.work_order_id) in open_jobs:
                close(p.employee_id, p.work_order_id, p.at)
            if p.employee_id in clocked_in and p.at - clocked_in[p.employee_id][0] > limit:
                clock_off(p.employee_id, p.at)  # a missed clock-out: that clock-in's day ended with its shift
            if p.employee_id in clocked_in:  # the job belongs to the shift the person clocked in for
                _at, day, shift, _s, _e = clocked_in[p.employee_id]
            else:
                day, shift = clock.at(p.at)
            open_jobs[(p.employee_id, p.work_order_id)] = (p.at, day, shift.code)
        elif p.kind == PunchKind.JOB_OFF and (p.employee_id, p.work_order_id) in open_jobs:
            close(p.employee_id, p.work_order_id, p.at)  # type: ignore[arg-type]
        elif p.kind == PunchKind.CLOCK_IN:
            if p.employee_id in clocked_in:  # a missed clock-out: the next clock-in ends the stretch
                clock_off(p.employee_id, p.at)
            clocked_in[p.employee_id] = (p.at, *clock.clocked_for(p.at))
        elif p.kind == PunchKind.CLOCK_OUT:
            for key in [k for k in open_jobs if k[0] == p.employee_id]:
                close(key[0], key[1], p.at)
            if p.employee_id in clocked_in:
                clock_off(p.employee_id, p.at)
    for key in list(open_jobs):
        close(key[0], key[1], now, still_open=True)
    for employee_id in list(clocked_in):
        clock_off(employee_id, now)
    spans = _shared(raw)
    _split_overtime(spans, raw, attended, overtime_after_hours)
    return spans


def _shared(raw: list[JobSpan]) -> list[JobSpan]:
    """Cut each person's job spans where another of their jobs starts or ends; a stretch on n jobs at once is
    credited 1/n to each (Plex's split of multi-machine labor), so job hours never exceed the time on jobs."""
    by_employee: dict[int, list[JobSpan]] = defaultdict(list)
    for span in raw:
        by_employee[span.employee_id].append(span)
    out: list[JobSpan] = []
    reach = datetime.timedelta(hours=MAX_OPEN_HOURS)  # no span is longer: earlier starts cannot overlap
    for spans in by_employee.values():
        spans.sort(key=lambda s: s.start)
        starts = [s.start for s in spans]
        for span in spans:
            near = spans[
                bisect.bisect_left(starts, span.start - reach) : bisect.bisect_left(starts, span.end)
            ]
            others = [o for o in near if o is not span and o.start < span.end and o.end > span.start]
            if not others:
                out.append(span)
                continue
            cuts = sorted({span.start, span.end} | {t for o in others for t in (o.start, o.end)})
            last: JobSpan | None = None
            for a, b in itertools.pairwise(c for c in cuts if span.start <= c <= span.end):
                on = tuple(sorted({o.work_order_id for o in others if o.start < b and o.end > a}))
                share = 1 / (1 + sum(1 for o in others if o.start < b and o.end > a))
                if last is not None and last.share == share and last.shared_with == on:
                    last.end = b  # in the same company as the stretch before: one piece
                    continue
                last = JobSpan(span.employee_id, span.work_order_id, a, b, span.shift, open=span.open,
                               share=share, shared_with=on, began=span.began, day=span.day)  # fmt: skip
                out.append(last)
    return out


def _union(
    intervals: list[tuple[datetime.datetime, datetime.datetime]],
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _split_overtime(spans: list[JobSpan], raw: list[JobSpan],
                    attended: list[tuple[int, datetime.date, datetime.datetime, datetime.datetime]],
                    after_hours: float) -> None:  # fmt: skip
    """Overtime starts when the person's attended time on the plant day (clocked in, or on a job without a clock
    punch) passes `after_hours`; each piece's hours from then on are overtime."""
    times: dict[tuple[int, datetime.date], list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(
        list
    )
    for span in raw:
        times[(span.employee_id, span.day)].append((span.start, span.end))  # type: ignore[index]
    for employee_id, day, a, b in attended:
        times[(employee_id, day)].append((a, b))
    overtime_from: dict[tuple[int, datetime.date], datetime.datetime] = {}
    for key, intervals in times.items():
        left = datetime.timedelta(hours=after_hours)
        for a, b in _union(intervals):
            if b - a > left:
                overtime_from[key] = a + left
                break
            left -= b - a
    for span in spans:
        cut = overtime_from.get((span.employee_id, span.day))  # type: ignore[arg-type]
        whole = (span.end - span.start).total_seconds() / 3600
        over = 0.0 if cut is None else max(0.0, (span.end - max(cut, span.start)).total_seconds() / 3600)
        span.regular_hours, span.overtime_hours = (whole - over) * span.share, over * span.share
