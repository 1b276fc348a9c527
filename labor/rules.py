"""Punch validation rules as pure functions over plain data, so they can be property-tested.

`sequence_findings` walks one employee's effective punches in time order and reports rule breaks;
`history_findings` compares clock times with the employee's own usual times. The services turn
findings into LaborFlag rows (labor/punch_checks.py `punches_validate`).
"""

import datetime
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

CLOCK_IN, CLOCK_OUT, JOB_ON, JOB_OFF = "clock_in", "clock_out", "job_on", "job_off"

# A clock-in still open after this long is taken as a forgotten clock-out.
MAX_OPEN_CLOCK = datetime.timedelta(hours=14)
# Early/late findings need this many earlier days of history, and a deviation at least this big.
MIN_HISTORY = 5
MIN_DEVIATION_MINUTES = 20.0


@dataclass(frozen=True)
class PunchEvent:
    id: int
    kind: str
    at: datetime.datetime
    work_center_id: int | None = None
    work_order_id: int | None = None
    label: str = ""  # how the punch is named in reasons, e.g. "WO-24123-10"


@dataclass(frozen=True)
class Finding:
    rule: str
    punch_id: int | None
    confidence: float
    reason: str
    key: str


def _hm(at: datetime.datetime) -> str:
    """Weekday and time in the plant's time zone."""
    return f"{timezone.localtime(at) if timezone.is_aware(at) else at:%a %H:%M}"


def sequence_findings(
    punches: Sequence[PunchEvent], *, now: datetime.datetime, work_center_names: dict[int, str] | None = None
) -> list[Finding]:
    """Rule breaks in one employee's punches: clock-out before clock-in, a missing clock-out, overlapping
    jobs, a job at a work center the employee is not clocked into, a job-off without a job-on."""
    names = work_center_names or {}
    found: list[Finding] = []
    open_clock: PunchEvent | None = None
    open_jobs: dict[int | None, PunchEvent] = {}

    def add(rule: str, punch: PunchEvent, confidence: float, reason: str) -> None:
        found.append(Finding(rule, punch.id, confidence, reason, f"{rule}:{punch.id}"))

    for p in sorted(punches, key=lambda p: (p.at, p.id)):
        if p.kind == CLOCK_IN:
            if open_clock is not None:
                add("missed_clock_out", open_clock, 0.9,
                    f"Clocked in at {_hm(open_clock.at)} and again at {_hm(p.at)} with no clock-out between.")  # fmt: skip
            open_clock = p
        elif p.kind == CLOCK_OUT:
            if open_clock is None:
                add("clock_out_before_in", p, 0.95, f"Clock-out at {_hm(p.at)} with no clock-in before it.")
            else:
                for job in open_jobs.values():
                    add("job_open_at_clock_out", job, 0.7,
                        f"Job {job.label} was still on when the employee clocked out at {_hm(p.at)}.")  # fmt: skip
                open_jobs = {}
            open_clock = None
        elif p.kind == JOB_ON:
            if open_clock is None or open_clock.work_center_id != p.work_center_id:
                where = names.get(p.work_center_id or 0, "this work center")
                now_at = (
                    "not clocked in"
                    if open_clock is None
                    else f"clocked in at {names.get(open_clock.work_center_id or 0, 'another work center')}"
                )
                add("job_not_clocked_in", p, 0.85,
                    f"Job {p.label} started at {_hm(p.at)} on {where} while {now_at}.")  # fmt: skip
            others = [j for key, j in open_jobs.items() if key != p.work_order_id]
            if others:
                add("overlapping_jobs", p, 0.9,
                    f"Job {p.label} started at {_hm(p.at)} while {', '.join(j.label for j in others)} was still on.")  # fmt: skip
            open_jobs[p.work_order_id] = p
        elif p.kind == JOB_OFF and open_jobs.pop(p.work_order_id, None) is None:
            add("job_off_without_on", p, 0.8, f"Job {p.label} stopped at {_hm(p.at)} but was never started.")
    if open_clock is not None and now - open_clock.at > MAX_OPEN_CLOCK:
        hours = (now - open_clock.at).total_seconds() / 3600
        add("missed_clock_out", open_clock, 0.9,
            f"Clocked in at {_hm(open_clock.at)} and still clocked in {hours:.0f} h later.")  # fmt: skip
    return found


