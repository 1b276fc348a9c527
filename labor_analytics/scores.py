"""Team and individual scores that are fair (docs/labor-analytics.md, "Scores").

Efficiency = earned standard hours / clocked hours, per week. A job's earned standard hours (setup + hours per
unit × units reported, else the job quantity once complete) are shared among the people on it in proportion to
their hours. Downtime is not charged: job time while a "machine stopped" Andon call was open at the job's work
center is taken out of the clocked hours (the earned hours do not depend on it). Quality = scrap share of the
units on the jobs worked, hours-weighted. Each figure carries its sample (jobs, hours), an 80 % band
(±1.28 standard errors of the hours-weighted ratio) and a confidence word; no ranking is made.
"""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone
from django.utils.html import escape

from instructions.models import ProductionReport, WorkOrder, WorkOrderStatus
from labor.models import AndonCall
from labor_analytics.intervals import JobSpan, job_spans
from labor_analytics.models import OperationStandard
from plexcopilot.models import Employee


@dataclass
class Week:
    start: datetime.date
    earned: float = 0.0
    clocked: float = 0.0
    downtime: float = 0.0
    jobs: set[int] = field(default_factory=set)
    per_job: dict[int, list[float]] = field(default_factory=dict)  # job -> [earned, charged hours]

    @property
    def efficiency(self) -> float | None:
        return self.earned / self.clocked if self.clocked > 0.05 else None

    @property
    def band(self) -> float | None:
        """1.28 standard errors of the ratio estimator over jobs (80 % band)."""
        eff = self.efficiency
        if eff is None or len(self.per_job) < 2:
            return None
        total = sum(h for _e, h in self.per_job.values())
        var = sum((e - eff * h) ** 2 for e, h in self.per_job.values()) / (total**2)
        return 1.28 * math.sqrt(var * len(self.per_job) / (len(self.per_job) - 1))


@dataclass
class Score:
    name: str
    weeks: list[Week]
    scrap: float | None
    units: int
    explain: str = ""

    @property
    def total(self) -> Week:
        t = Week(start=self.weeks[0].start if self.weeks else timezone.localdate())
        for w in self.weeks:
            t.earned += w.earned
            t.clocked += w.clocked
            t.downtime += w.downtime
            t.jobs |= w.jobs
            for job, (e, h) in w.per_job.items():
                acc = t.per_job.setdefault(job, [0.0, 0.0])
                acc[0] += e
                acc[1] += h
        return t

    @property
    def confidence(self) -> str:
        t = self.total
        wide = t.band is not None and t.band > 0.2  # a wide band is never "high", whatever the sample
        if len(t.jobs) >= 10 and t.clocked >= 40 and not wide:
            return "high"
        return "medium" if len(t.jobs) >= 4 and t.clocked >= 12 else "low"


def _downtime(
    span: JobSpan, calls: list[tuple[int, datetime.datetime, datetime.datetime]], center: int
) -> float:
    hours = 0.0
    for wc, start, end in calls:
        if wc == center:
            overlap = (min(end, span.end) - max(start, span.start)).total_seconds() / 3600
            hours += max(0.0, overlap) * span.share
    return min(hours, span.hours)


