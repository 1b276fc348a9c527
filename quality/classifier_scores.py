"""The arithmetic under `quality.classifier`: text features, similarities, each expert's scores, the greedy
ensemble selection and the calibration helpers. Pure numpy/scikit-learn, no state but the last transformed text.
"""

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

K_NEIGHBOURS = 10
SELECTION_ROUNDS = 10
# The n-grams kept per block (word, character): the most frequent FEATURE_LIMIT, fewer when there are so many labels
# that the linear models' weights (features x labels, and the optimiser's memory, about 300 bytes per weight in
# logistic regression's L-BFGS) would pass WEIGHT_BUDGET. NCR-length histories stay under both (5,000 short
# real-text rows, 35 labels: 24,099 word and 49,567 character n-grams); long narratives and label lists of
# hundreds are capped (docs/quality.md).
FEATURE_LIMIT = 60_000
WEIGHT_BUDGET = 6_000_000
MIN_FEATURES = 2_000


def feature_limit(labels: int) -> int:
    return max(MIN_FEATURES, min(FEATURE_LIMIT, WEIGHT_BUDGET // (2 * max(labels, 1))))


def text_features(limit: int | None) -> FeatureUnion:
    """Word 1-2-grams and character 2-5-grams inside word boundaries, sublinear tf, unit length; each block keeps
    its `limit` most frequent n-grams (`feature_limit(labels)`; None: all)."""
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True, max_features=limit),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    lowercase=True,
                    max_features=limit,
                ),
            ),
        ]
    )


def normalise_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.clip(norms, 1e-12, None)


def transform(features: FeatureUnion, texts: Sequence[str]) -> sparse.csr_matrix:
    """FeatureUnion.transform without its joblib round trip; the last single text is remembered (a draft
    ranks and then looks for its neighbours with the same features)."""
    single = len(texts) == 1
    if single and _last_transform.get("features") is features and _last_transform.get("text") == texts[0]:
        return _last_transform["x"]  # type: ignore[return-value]
    x = sparse.hstack([t.transform(texts) for _name, t in features.transformer_list]).tocsr()
    if single:
        _last_transform.update(features=features, text=texts[0], x=x)
    return x


_last_transform: dict[str, object] = {}


def cosine(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    """Cosine of the word + character features: each block is unit length, so the union's rows have length √2."""
    if a.shape[0] <= 4:  # a draft: a dense query against the sparse history is far cheaper
        return np.asarray(b @ a.toarray().T).T / 2.0
    return (a @ b.T).toarray() / 2.0


def lr(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=2000)


def spread(values: np.ndarray, columns: np.ndarray, n_labels: int, fill: float) -> np.ndarray:
    """Per-label columns over all labels (a training fold may lack some)."""
    out = np.full((values.shape[0], n_labels), fill)
    out[:, columns] = values
    return out


def svm_margins(model: LinearSVC, x: object, n_labels: int) -> np.ndarray:
    scores = model.decision_function(x)
    if scores.ndim == 1:  # two labels: one margin for the second
        scores = np.stack([-scores / 2, scores / 2], axis=1)
    return spread(scores, model.classes_, n_labels, -10.0)


def softmax(scores: np.ndarray, scale: float) -> np.ndarray:
    z = scores * scale
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def knn_vote(sims: np.ndarray, train_y: np.ndarray, n_labels: int, k: int = K_NEIGHBOURS) -> np.ndarray:
    """Similarity-weighted votes of the k most similar training rows (sims: queries x training rows).

    Weights are sim³ (close matches count far more than loose ones), smoothed with a little of the label mix so
    no label is impossible.
    """
    n_q, n_t = sims.shape
    if n_t == 0:
        return np.full((n_q, n_labels), 1.0 / n_labels)
    k = min(k, n_t)
    out = np.zeros((n_q, n_labels))
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    rows = np.arange(n_q)[:, None]
    weights = np.clip(sims[rows, top], 0, None) ** 3
    np.add.at(out, (np.repeat(np.arange(n_q), k), train_y[top].ravel()), weights.ravel())
    prior = np.bincount(train_y, minlength=n_labels) / len(train_y)
    out += 0.02 * prior[None, :] + 1e-6
    return out / out.sum(axis=1, keepdims=True)


def same_group(
    train_groups: Sequence[str], train_y: np.ndarray, groups: Sequence[str], prior: np.ndarray, n_labels: int
) -> np.ndarray:
    """The label mix of the training rows of the same group (the NCR's step, else operation), smoothed with two
    pseudo-rows at the overall mix: engineers file one failure mode under few labels."""
    counts: dict[str, np.ndarray] = {}
    for g, label in zip(train_groups, train_y, strict=True):
        if g:
            counts.setdefault(g, np.zeros(n_labels))[label] += 1
    out = np.empty((len(groups), n_labels))
    for i, g in enumerate(groups):
        c = counts.get(g) if g else None
        out[i] = prior if c is None else (c + 2 * prior) / (c.sum() + 2)
    return out


def closest(sims: np.ndarray, train_y: np.ndarray, n_labels: int) -> np.ndarray:
    """Each label's single most similar training row (the nearest-distinct-label ranking), as a score."""
    out = np.full((sims.shape[0], n_labels), -1.0)
    for label in np.unique(train_y):
        out[:, label] = sims[:, train_y == label].max(axis=1)
    return out


def select(stack: np.ndarray, y: np.ndarray, allowed: list[int]) -> tuple[list[int], float]:
    """Greedy ensemble selection with replacement (Caruana et al. 2004): each round adds the expert whose
    addition lowers the log-loss most. Returns how often each expert was picked and the final log-loss."""
    counts = [0] * stack.shape[0]
    total = np.zeros_like(stack[0])
    loss = float("inf")
    for n in range(1, SELECTION_ROUNDS + 1):
        losses = {i: log_loss((total + stack[i]) / n, y) for i in allowed}
        pick = min(losses, key=lambda i: (losses[i], i))
        counts[pick] += 1
        total += stack[pick]
        loss = losses[pick]
    return counts, loss


def ranking(fused: np.ndarray, alternatives: np.ndarray) -> np.ndarray:
    """The fused first choice, then the other labels in the order of `alternatives`."""
    return ranking_after(np.argmax(fused, axis=1), alternatives)


def ranking_after(first: np.ndarray, alternatives: np.ndarray) -> np.ndarray:
    """The given first choices, then the other labels in the order of `alternatives`."""
    score = alternatives.copy()
    score[np.arange(len(first)), first] = np.inf
    return np.argsort(-score, axis=1, kind="stable")


def rank_quality(p: np.ndarray, y: np.ndarray, first: np.ndarray | None = None) -> tuple[float, float, float]:
    """How well `p` ranks the right labels out of fold, compared in this order: how often the right label is
    first (or, given the `first` choices, among the first three), the mean reciprocal rank of the right label,
    minus the log-loss."""
    order = np.argsort(-p, axis=1, kind="stable") if first is None else ranking_after(first, p)
    rank = np.argmax(order == y[:, None], axis=1)  # 0 = first
    hits = float((rank == 0).mean()) if first is None else float((rank < 3).mean())
    return hits, float((1.0 / (rank + 1)).mean()), -log_loss(p, y)


def topk_hits(p: np.ndarray, y: np.ndarray, k: int) -> float:
    top = np.argsort(-p, axis=1, kind="stable")[:, :k]
    return float((top == y[:, None]).any(axis=1).mean())


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())


def temper(p: np.ndarray, t: float) -> np.ndarray:
    q = np.power(np.clip(p, 1e-12, None), 1.0 / t)
    return q / q.sum(axis=1, keepdims=True)
