"""The supervised NCR classifier: logistic regression on words and characters, fused with nearest neighbours.

One `FusedClassifier` predicts one field (category or root cause) from an NCR's text. Four experts each give a
probability for every label:

- `svm_text`: a linear SVM over TF-IDF word 1-2-grams and character 2-5-grams (misspellings, "flange lk",
  codes like "M10" still share character n-grams); its C is chosen among `C_GRID`, its margins become
  probabilities by a softmax whose scale is fitted for log-loss;
- `lr_embed`: logistic regression over the MiniLM sentence embedding (meaning: "not starting" ~ "won't start");
- `knn_embed`: the labels of the k nearest past NCRs in the embedding space, weighted by similarity;
- `knn_text`: the same in the TF-IDF space (near-duplicate records, which real histories are full of).

The fused probability is a weighted mean of the four, sharpened or flattened by a temperature. C, the weights and
the temperature are chosen by an inner stratified cross-validation on the training NCRs only (the caller's
evaluation folds never see the choice), weights for accuracy (top-1 + top-3, log-loss breaking ties), the
temperature for log-loss (calibration). With fewer than `MIN_SUPERVISED` labelled NCRs the classifier is plain
nearest-neighbour voting. Pure numpy/scikit-learn: no database, no Django.
"""

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

FLOOR = 0.01  # share of probability spread evenly over all labels
MIN_SUPERVISED = 20  # fewer labelled NCRs than this: nearest neighbours only
C_GRID = (0.3, 1.0, 3.0)
SCALES = (1.0, 2.0, 4.0, 8.0, 16.0)
EMBED_C = 10.0
K_NEIGHBOURS = 10
INNER_FOLDS = 3
TEMPERATURES = (0.35, 0.5, 0.7, 1.0, 1.4, 2.0)
EXPERTS = ("svm_text", "lr_embed", "knn_embed", "knn_text", "nb_text", "lr_text")
LR_TEXT_C = 10.0
SELECTION_ROUNDS = 10
NB_SCALES = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0)

Embed = Callable[[list[str]], np.ndarray]


def text_features() -> FeatureUnion:
    """Word 1-2-grams and character 2-5-grams inside word boundaries, sublinear tf, unit length."""
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True, min_df=1)),
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True),
            ),
        ]
    )


def _normalise_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.clip(norms, 1e-12, None)


