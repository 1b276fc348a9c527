"""NCR history import, one triage draft against the history, and the leave-one-out evaluation."""

import time
from pathlib import Path

from bench.stats import median, percentile
from quality.models import NCR
from quality.services import ncr_case, ncr_history_cases, ncr_history_import, step_titles
from quality.triage import Bm25Index, evaluate, triage

HISTORY = Path(__file__).resolve().parent.parent / "demo" / "ncr_history.csv"
QUERIES = 100


def run() -> dict[str, float]:
    started = time.perf_counter()
    with HISTORY.open(encoding="utf-8", newline="") as handle:
        report = ncr_history_import(lines=handle, actor=None)
    import_ms = (time.perf_counter() - started) * 1000
    samples = []
    titles = step_titles()
    queries = list(NCR.objects.select_related("part", "operation").order_by("id")[:QUERIES])
    for ncr in queries:
        began = time.perf_counter()
        # What the worker does per NCR: load the history, build the index, rank.
        history = ncr_history_cases(exclude=ncr.pk)
        triage(history, ncr_case(ncr, titles), Bm25Index(history))
        samples.append((time.perf_counter() - began) * 1000)
    began = time.perf_counter()
    figures = evaluate(ncr_history_cases()).figures
    eval_s = time.perf_counter() - began
    return {
        "quality_import_rows": float(report.imported),
        "quality_import_ms": import_ms,
        "quality_triage_draft_p50_ms": median(samples),
        "quality_triage_draft_p95_ms": percentile(samples, 95),
        "quality_triage_eval_s": eval_s,
        **{f"quality_{name}": value for name, value in figures.items()},
    }
