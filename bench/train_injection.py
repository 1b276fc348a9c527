"""Develop and train the injection quarantine's second stage, on the development sets only.

Data (bench/injection_sets.py): positives are bench/data/injection_dev*.txt; negatives are bench/data/sop_dev*.txt,
the even half of the demo library's sentences and sentences of 60 development-seed manuals (bench/manuals.py,
seed 1). The held-out sets (*_test.txt, the odd half of the demo library) are never read here.

Features per sentence: its MiniLM vector, optionally with the rule signals of copilot.injection (one indicator
each, and the rule score). The classifier is logistic regression. Only sentences past the cheap pre-filter
(copilot.injection.is_candidate) are scored; the rest are never quarantined by it.

The rules were written on development sets 1-3 and extended on the misses of sets 5-8 (the fourth to seventh
held-out pairs, each measured once before it became a development set). Sets 4-8 are the validation folds: each is predicted by
a classifier trained on all other development data. `python bench/train_injection.py` prints the pooled
out-of-fold figures for each choice (features, C, decision: classifier alone or rules or classifier, threshold),
chooses the highest recall whose false-positive rate there is at most TARGET_FP, then trains that choice on all
development data and writes copilot/data/injection_lr.json.
"""

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_FP = 0.01  # out-of-fold, on development data: margin under the 2 %
C_VALUES = (0.3, 1.0, 3.0, 10.0)
VALIDATION_FOLDS = (3, 4, 5, 6, 7)  # development sets 4-8
THRESHOLDS = [round(0.05 * i, 2) for i in range(2, 20)]


def development_data() -> tuple[list[str], list[int], list[int]]:
    """(sentences, labels, fold) for the development data."""
    from bench import injection_sets, manuals
    from copilot.library import split_sentences

    sentences: list[str] = []
    labels: list[int] = []
    folds: list[int] = []
    for i in range(1, 9):
        suffix = "" if i == 1 else str(i)
        for label, name in ((1, f"injection_dev{suffix}.txt"), (0, f"sop_dev{suffix}.txt")):
            found = injection_sets.lines(name)
            sentences += found
            labels += [label] * len(found)
            folds += [i - 1] * len(found)
    library = injection_sets.library_sentences(held_out=False)
    sentences += library
    labels += [0] * len(library)
    folds += [n % 8 for n in range(len(library))]
    generated, _questions = manuals.generate(manuals.DEV_SEED)
    for n, manual in enumerate(random.Random(0).sample(generated, 60)):
        for line in manual.text.splitlines():
            if not line.startswith(("#", "-", "title:", "url:")):
                found = [s for s in split_sentences(line) if len(s) > 15]
                sentences += found
                labels += [0] * len(found)
                folds += [n % 8] * len(found)
    return sentences, labels, folds


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plexcopilot.settings")
    import django

    django.setup()
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from copilot.injection import assess, is_candidate, signal_features
    from plexcopilot.embedding import embedder

    sentences, labels, folds = development_data()
    y = np.array(labels)
    fold = np.array(folds)
    verdicts = [assess(s) for s in sentences]
    rules = np.array([v.quarantined for v in verdicts])
    candidate = np.array([is_candidate(s, v) for s, v in zip(sentences, verdicts, strict=True)])
    x = np.hstack([embedder().embed(sentences), np.array([signal_features(v) for v in verdicts])])

    features = {"vector+signals": x, "vector": x[:, : x.shape[1] - len(signal_features(verdicts[0]))]}

    def fit(rows: np.ndarray, kind: str, c: float) -> LogisticRegression:
        rows = rows & candidate
        weights = np.where(y[rows] == 1, (y[rows] == 0).sum() / max(1, (y[rows] == 1).sum()), 1.0)
        return LogisticRegression(C=c, max_iter=3000).fit(
            features[kind][rows], y[rows], sample_weight=weights
        )

    # The rules were written on sets 1-3 and extended on 5-8 (their misses), so sets 4-8 are the validation folds: each is
    # predicted by a classifier trained on all other development data, and the choice is made on the pooled
    # out-of-fold predictions (set 5 leans optimistic for the rules; the held-out pair says how it really does).
    validation = np.isin(fold, VALIDATION_FOLDS)
    print(f"development: {int(y.sum())} injections, {int((y == 0).sum())} ordinary sentences; "
          f"pre-filter passes {candidate[y == 1].mean():.3f} / {candidate[y == 0].mean():.3f}; "
          f"validation (sets 4-8): {int(y[validation].sum())} / {int((y[validation] == 0).sum())}")  # fmt: skip

    def rates(flags: np.ndarray) -> tuple[float, float]:
        return float(flags[validation & (y == 1)].mean()), float(flags[validation & (y == 0)].mean())

    print("validation, rules only: recall {:.3f} fp {:.4f}".format(*rates(rules)))
    best: tuple[float, float, str, float, str, float] | None = None
    for kind, c in [(k, c) for k in features for c in C_VALUES]:
        probability = np.zeros(len(y))
        for held in VALIDATION_FOLDS:
            rows = fold == held
            probability[rows] = fit(fold != held, kind, c).predict_proba(features[kind][rows])[:, 1]
        probability[~candidate] = 0.0
        for decision in ("classifier", "rules_or_classifier"):
            for threshold in THRESHOLDS:
                flags = probability >= threshold
                if decision == "rules_or_classifier":
                    flags = flags | rules
                recall, fp = rates(flags)
                print(
                    f"validation {kind:15} C={c:<4} {decision:20} t={threshold:.2f}: recall {recall:.3f} fp {fp:.4f}"
                )
                if fp <= TARGET_FP and (best is None or (recall, -fp) > (best[0], -best[1])):
                    best = (recall, fp, kind, c, decision, threshold)
    assert best is not None, "no decision rule meets the target on the development data"
    recall, fp, kind, c, decision, threshold = best
    print(f"chosen: {kind}, C={c}, {decision} at {threshold} (validation recall {recall:.3f}, fp {fp:.4f})")
    model = fit(np.ones(len(y), dtype=bool), kind, c)
    out = ROOT / "copilot" / "data" / "injection_lr.json"
    out.write_text(
        json.dumps(
            {
                "coef": [round(float(v), 6) for v in model.coef_[0]],
                "intercept": round(float(model.intercept_[0]), 6),
                "features": kind,
                "C": c,
                "decision": decision,
                "threshold": threshold,
                "trained_on": {"positives": int(y.sum()), "negatives": int((y == 0).sum())},
                "validation": {"recall": round(recall, 4), "false_positive_rate": round(fp, 4)},
            }
        )
        + "\n"
    )
    print(f"{out}: written")


if __name__ == "__main__":
    main()