def _cosine(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    """Cosine of the word + character features: each block is unit length, so the union's rows have length √2."""
    return (a @ b.T).toarray() / 2.0


def _lr(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=2000)


def _spread(values: np.ndarray, columns: np.ndarray, n_labels: int, fill: float) -> np.ndarray:
    """Per-label columns over all labels (a training fold may lack some)."""
    out = np.full((values.shape[0], n_labels), fill)
    out[:, columns] = values
    return out


def _margins(model: LinearSVC, x: object, n_labels: int) -> np.ndarray:
    scores = model.decision_function(x)
    if scores.ndim == 1:  # two labels: one margin for the second
        scores = np.stack([-scores / 2, scores / 2], axis=1)
    return _spread(scores, model.classes_, n_labels, -10.0)


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


@dataclass
class _Fitted:
    features: FeatureUnion
    text_x: sparse.csr_matrix
    svm_text: LinearSVC | None = None
    lr_embed: LogisticRegression | None = None
    nb_text: MultinomialNB | None = None
    lr_text: OneVsRestClassifier | None = None


def _fit_experts(
    texts: Sequence[str], vectors: np.ndarray | None, y: np.ndarray, c: float, features: tuple | None = None
) -> _Fitted:
    """Fit the learnt experts; `features` = (fitted FeatureUnion, its matrix) to reuse them for another C."""
    if features is None:
        union = text_features()
        features = (union, union.fit_transform(texts))
    several = len(set(y.tolist())) > 1
    return _Fitted(
        features[0],
        features[1],
        LinearSVC(C=c).fit(features[1], y) if several else None,
        _lr(EMBED_C).fit(vectors, y) if several and vectors is not None else None,
        MultinomialNB(alpha=0.1).fit(features[1], y) if several else None,
        OneVsRestClassifier(LogisticRegression(C=LR_TEXT_C, solver="liblinear")).fit(features[1], y)
        if several
        else None,
    )


def _raw_experts(
    fitted: _Fitted,
    train_y: np.ndarray,
    train_vectors: np.ndarray | None,
    texts: Sequence[str],
    vectors: np.ndarray | None,
    n_labels: int,
) -> dict[str, np.ndarray]:
    """Each expert's output for `texts`: margins for the SVM, probabilities for the others."""
    n = len(texts)
    x = fitted.features.transform(texts)
    uniform = np.full((n, n_labels), 1.0 / n_labels)
    only = np.zeros((n, n_labels))
    only[:, train_y[0]] = 1.0  # used when training had one label
    out = {
        "svm_text": _margins(fitted.svm_text, x, n_labels) if fitted.svm_text is not None else only,
        "knn_text": knn_vote(_cosine(x, fitted.text_x), train_y, n_labels),
        "lr_embed": uniform,
        "knn_embed": uniform,
        "nb_text": _spread(fitted.nb_text.predict_joint_log_proba(x), fitted.nb_text.classes_, n_labels, -1e4)
        if fitted.nb_text is not None
        else only,
        "lr_text": _spread(fitted.lr_text.predict_proba(x), fitted.lr_text.classes_, n_labels, 0.0)
        if fitted.lr_text is not None
        else only,
    }
    if vectors is not None and train_vectors is not None:
        if fitted.lr_embed is not None:
            p = fitted.lr_embed.predict_proba(vectors)
            out["lr_embed"] = _spread(p, fitted.lr_embed.classes_, n_labels, 0.0)
        else:
            out["lr_embed"] = only
        out["knn_embed"] = knn_vote(vectors @ train_vectors.T, train_y, n_labels)
    return out


def _select(stack: np.ndarray, y: np.ndarray, allowed: list[int]) -> tuple[list[int], float]:
    """Greedy ensemble selection with replacement (Caruana et al. 2004): each round adds the expert whose
    addition lowers the log-loss most. Returns how often each expert was picked and the final log-loss."""
    counts = [0] * stack.shape[0]
    total = np.zeros_like(stack[0])
    loss = float("inf")
    for n in range(1, SELECTION_ROUNDS + 1):
        losses = {i: _log_loss((total + stack[i]) / n, y) for i in allowed}
        pick = min(losses, key=lambda i: (losses[i], i))
        counts[pick] += 1
        total += stack[pick]
        loss = losses[pick]
    return counts, loss


def _topk_hits(p: np.ndarray, y: np.ndarray, k: int) -> float:
    top = np.argsort(-p, axis=1, kind="stable")[:, :k]
    return float((top == y[:, None]).any(axis=1).mean())


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())


def _temper(p: np.ndarray, t: float) -> np.ndarray:
    q = np.power(np.clip(p, 1e-12, None), 1.0 / t)
    return q / q.sum(axis=1, keepdims=True)


@dataclass
class Prediction:
    labels: list[str]  # best first
    probabilities: list[float]
    neighbours: list[tuple[int, float]]  # (training row, similarity), most similar first