@dataclass(frozen=True)
class Interval:
    start: datetime.datetime
    end: datetime.datetime | None
    label: str = ""


def job_intervals(punches: Sequence[PunchEvent]) -> list[tuple[PunchEvent, datetime.datetime | None]]:
    """(job-on punch, job-off time or None while still on), per job."""
    result: list[tuple[PunchEvent, datetime.datetime | None]] = []
    open_jobs: dict[int | None, PunchEvent] = {}
    for p in sorted(punches, key=lambda p: (p.at, p.id)):
        if p.kind == JOB_ON:
            if p.work_order_id in open_jobs:
                result.append((open_jobs[p.work_order_id], p.at))
            open_jobs[p.work_order_id] = p
        elif p.kind == JOB_OFF and p.work_order_id in open_jobs:
            result.append((open_jobs.pop(p.work_order_id), p.at))
    result.extend((p, None) for p in open_jobs.values())
    return result


def downtime_findings(
    punches: Sequence[PunchEvent],
    *,
    downtime: dict[int, list[Interval]],
    now: datetime.datetime,
) -> list[Finding]:
    """Labor booked on a work center while it was down (a line-down Andon call was open)."""
    found = []
    for job, end in job_intervals(punches):
        job_end = end or now
        for down in downtime.get(job.work_center_id or 0, []):
            down_end = down.end or now
            if job.at < down_end and down.start < job_end:
                found.append(
                    Finding(
                        "labor_on_down_work_center",
                        job.id,
                        0.6,
                        f"Job {job.label} was on while the work center was down "
                        f"({_hm(down.start)}–{_hm(down_end) if down.end else 'still down'}: {down.label}).",
                        f"labor_on_down_work_center:{job.id}",
                    )
                )
                break
    return found


def offset_minutes(at: datetime.datetime, reference: datetime.datetime) -> float:
    return (at - reference).total_seconds() / 60


def history_finding(
    *, rule_kind: str, punch: PunchEvent, offset: float, history: Iterable[float]
) -> Finding | None:
    """Early or late against the employee's own norm (median and MAD of earlier days' offsets from
    the shift start or end). None when the history is too short or the time is within the norm."""
    past = list(history)
    if len(past) < MIN_HISTORY:
        return None
    median = statistics.median(past)
    mad = statistics.median(abs(x - median) for x in past)
    spread = max(1.4826 * mad, 5.0)
    deviation = offset - median
    z = abs(deviation) / spread
    if z < 3 or abs(deviation) < MIN_DEVIATION_MINUTES:
        return None
    direction = "early" if deviation < 0 else "late"
    what = "Clocked in" if rule_kind == CLOCK_IN else "Clocked out"
    confidence = round(min(0.95, 1 - 1.5 / z), 2)
    usual = _signed(median)
    return Finding(
        f"{direction}_{'in' if rule_kind == CLOCK_IN else 'out'}",
        punch.id,
        confidence,
        f"{what} {_signed(offset)} against the shift {'start' if rule_kind == CLOCK_IN else 'end'}; "
        f"usually {usual} (±{spread:.0f} min over {len(past)} days).",
        f"history:{punch.id}",
    )


def grace_finding(*, rule_kind: str, punch: PunchEvent, offset: float, grace: int | None) -> Finding | None:
    """The plant's attendance rule (`Shift.grace_minutes`): a clock-in more than `grace` minutes after the shift
    start is late, a clock-out more than `grace` minutes before its end is early. None without a plant rule."""
    if grace is None:
        return None
    minutes = round(
        offset
    )  # judged in the whole minutes the reason shows: 20 s late is on time, 5.4 min is 5
    if rule_kind == CLOCK_IN and minutes > grace:
        return Finding(
            "late_arrival",
            punch.id,
            1.0,
            f"Clocked in {_signed(offset)} against the shift start; the plant's grace is {grace} min.",
            f"grace:{punch.id}",
        )
    if rule_kind == CLOCK_OUT and minutes < -grace:
        return Finding(
            "early_departure",
            punch.id,
            1.0,
            f"Clocked out {_signed(offset)} against the shift end; the plant's grace is {grace} min.",
            f"grace:{punch.id}",
        )
    return None


def _signed(minutes: float) -> str:
    if abs(minutes) < 0.5:
        return "on time"
    return f"{abs(minutes):.0f} min {'early' if minutes < 0 else 'late'}"
