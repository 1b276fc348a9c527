"""Misapplied job codes, learned from the labor-transaction history (docs/labor-analytics.md).

A job code is the part number and operation a job-on was booked to ("BRK-2040/10"). A job-on is *misapplied*
when a supervisor's correction later replaced it with a job-on for a different work order of another code.
Per shift and job code: n job-ons booked, k later recoded, and where they went. The rate is smoothed towards
the plant-wide rate p0 (k + 10·p0) / (n + 10), so a code seen twice never looks certain.

At timecard approval each job-on gets a likelihood: the learned rate, raised when the job was not at the work
center the person was clocked into, or not on the shift's schedule while the usual correction target was.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q

from instructions.models import WorkOrder
from labor.models import Punch, PunchKind, PunchSource, ScheduledJob
from labor.selectors import punches_effective, shift_list, shift_window
from labor_analytics.intervals import ShiftClock

PRIOR_WEIGHT = 10.0


def job_code(work_order: WorkOrder) -> str:
    return f"{work_order.part.number}/{work_order.operation.sequence}"


@dataclass
class CodeStats:
    shift: str
    code: str
    booked: int = 0
    recoded: int = 0
    to: Counter = field(default_factory=Counter)

    def rate(self, plant_rate: float) -> float:
        return (self.recoded + PRIOR_WEIGHT * plant_rate) / (self.booked + PRIOR_WEIGHT)


@dataclass
class Learned:
    stats: dict[tuple[str, str], CodeStats]
    plant_rate: float
    booked: int

    def get(self, shift: str, code: str) -> CodeStats:
        return self.stats.get((shift, code)) or CodeStats(shift=shift, code=code)


def misapplied_learn(*, since: datetime.datetime | None = None) -> Learned:
    """Count job-ons and their later recodings per (shift, job code) over the history."""
    ons = Punch.objects.filter(kind=PunchKind.JOB_ON, work_order__isnull=False).exclude(
        source=PunchSource.CORRECTION, replaces__isnull=False
    )
    if since is not None:
        ons = ons.filter(at__gte=since)
    ons = ons.select_related("work_order__part", "work_order__operation")
    recoded_to: dict[int, WorkOrder] = {}
    corrections = Punch.objects.filter(
        source=PunchSource.CORRECTION, kind=PunchKind.JOB_ON, replaces__isnull=False, voids=False
    ).select_related("work_order__part", "work_order__operation", "replaces")
    for c in corrections:
        if c.work_order and c.replaces and c.replaces.work_order_id != c.work_order_id:
            recoded_to[c.replaces.pk] = c.work_order
    stats: dict[tuple[str, str], CodeStats] = {}
    clock = ShiftClock()
    total = recoded = 0
    for p in ons:
        assert p.work_order is not None
        key = (clock.at(p.at)[1].code, job_code(p.work_order))
        s = stats.setdefault(key, CodeStats(shift=key[0], code=key[1]))
        s.booked += 1
        total += 1
        if p.pk in recoded_to:
            s.recoded += 1
            recoded += 1
            s.to[job_code(recoded_to[p.pk])] += 1
    return Learned(stats=stats, plant_rate=(recoded + 1) / (total + 20), booked=total)


@dataclass
class Suspect:
    punch: Punch
    job_off: Punch | None
    code: str
    likelihood: float
    reasons: list[str]
    suggestion: WorkOrder | None


def timecard_suspects(*, employee_id: int, day: datetime.date, learned: Learned) -> list[Suspect]:
    """The day's job-ons in force, most likely misapplied first, each with its reasons."""
    shifts = shift_list()
    windows = [shift_window(s, day) for s in shifts]
    start, end = min(w[0] for w in windows), max(w[1] for w in windows)
    punches = list(punches_effective([employee_id]).filter(at__gte=start, at__lt=end).order_by("at", "id")
                   .select_related("work_order__part", "work_order__operation__work_center"))  # fmt: skip
    suspects = []
    clock = ShiftClock()
    clocked_at = None
    for i, p in enumerate(punches):
        if p.kind == PunchKind.CLOCK_IN:
            clocked_at = p.work_center_id
        if p.kind != PunchKind.JOB_ON or p.work_order is None:
            continue
        if clock.at(p.at)[0] != day:
            continue
        shift = clock.at(p.at)[1].code
        code = job_code(p.work_order)
        s = learned.get(shift, code)
        likelihood = s.rate(learned.plant_rate)
        reasons = []
        if s.recoded:
            where = ", ".join(f"{c} ({n})" for c, n in s.to.most_common(2))
            reasons.append(f"On shift {shift}, {s.recoded} of {s.booked} job-ons on {code} were later corrected "
                           f"(smoothed {likelihood:.0%}; plant-wide {learned.plant_rate:.0%}), mostly to {where}.")  # fmt: skip
        elif s.booked:
            reasons.append(f"On shift {shift}, none of {s.booked} job-ons on {code} was corrected.")
        if clocked_at and p.work_order.operation.work_center_id != clocked_at:
            likelihood = 1 - (1 - likelihood) * 0.6
            reasons.append(
                f"Booked at {p.work_order.operation.work_center.code}, but clocked in at another work center."
            )
        suggestion, scheduled = _suggestion(p, s, day, shift)
        if (
            scheduled
            and suggestion is not None
            and not ScheduledJob.objects.filter(day=day, shift=shift, work_order=p.work_order).exists()
        ):
            likelihood = 1 - (1 - likelihood) * 0.8
            reasons.append(
                f"{code} is not on shift {shift}'s schedule; {job_code(suggestion)} ({suggestion.number}) is."
            )
        job_off = next((q for q in punches[i + 1:] if q.kind == PunchKind.JOB_OFF and q.work_order_id == p.work_order_id), None)  # fmt: skip
        suspects.append(Suspect(p, job_off, code, likelihood, reasons, suggestion))
    return sorted(suspects, key=lambda x: -x.likelihood)


def _suggestion(p: Punch, s: CodeStats, day: datetime.date, shift: str) -> tuple[WorkOrder | None, bool]:
    """The usual correction target among the work orders scheduled this shift, else any open one of that code."""
    for code, _n in s.to.most_common(3):
        number, _, seq = code.partition("/")
        match = Q(part__number=number, operation__sequence=int(seq or 0))
        scheduled = ScheduledJob.objects.filter(
            day=day, shift=shift, work_order__in=WorkOrder.objects.filter(match)
        )
        found = scheduled.select_related("work_order__part", "work_order__operation").first()
        if found is not None:
            return found.work_order, True
        other = (
            WorkOrder.objects.filter(match)
            .exclude(pk=p.work_order_id or 0)
            .select_related("part", "operation")
        )
        if other.exists():
            return other.order_by("-id").first(), False
    return None, False