def scores_compute(
    *, today: datetime.date, weeks: int = 8, now: datetime.datetime | None = None
) -> dict[str, list[Score]]:
    """{"teams": [...], "people": [...]} over the last `weeks` weeks (Monday-based), alphabetical."""
    now = now or timezone.now()
    monday = today - datetime.timedelta(days=today.weekday())
    first = monday - datetime.timedelta(weeks=weeks - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time(0)))
    spans = [s for s in job_spans(start=start, now=now) if not s.open]
    orders = {
        wo.pk: wo
        for wo in WorkOrder.objects.filter(pk__in={s.work_order_id for s in spans}).select_related(
            "operation"
        )
    }
    standards = {
        s.operation_id: s
        for s in OperationStandard.objects.filter(operation_id__in={o.operation_id for o in orders.values()})
    }
    reported = {
        r["work_order"]: r
        for r in ProductionReport.objects.filter(work_order_id__in=orders)
        .values("work_order")
        .annotate(g=Sum("good"), s=Sum("scrap"))
    }
    job_hours: dict[int, float] = defaultdict(float)
    for s in spans:
        job_hours[s.work_order_id] += s.hours
    calls = [(c.work_center_id, c.raised_at, c.resolved_at or now)
             for c in AndonCall.objects.filter(line_down=True, raised_at__lt=now).exclude(resolved_at__lt=start)]  # fmt: skip
    people = {e.pk: e for e in Employee.objects.filter(pk__in={s.employee_id for s in spans})}
    by_person: dict[int, dict[datetime.date, Week]] = defaultdict(dict)
    by_team: dict[str, dict[datetime.date, Week]] = defaultdict(dict)
    scrap: dict[object, list[float]] = defaultdict(
        lambda: [0.0, 0.0]
    )  # key -> [scrap units × share, units × share]
    for s in spans:
        wo = orders[s.work_order_id]
        std = standards.get(wo.operation_id)
        rep = reported.get(wo.pk)
        units = (
            ((rep["g"] or 0) + (rep["s"] or 0))
            if rep
            else (wo.quantity if wo.status == WorkOrderStatus.COMPLETE else 0)
        )
        if std is None or not units:
            continue  # no standard, or nothing earned yet: neither earned nor charged
        share = s.hours / job_hours[wo.pk]
        earned = share * (float(std.setup_hours) + float(std.hours_per_unit) * units)
        down = _downtime(s, calls, wo.operation.work_center_id)
        week_start = timezone.localdate(s.start) - datetime.timedelta(
            days=timezone.localdate(s.start).weekday()
        )
        employee = people[s.employee_id]
        for bucket in (by_person[s.employee_id], by_team[employee.shift or "—"]):
            w = bucket.setdefault(week_start, Week(start=week_start))
            w.earned += earned
            w.clocked += s.hours - down
            w.downtime += down
            w.jobs.add(wo.pk)
            acc = w.per_job.setdefault(wo.pk, [0.0, 0.0])
            acc[0] += earned
            acc[1] += s.hours - down
        if rep:
            for key in (s.employee_id, f"team:{employee.shift or '—'}"):
                scrap[key][0] += share * (rep["s"] or 0)
                scrap[key][1] += share * units
    starts = [first + datetime.timedelta(weeks=i) for i in range(weeks)]

    def build(name: str, bucket: dict[datetime.date, Week], key: object) -> Score:
        series = [bucket.get(d, Week(start=d)) for d in starts]
        sc, un = scrap.get(key, [0.0, 0.0])
        score = Score(name=name, weeks=series, scrap=(sc / un) if un else None, units=int(round(un)))
        t = score.total
        score.explain = (f"{t.earned:.1f} earned standard h on {len(t.jobs)} job(s) / {t.clocked:.1f} clocked h "
                         f"({t.downtime:.1f} h of machine-stopped downtime not charged); scrap "
                         + (f"{score.scrap:.1%} of {score.units} units" if score.scrap is not None else "not reported")
                         + f"; {weeks} weeks from {first:%Y-%m-%d}; confidence {score.confidence}.")  # fmt: skip
        return score

    teams = [build(f"Shift {code}", b, f"team:{code}") for code, b in sorted(by_team.items())]
    persons = sorted(
        (build(people[pid].full_name, b, pid) for pid, b in by_person.items()), key=lambda s: s.name
    )
    return {"teams": teams, "people": persons}


def trend_svg(score: Score, *, width: int = 240, height: int = 64) -> str:
    """An inline SVG line of weekly efficiency with its 80 % band; gaps where a week has no data."""
    lo_v, hi_v = 0.4, 1.4
    n = max(len(score.weeks) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        v = min(max(v, lo_v), hi_v)
        return 4 + i * (width - 8) / n, height - 4 - (v - lo_v) / (hi_v - lo_v) * (height - 8)

    parts = [f'<svg class="trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Weekly efficiency of {escape(score.name)}">']  # fmt: skip
    y100 = xy(0, 1.0)[1]
    parts.append(
        f'<line x1="0" x2="{width}" y1="{y100:.1f}" y2="{y100:.1f}" stroke="#999" stroke-dasharray="3 3"/>'
    )
    points = []
    for i, w in enumerate(score.weeks):
        if w.efficiency is None:
            continue
        x, y = xy(i, w.efficiency)
        if w.band is not None:
            y1, y2 = xy(i, w.efficiency + w.band)[1], xy(i, w.efficiency - w.band)[1]
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y1:.1f}" y2="{y2:.1f}" stroke="#9ab" stroke-width="3"/>'
            )
        points.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#246"><title>week of {w.start:%m-%d}: '
                     f"{w.efficiency:.0%} on {len(w.jobs)} job(s), {w.clocked:.1f} h</title></circle>")  # fmt: skip
    if len(points) > 1:
        parts.append(f'<polyline fill="none" stroke="#246" stroke-width="1.5" points="{" ".join(points)}"/>')
    parts.append("</svg>")
    return "".join(parts)
