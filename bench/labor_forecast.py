"""Crew efficiency forecast on the generated demo-plant history (fixed seed): the `labor_forecast_eval`
figures beside the plan and previous-value baselines computed in the same run."""

import tempfile
from pathlib import Path

from labor_analytics.crewday import crew_days_read
from labor_analytics.efficiency_eval import evaluate
from labor_analytics.history_gen import crew_day_write

BENCH_SHAPE, BENCH_DAYS, BENCH_SEED = "plant", 150, 17


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = crew_day_write(
            Path(tmp) / "crew_days.csv", shape=BENCH_SHAPE, days=BENCH_DAYS, seed=BENCH_SEED
        )
        figures = evaluate(crew_days_read(path))["figures"]
    out = {}
    for name, values in figures.items():
        for key, value in values.items():
            if value is not None:
                out[f"labor_forecast_{name}_{key}"] = value
    return out
