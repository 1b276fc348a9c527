"""Job-shop scheduler: mean gap to the proven optimum over the development instances at 10 s each, and the
median seconds of the breakdown repair (breakdown:3@0.25+0.10) on the 10x10 instances."""

import csv
from pathlib import Path

from bench.stats import median
from planning import jobshop, jobshop_repair

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "jobshop"
TEN_BY_TEN = ("ft10", "la16", "la17", "la18", "la19", "la20")


def _data_dir() -> Path:
    for candidate in (DATA, Path("/work/shared/data/jobshop")):
        if (candidate / "optima.csv").is_file():
            return candidate
    raise FileNotFoundError("job-shop instances not found (../shared/data/jobshop)")


def run() -> dict[str, float]:
    data = _data_dir()
    with (data / "optima.csv").open() as fh:
        optima = {row["instance"]: int(row["optimum"]) for row in csv.DictReader(fh)}
    gaps, repairs, reorders = [], [], []
    for name, optimum in sorted(optima.items()):
        jobs = jobshop.load(data / f"{name}.txt")
        result = jobshop.solve(jobs, time_limit=10, workers=2)
        gaps.append(100.0 * (result.makespan - optimum) / optimum)
        if name in TEN_BY_TEN:
            bd = jobshop_repair.Breakdown.parse("breakdown:3@0.25+0.10", result.makespan)
            fixed = jobshop_repair.repair(jobs, result.starts, bd, time_limit=4.5, workers=2)
            repairs.append(fixed.seconds)
            reorders.append(fixed.reordered_fraction)
    return {
        "schedule_gap_pct_mean": sum(gaps) / len(gaps),
        "whatif_repair_s_median": median(repairs),
        "whatif_reordered_fraction_median": median(reorders),
    }
