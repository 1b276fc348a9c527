"""Stratified k-fold evaluation of the triage classifier beside three baselines, all in one run.

Every fold trains the triage (`FusedClassifier`, which makes its own choices by an inner CV on the fold's
training rows only) and the baselines on the same training rows and scores them on the same held-out rows:

- `majority`: labels ranked by how often the training rows use them;
- `tfidf_nn`: the labels of the nearest distinct training rows by TF-IDF cosine (same word + character
  features as the triage, with the same cap on their number: `classifier_scores.feature_limit`);
- `tfidf_logreg`: logistic regression (C=10) on the same TF-IDF features.

Sentence embeddings are computed once for all rows: they use no labels, so nothing leaks between folds.

With `train_limit`, the triage of a fold with more training rows than that learns from a seeded random sample
of that many (as a plant's triage learns from its most recent `QUALITY_TRIAGE_TRAIN_LIMIT` NCRs); the baselines
keep the whole fold, so the limit can only cost the triage. Held-out rows are scored `CHUNK` at a time, so memory
stays bounded on large files.
"""

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from quality.classifier import Embed, FusedClassifier, majority_order
from quality.classifier_scores import feature_limit, text_features

METHODS = ("triage", "majority", "tfidf_nn", "tfidf_logreg")
BASELINE_C = 10.0
CHUNK = 1000


@dataclass
class Scores:
    top1: float
    top3: float
    macro_f1: float

    def as_dict(self) -> dict[str, float]:
        return {"top1": round(self.top1, 3), "top3": round(self.top3, 3), "macro_f1": round(self.macro_f1, 3)}


def _rankings_tfidf_nn(train_texts: list[str], train_y: list[str], test_texts: list[str]) -> list[list[str]]:
    features = text_features(feature_limit(len(set(train_y))))
    x = features.fit_transform(train_texts)
    out: list[list[str]] = []
    for start in range(0, len(test_texts), CHUNK):
        out.extend(
            _nearest_labels((features.transform(test_texts[start : start + CHUNK]) @ x.T).toarray(), train_y)
        )
    return out


def _nearest_labels(sims: np.ndarray, train_y: list[str]) -> list[list[str]]:
    out = []
    for row in sims:
        seen: list[str] = []
        for i in np.argsort(-row, kind="stable"):
            if train_y[i] not in seen:
                seen.append(train_y[i])
                if len(seen) == 3:
                    break
        out.append(seen)
    return out


def _rankings_logreg(train_texts: list[str], train_y: list[str], test_texts: list[str]) -> list[list[str]]:
    labels = sorted(set(train_y))
    if len(labels) == 1:
        return [labels for _ in test_texts]
    features = text_features(feature_limit(len(labels)))
    with threadpool_limits(1):
        model = LogisticRegression(C=BASELINE_C, max_iter=2000).fit(
            features.fit_transform(train_texts), train_y
        )
        p = model.predict_proba(features.transform(test_texts))
    return [[str(model.classes_[i]) for i in np.argsort(-row, kind="stable")[:3]] for row in p]


def _scores(truth: list[str], ranked: list[list[str]]) -> Scores:
    n = len(truth) or 1
    top1 = [r[0] if r else "" for r in ranked]
    return Scores(
        top1=sum(t == p for t, p in zip(truth, top1, strict=True)) / n,
        top3=sum(t in r[:3] for t, r in zip(truth, ranked, strict=True)) / n,
        macro_f1=float(f1_score(truth, top1, labels=sorted(set(truth)), average="macro", zero_division=0)),
    )


def evaluate_field(
    texts: Sequence[str],
    labels: Sequence[str],
    vectors: np.ndarray | None,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    groups: Sequence[str] | None = None,
    train_limit: int | None = None,
) -> dict[str, Scores]:
    """Stratified k-fold: each method's ranked labels for every row when it was held out."""
    texts, labels = list(texts), list(labels)
    ranked: dict[str, list[list[str]]] = {m: [[] for _ in texts] for m in METHODS}
    wanted, folds = folds, max_folds(labels, folds)
    if folds < wanted and progress:
        progress(f"{folds} folds, not {wanted}: no label occurs more than {folds} times")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # labels with fewer rows than folds
        splits = list(splitter.split(np.zeros(len(labels)), labels))
    for k, (train, test) in enumerate(splits, start=1):
        tr_texts, tr_y = [texts[i] for i in train], [labels[i] for i in train]
        te_texts = [texts[i] for i in test]
        learn = _sample(train, train_limit, seed + k)
        model = FusedClassifier(seed=seed).fit(
            [texts[i] for i in learn],
            [labels[i] for i in learn],
            vectors[learn] if vectors is not None else None,
            [groups[i] for i in learn] if groups is not None else None,
        )
        triage: list[list[str]] = []
        for start in range(0, len(test), CHUNK):
            part = test[start : start + CHUNK]
            orders, _p = model.rank(
                [texts[i] for i in part],
                vectors[part] if vectors is not None else None,
                [groups[i] for i in part] if groups is not None else None,
            )
            triage.extend([model.labels[j] for j in row[:3]] for row in orders)
        majority = majority_order(tr_y)[:3]
        nn = _rankings_tfidf_nn(tr_texts, tr_y, te_texts)
        logreg = _rankings_logreg(tr_texts, tr_y, te_texts)
        for j, i in enumerate(test):
            ranked["triage"][i] = triage[j]
            ranked["majority"][i] = majority
            ranked["tfidf_nn"][i] = nn[j]
            ranked["tfidf_logreg"][i] = logreg[j]
        if progress:
            progress(f"fold {k}/{folds}: {model.method}")
    return {m: _scores(labels, ranked[m]) for m in METHODS}


def _sample(rows: np.ndarray, limit: int | None, seed: int) -> np.ndarray:
    """`rows`, or a seeded random `limit` of them in their order when there are more."""
    if limit is None or len(rows) <= limit:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, size=max(limit, 1), replace=False))


def evaluate(
    texts: Sequence[str],
    categories: Sequence[str],
    root_causes: Sequence[str] | None = None,
    *,
    folds: int = 5,
    embed: Embed | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    groups: Sequence[str] | None = None,
    train_limit: int | None = None,
) -> dict[str, Any]:
    """The figures in the shape `triage_eval --json` prints (see docs/quality.md).

    `groups`: an optional key per row (the NCR's step or operation) the triage may use; the baselines see text only.
    `train_limit`: the most training rows the triage learns from in a fold (see the module doc).
    """
    texts = list(texts)
    vectors = embed(texts) if embed is not None and texts else None
    fields = {
        "category": evaluate_field(texts, categories, vectors, folds, seed, progress, groups, train_limit)
    }
    if root_causes is not None:
        fields["root_cause"] = evaluate_field(
            texts, root_causes, vectors, folds, seed, progress, groups, train_limit
        )
    result: dict[str, Any] = {"cases": len(texts)}
    for method in METHODS:
        result[method] = {name: scores[method].as_dict() for name, scores in fields.items()}
    return result


def max_folds(labels: Sequence[str], wanted: int) -> int:
    """At most `wanted` folds, and no more than the largest label's rows (stratified folds need each fold to be
    able to hold one of them); raises ValueError when no label occurs twice (nothing to learn from)."""
    largest = max(Counter(labels).values(), default=0)
    if largest < 2:
        raise ValueError("no label occurs more than once: there is nothing to learn from")
    return max(2, min(wanted, largest))
