"""Synthetic demand histories for `replenishment_eval`: CSV rows `item,period,demand,lead_time,moq,unit_cost`.

Shapes follow the Syntetos-Boylan classes (average inter-demand interval ADI, squared CV of the non-zero sizes):
smooth (ADI ~1, CV² small), erratic (ADI ~1, CV² large), intermittent (ADI > 1.32, CV² small), lumpy (ADI > 1.32,
CV² large), plus trending (smooth with a drift). A "plant" mix is mostly intermittent and lumpy with long lead times.
The bench set and the development set (on which parameters are chosen) differ only by seed.
"""

import csv
import io
from collections.abc import Iterator

import numpy as np

SHAPES = ("smooth", "erratic", "intermittent", "lumpy", "trending")
PLANT_MIX = {"smooth": 0.1, "erratic": 0.15, "intermittent": 0.35, "lumpy": 0.35, "trending": 0.05}
BENCH_SEED = 16
DEV_SEED = 1016


def _item_demand(rng: np.random.Generator, shape: str, periods: int) -> np.ndarray:
    if shape in ("smooth", "erratic", "trending"):
        occurrence = rng.uniform(0.85, 1.0)
    else:
        occurrence = 1.0 / rng.uniform(1.6, 8.0)
    size_mean = float(rng.lognormal(np.log(20), 1.0))
    size_cv = (
        rng.uniform(0.15, 0.5) if shape in ("smooth", "intermittent", "trending") else rng.uniform(0.9, 1.8)
    )
    sigma = np.sqrt(np.log(1 + size_cv**2))
    mu = np.log(size_mean) - sigma**2 / 2
    sizes = rng.lognormal(mu, sigma, periods)
    if shape == "trending":
        slope = rng.uniform(-0.6, 1.2) / periods
        sizes = sizes * np.clip(1 + slope * np.arange(periods), 0.2, None)
    occurs = rng.random(periods) < occurrence
    return np.where(occurs, np.maximum(1, np.round(sizes)), 0).astype(int)


def generate(
    seed: int,
    items: int = 240,
    periods: int = 156,
    mix: dict[str, float] | None = None,
    long_lead: bool = True,
) -> list[dict[str, object]]:
    """Rows of a demand history (weekly periods) with a fixed seed."""
    rng = np.random.default_rng(seed)
    mix = mix or PLANT_MIX
    names = list(mix)
    weights = np.array([mix[name] for name in names], dtype=float)
    rows: list[dict[str, object]] = []
    for index in range(items):
        shape = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        demand = _item_demand(rng, shape, periods)
        lead = int(rng.integers(3, 13)) if long_lead else int(rng.integers(1, 5))
        positive = demand[demand > 0]
        typical = float(np.median(positive)) if positive.size else 1.0
        moq = int(max(1, round(typical * rng.choice([0.0, 0.5, 1.0]))))
        unit_cost = round(float(rng.lognormal(np.log(12), 1.2)), 2)
        for period in range(periods):
            rows.append(
                {
                    "item": f"{shape[:3].upper()}-{index:04d}",
                    "period": period + 1,
                    "demand": int(demand[period]),
                    "lead_time": lead,
                    "moq": moq,
                    "unit_cost": unit_cost,
                }
            )
    return rows


def to_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["item", "period", "demand", "lead_time", "moq", "unit_cost"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def shaped_sets(seed: int) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """One set per shape (short lead times) and the plant mix, for the robustness check."""
    for offset, shape in enumerate(SHAPES):
        yield (
            shape,
            generate(
                seed + offset, items=120, mix={shape: 1.0}, long_lead=shape in ("intermittent", "lumpy")
            ),
        )
    yield "plant", generate(seed, mix=PLANT_MIX)
