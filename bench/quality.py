"""NCR history import, model training, one triage draft against the trained model, and the k-fold evaluation."""

import time
from pathlib import Path

from bench.stats import median, percentile
from quality.evaluation import evaluate
from quality.models import NCR
from quality.ncr_import import ncr_history_import
from quality.triage import TriageEngine, default_embed
from quality.triage_drafts import ncr_case, ncr_history_cases, step_titles

HISTORY = Path(__file__).resolve().parent.parent / "demo" / "ncr_history.csv"
QUERIES = 100


def run() -> dict[str, float]:
    started = time.perf_counter()
    with HISTORY.open(encoding="utf-8", newline="") as handle:
        report = ncr_history_import(lines=handle, actor=None, create_codes=True)
    import_ms = (time.perf_counter() - started) * 1000
    samples = []
    titles = step_titles()
    embed = default_embed()
    began = time.perf_counter()
    cases = ncr_history_cases()
    engine = TriageEngine().fit(cases, embed)
    train_s = time.perf_counter() - began
    queries = list(NCR.objects.select_related("part", "operation").order_by("id")[:QUERIES])
    for ncr in queries:
        case = ncr_case(ncr, titles)
        query = type(case)(id=-1, text=case.text + " (again)", operation=case.operation, step=case.step)
        began = time.perf_counter()
        engine.triage(query, embed)  # what the worker does per draft: embed the text, predict, explain
        samples.append((time.perf_counter() - began) * 1000)
    began = time.perf_counter()
    result = evaluate(
        [c.text for c in cases], [c.category for c in cases], [c.root_cause for c in cases], embed=embed
    )
    eval_s = time.perf_counter() - began
    figures = {
        f"{method}_{field}_{name}": value
        for method in ("triage", "tfidf_logreg", "tfidf_nn", "majority")
        for field, scores in result[method].items()
        for name, value in scores.items()
    }
    return {
        "quality_import_rows": float(report.imported),
        "quality_import_ms": import_ms,
        "quality_triage_draft_p50_ms": median(samples),
        "quality_triage_draft_p95_ms": percentile(samples, 95),
        "quality_triage_train_s": train_s,
        "quality_triage_eval_s": eval_s,
        **{f"quality_{name}": value for name, value in figures.items()},
    }
