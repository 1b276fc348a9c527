"""Replenishment replay on a plant-like demand set (intermittent, lumpy, long lead times; fixed seed), the app's
policy beside the min/max and Croston/SBA baselines; the policy's parameters were chosen on the DEV_SEED set."""

import tempfile
import time
from pathlib import Path

from materials.demand_sets import BENCH_SEED, generate, to_csv
from materials.evaluation import evaluate_file


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plant_demand.csv"
        path.write_text(to_csv(generate(BENCH_SEED)), encoding="utf-8")
        started = time.perf_counter()
        figures = evaluate_file(str(path))
        elapsed = time.perf_counter() - started
    out: dict[str, float] = {"materials_replenishment_eval_s": elapsed}
    for policy, row in figures.items():
        for name, value in row.items():
            out[f"materials_{policy}_{name}"] = float(value)
    return out
