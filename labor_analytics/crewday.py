"""Crew-day history: reading the CSV and the features known before each day.

A crew is the pair (crew, work_center): the same crew name on two work centers is two crews (their
efficiencies are different quantities). Every feature of a row is built from the row's own plan (what is known
the evening before: planned efficiency, crew size, standard minutes, WIP, planned changeovers, the weekday) and
from rows of strictly earlier dates; the day's own overtime, idle minutes and actual efficiency never are.
"""

import csv
import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REQUIRED = ("date", "crew", "actual_efficiency")
NUMERIC = (
    "crew_size", "standard_minutes_per_unit", "planned_efficiency", "wip", "changeovers", "overtime_minutes",
    "idle_minutes", "actual_efficiency",
)  # fmt: skip
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%y", "%Y-%m-%d %H:%M:%S")


@dataclass
class CrewDay:
    date: datetime.date
    crew: str
    work_center: str
    crew_size: float
    smv: float
    planned: float
    wip: float
    changeovers: float
    overtime: float
    idle: float
    actual: float
    features: list[float] = field(default_factory=list)
    base_overtime: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.crew, self.work_center)


def _number(text: str | None) -> float:
    text = (text or "").strip()
    if not text or text.lower() in {"na", "nan", "null", "none"}:
        return math.nan
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return math.nan


def _date(text: str) -> datetime.date:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return datetime.date.fromisoformat(text[:10])


def crew_days_read(path: Path | str) -> list[CrewDay]:
    """Rows with a date, a crew and an actual efficiency, in date order (file order within a date)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ValueError(f"missing column(s): {', '.join(missing)}")
        rows = []
        for raw in reader:
            get = {k: raw.get(v) for k, v in header.items()}
            actual = _number(get.get("actual_efficiency"))
            if math.isnan(actual) or not (get.get("date") or "").strip():
                continue
            n = {name: _number(get.get(name)) for name in NUMERIC}
            rows.append(
                CrewDay(
                    date=_date(get["date"] or ""),
                    crew=(get.get("crew") or "").strip(),
                    work_center=(get.get("work_center") or "").strip().lower(),
                    crew_size=n["crew_size"],
                    smv=n["standard_minutes_per_unit"],
                    planned=n["planned_efficiency"],
                    wip=n["wip"],
                    changeovers=n["changeovers"],
                    overtime=n["overtime_minutes"],
                    idle=n["idle_minutes"],
                    actual=actual,
                )
            )
    rows.sort(key=lambda r: r.date)
    return rows


FEATURE_NAMES = [
    "planned_efficiency", "crew_size", "standard_minutes", "wip", "changeovers", "weekday", "work_center",
    "previous_actual", "previous_gap", "mean_actual_3", "mean_actual_7", "mean_gap_7", "spread_7",
    "days_since_last", "days_on_style", "previous_overtime_per_person", "previous_idle", "history_days",
    "plant_gap_previous_day", "crew_gap_other_centers",
]  # fmt: skip


def _mean(values: list[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def features_build(rows: list[CrewDay]) -> None:
    """Fill `row.features` (FEATURE_NAMES) for every row from its plan and strictly earlier dates only."""
    centers = {wc: i for i, wc in enumerate(sorted({r.work_center for r in rows}))}
    by_date: dict[datetime.date, list[CrewDay]] = defaultdict(list)
    for row in rows:
        by_date[row.date].append(row)
    # per crew: list of (date, actual, gap, overtime/person, idle, changeovers) of earlier days (one per date)
    history: dict[tuple[str, str], list[tuple[datetime.date, float, float, float, float, float]]] = (
        defaultdict(list)
    )
    crew_last_gap: dict[str, dict[str, float]] = defaultdict(dict)
    plant_gap = math.nan
    for day in sorted(by_date):
        todays = by_date[day]
        for row in todays:
            past = history[row.key]
            actuals = [p[1] for p in past]
            gaps = [p[2] for p in past]
            days_on_style = 30.0
            for back, p in enumerate(reversed(past)):
                if p[5] > 0:
                    days_on_style = float(back)
                    break
            if row.changeovers > 0:
                days_on_style = -1.0
            others = [g for wc, g in crew_last_gap[row.crew].items() if wc != row.work_center]
            row.features = [
                row.planned, row.crew_size, row.smv, row.wip, row.changeovers, float(day.weekday()),
                float(centers[row.work_center]),
                actuals[-1] if past else math.nan,
                gaps[-1] if past else math.nan,
                _mean(actuals[-3:]), _mean(actuals[-7:]), _mean(gaps[-7:]),
                float(np.std(actuals[-7:])) if len(past) >= 3 else math.nan,
                float((day - past[-1][0]).days) if past else math.nan,
                days_on_style,
                past[-1][3] if past else math.nan,
                past[-1][4] if past else math.nan,
                float(min(len(past), 60)),
                plant_gap,
                _mean(others),
            ]  # fmt: skip
        # only now do today's results become history for later dates
        grouped: dict[tuple[str, str], list[CrewDay]] = defaultdict(list)
        for row in todays:
            grouped[row.key].append(row)
        day_gaps = []
        for key, group in grouped.items():
            actual = _mean([r.actual for r in group])
            gap = _mean([r.actual - r.planned for r in group])
            size = _mean([r.crew_size for r in group])
            ot = _mean([r.overtime for r in group])
            per_person = ot / size if size and not math.isnan(size) and size > 0 else ot
            history[key].append((day, actual, gap, per_person, _mean([r.idle for r in group]),
                                 sum(r.changeovers for r in group if not math.isnan(r.changeovers))))  # fmt: skip
            crew_last_gap[key[0]][key[1]] = gap
            day_gaps.append(gap)
        plant_gap = _mean(day_gaps)
    for col in range(len(FEATURE_NAMES)):  # a feature no row has (e.g. one work center per crew) is 0
        if all(math.isnan(r.features[col]) for r in rows):
            for row in rows:
                row.features[col] = 0.0


def date_split(rows: list[CrewDay], share: float = 0.8) -> datetime.date:
    """The first test date: the earliest `share` of the distinct dates train, the rest is forecast."""
    dates = sorted({r.date for r in rows})
    if len(dates) < 5:
        raise ValueError("need at least 5 distinct dates")
    cut = min(max(int(round(share * len(dates))), 1), len(dates) - 1)
    return dates[cut]