@dataclass
class FusedClassifier:
    """Fit on (texts, labels[, embeddings]); `predict` gives every label ranked with a calibrated probability."""

    seed: int = 0
    labels: list[str] = field(default_factory=list)
    c: float = 1.0
    scale: float = 4.0  # softmax scale of the SVM margins
    nb_scale: float = 0.5  # and of naive Bayes' log-probabilities
    weights: dict[str, float] = field(default_factory=dict)
    temperature: float = 1.0
    supervised: bool = False
    _fitted: _Fitted | None = None
    _y: np.ndarray | None = None
    _vectors: np.ndarray | None = None

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray | None = None
    ) -> "FusedClassifier":
        texts = list(texts)
        self.labels = sorted(set(labels))
        index = {label: i for i, label in enumerate(self.labels)}
        y = np.array([index[label] for label in labels], dtype=np.int64)
        self._y = y
        self._vectors = _normalise_rows(vectors) if vectors is not None else None
        self.supervised = len(texts) >= MIN_SUPERVISED and len(self.labels) > 1
        with threadpool_limits(1):  # small matrices: threads only fight the other processes for the cores
            if self.supervised:
                self._choose(texts, y, self._vectors)
                self._fitted = _fit_experts(texts, self._vectors, y, self.c)
            else:
                self.weights = {"knn_embed": 1.0} if vectors is not None else {"knn_text": 1.0}
                self.temperature = 1.0
                union = text_features()
                self._fitted = _Fitted(union, union.fit_transform(texts))
        return self

    def _choose(self, texts: list[str], y: np.ndarray, vectors: np.ndarray | None) -> None:
        """C, softmax scales, expert weights and temperature from the out-of-fold predictions of an inner CV."""
        n_labels = len(self.labels)
        counts = np.bincount(y, minlength=n_labels)
        folds = int(min(INNER_FOLDS, max(2, counts.max())))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rare labels: fewer members than folds
            splits = list(splitter.split(np.zeros(len(y)), y))
        margins = {c: np.zeros((len(y), n_labels)) for c in C_GRID}
        oof = {name: np.zeros((len(y), n_labels)) for name in EXPERTS if name != "svm_text"}
        for train, test in splits:
            tr_texts = [texts[i] for i in train]
            te_texts = [texts[i] for i in test]
            tr_vec = vectors[train] if vectors is not None else None
            te_vec = vectors[test] if vectors is not None else None
            base = _fit_experts(tr_texts, tr_vec, y[train], C_GRID[0])
            got = _raw_experts(base, y[train], tr_vec, te_texts, te_vec, n_labels)
            for name in oof:
                oof[name][test] = got[name]
            margins[C_GRID[0]][test] = got["svm_text"]
            x_test = base.features.transform(te_texts)
            for c in C_GRID[1:]:
                if base.svm_text is None:
                    margins[c][test] = got["svm_text"]
                else:
                    margins[c][test] = _margins(LinearSVC(C=c).fit(base.text_x, y[train]), x_test, n_labels)
        self.nb_scale = min(NB_SCALES, key=lambda s: _log_loss(softmax(oof["nb_text"], s), y))
        oof["nb_text"] = softmax(oof["nb_text"], self.nb_scale)
        allowed = [i for i, name in enumerate(EXPERTS) if vectors is not None or "embed" not in name]
        best: float | None = None
        for c in C_GRID:
            scale = min(SCALES, key=lambda s: _log_loss(softmax(margins[c], s), y))
            stack = np.stack([softmax(margins[c], scale)] + [oof[name] for name in EXPERTS[1:]])
            counts_, loss = _select(stack, y, allowed)
            if best is None or -loss > best:
                best, self.c, self.scale = -loss, c, scale
                self.weights = {name: counts_[i] / SELECTION_ROUNDS for i, name in enumerate(EXPERTS)}
        stack = np.stack([softmax(margins[self.c], self.scale)] + [oof[name] for name in EXPERTS[1:]])
        fused = np.tensordot(np.array([self.weights[n] for n in EXPERTS]), stack, axes=1)
        self.temperature = min(TEMPERATURES, key=lambda t: _log_loss(_temper(fused, t), y))

    def predict_proba(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        assert self._fitted is not None and self._y is not None, "fit first"
        vectors = _normalise_rows(vectors) if vectors is not None and self._vectors is not None else None
        with threadpool_limits(1):
            got = _raw_experts(self._fitted, self._y, self._vectors, list(texts), vectors, len(self.labels))
        got["svm_text"] = softmax(got["svm_text"], self.scale)
        got["nb_text"] = softmax(got["nb_text"], self.nb_scale)
        fused = sum(self.weights.get(name, 0.0) * got[name] for name in EXPERTS)
        p = _temper(np.asarray(fused), self.temperature)
        return (1 - FLOOR) * p + FLOOR / len(self.labels)  # never quite certain: history is noisy

    def predict(self, text: str, vector: np.ndarray | None = None, neighbours: int = 8) -> Prediction:
        vectors = vector[None, :] if vector is not None else None
        p = self.predict_proba([text], vectors)[0]
        order = np.argsort(-p, kind="stable")
        return Prediction(
            labels=[self.labels[i] for i in order],
            probabilities=[float(p[i]) for i in order],
            neighbours=self.nearest(text, vector, neighbours),
        )

    def nearest(self, text: str, vector: np.ndarray | None, k: int) -> list[tuple[int, float]]:
        """The training rows most like `text` (embedding cosine when there are embeddings, else TF-IDF)."""
        assert self._fitted is not None
        if vector is not None and self._vectors is not None:
            sims = self._vectors @ _normalise_rows(vector[None, :])[0]
        else:
            sims = _cosine(self._fitted.features.transform([text]), self._fitted.text_x).ravel()
        order = np.argsort(-sims, kind="stable")[:k]
        return [(int(i), float(sims[i])) for i in order if sims[i] > 0]

    @property
    def method(self) -> str:
        if not self.supervised:
            return f"nearest neighbours (fewer than {MIN_SUPERVISED} labelled NCRs)"
        mix = ", ".join(f"{name} {w:.1f}" for name, w in self.weights.items() if w > 0)
        return f"fused {mix}; C={self.c:g} scale={self.scale:g} T={self.temperature:g}"


def majority_order(labels: Sequence[str]) -> list[str]:
    counts = Counter(labels)
    return [code for code, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
