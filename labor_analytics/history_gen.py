"""Generated crew-day history (the `labor_forecast_eval` CSV format) for the bench and the tests.

One row per crew, work center and working day. Efficiency (earned standard minutes / clocked minutes) follows
each crew's skill, a learning curve after every style change (fast at first, flattening), losses on the day of
a changeover, a weekday effect, a slowly wandering crew state (AR(1)), material starvation when WIP runs low,
and rare bad days (breakdowns: idle minutes, a heavy left tail). The planner's target lags what the crew really
does, and a crew that falls behind its plan is put on overtime until its backlog is worked off (plus some
same-day overtime on a bad day). Shapes:

- `plant`: the demo plant (three work centers, eight crews, Monday–Saturday).
- `garment`: targets on a coarse grid (0.6 … 0.8), results often right on target, a finishing department
  without WIP, bigger crews and overtime in total crew minutes.
- `drift`: the plant with a step in difficulty two thirds in (a new product family) and a slow trend.
- `small`: three crews, 50 days.
"""

import csv
import datetime
import io
import math
import random
from collections.abc import Iterator
from pathlib import Path

COLUMNS = [
    "date", "crew", "work_center", "crew_size", "standard_minutes_per_unit", "planned_efficiency", "wip",
    "changeovers", "overtime_minutes", "idle_minutes", "actual_efficiency",
]  # fmt: skip

SHIFT_MINUTES = 480
SHAPES = ("plant", "garment", "drift", "small")

PLANT_CENTERS = {"PRESS-01": (0.6, 1.4), "WELD-02": (2.0, 4.5), "ASSY-03": (3.0, 8.0)}


def crew_day_rows(*, shape: str = "plant", days: int = 150, seed: int = 17,
                  start: datetime.date = datetime.date(2026, 3, 2)) -> Iterator[dict[str, object]]:  # fmt: skip
    """Yield crew-day rows in date order."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}")
    rng = random.Random(f"{shape}:{seed}")
    if shape == "small":
        days = min(days, 50)
    if shape == "garment":
        centers = {"sewing": (10.0, 40.0), "finishing": (2.5, 5.0)}
        n_crews = 12
    else:
        centers = PLANT_CENTERS
        n_crews = 3 if shape == "small" else 8
    crews = []
    for i in range(n_crews):
        for wc in centers if shape == "garment" else [list(centers)[i % len(centers)]]:
            crews.append(
                {
                    "crew": f"{i + 1}" if shape == "garment" else f"{'ABC'[i % 3]}{i // 3 + 1}",
                    "wc": wc,
                    "skill": rng.gauss(0.0, 0.06),
                    "size": rng.randint(30, 58) if wc == "sewing" else rng.randint(3, 9),
                    "state": 0.0,
                    "days_on_style": rng.randint(0, 20),
                    "smv": rng.uniform(*centers[wc]),
                    "target_memory": 0.8,
                    "wip": rng.randint(300, 1200) if wc != "finishing" else None,
                }
            )
    day = start
    made = 0
    while made < days:
        if day.weekday() == 6 or (shape != "garment" and day.weekday() == 5 and rng.random() < 0.7):
            day += datetime.timedelta(days=1)
            continue
        progress = made / max(days - 1, 1)
        for c in crews:
            yield _crew_day(rng, shape, c, day, progress)
        made += 1
        day += datetime.timedelta(days=1)


def _crew_day(
    rng: random.Random, shape: str, c: dict, day: datetime.date, progress: float
) -> dict[str, object]:
    changeovers = 0
    style_rate = 0.12 if shape == "garment" else 0.09
    if rng.random() < style_rate:
        changeovers = 1 + (rng.random() < 0.25)
        c["days_on_style"] = 0
        lo, hi = (10.0, 40.0) if c["wc"] == "sewing" else PLANT_CENTERS.get(c["wc"], (2.5, 5.0))
        c["smv"] = rng.uniform(lo, hi)
    else:
        c["days_on_style"] += 1
    learning = -0.22 * math.exp(-c["days_on_style"] / 4.0)  # learning curve after a style change
    c["state"] = 0.75 * c["state"] + rng.gauss(0, 0.035)
    weekday = {0: -0.03, 4: -0.015, 5: -0.02}.get(day.weekday(), 0.0)
    drift = 0.0
    if shape == "drift":
        drift = -0.05 * progress - (0.08 if progress > 0.66 else 0.0)
    wip = c["wip"]
    starve = 0.0
    if wip is not None:
        wip = max(0, int(wip + rng.gauss(0, 180)))
        c["wip"] = min(max(wip, 50), 1800)
        starve = -0.12 * max(0.0, (250 - wip) / 250)
    complexity = -0.012 * (c["smv"] - 3.0) if shape != "garment" else -0.002 * (c["smv"] - 20)
    size = max(2, c["size"] + rng.choice([0, 0, 0, -1, 1]) * (3 if c["size"] > 20 else 1))
    idle = 0
    shock = 0.0
    if rng.random() < 0.05:  # a breakdown or a missing material: heavy left tail
        shock = -rng.uniform(0.1, 0.4)
        idle = int(-shock * SHIFT_MINUTES * rng.uniform(0.3, 0.8))
    true_eff = 0.82 + c["skill"] + learning - 0.05 * changeovers + c["state"] + weekday + drift + starve
    true_eff += complexity + shock
    actual = true_eff + rng.gauss(0, 0.03)
    # The planner's target: last weeks' level, rounded, with a dip on style-change days.
    target = 0.85 * c["target_memory"] + 0.15 * (true_eff - shock)
    c["target_memory"] = target
    planned = target - 0.04 * changeovers + rng.gauss(0, 0.015)
    if shape == "garment":
        planned = min((0.6, 0.65, 0.7, 0.75, 0.8), key=lambda t: abs(t - planned))
        if rng.random() < 0.45 and actual > planned - 0.05:
            actual = planned + abs(rng.gauss(0, 0.01))  # the line stops at the target
    actual = min(max(actual, 0.2), 1.15)
    # Overtime is mostly scheduled: a crew whose backlog (shift-minutes behind plan) builds up is put on
    # 60–120 min a person until it has worked it off; on top, some same-day overtime when it falls behind today.
    behind = (planned - actual) / max(planned, 0.3)
    scheduled = c.get("ot_scheduled", 0)
    c["backlog"] = max(0.0, c.get("backlog", 0.0) + 480 * behind - scheduled)
    if scheduled == 0 and c["backlog"] > 240:
        c["ot_scheduled"] = rng.choice([60, 90, 120])
    elif scheduled and c["backlog"] < 60:
        c["ot_scheduled"] = 0
    same_day = 480 * max(0.0, behind - 0.08) * rng.uniform(0.3, 0.8)
    per_person_ot = min(180, scheduled + same_day)
    overtime = int(round(per_person_ot * (size if shape == "garment" else 1) / 10) * 10)
    return {
        "date": day.isoformat(),
        "crew": c["crew"],
        "work_center": c["wc"],
        "crew_size": size,
        "standard_minutes_per_unit": round(c["smv"], 2),
        "planned_efficiency": round(planned, 3),
        "wip": "" if wip is None else wip,
        "changeovers": changeovers,
        "overtime_minutes": overtime,
        "idle_minutes": idle,
        "actual_efficiency": round(actual, 4),
    }


def crew_day_csv(**kwargs: object) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(crew_day_rows(**kwargs))  # type: ignore[arg-type]
    return out.getvalue()


def crew_day_write(path: Path, **kwargs: object) -> Path:
    path.write_text(crew_day_csv(**kwargs))
    return path
