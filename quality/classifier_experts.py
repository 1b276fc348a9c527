"""The twelve experts of the NCR classifier (`quality.classifier`): fitting the learnt ones and what each says.

Each expert gives, for every text, a score or a probability per label (the classifier's docstring lists them).
`fit_experts` fits the learnt ones (SVM, naive Bayes and logistic regression on TF-IDF words and characters,
logistic regression on the MiniLM embedding) on training rows; `raw_experts` returns every expert's output for
new texts, with the nearest-neighbour and same-step experts computed against the training rows. How they are
weighted, calibrated and ranked is the classifier's business.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from quality.classifier_scores import (
    closest,
    cosine,
    feature_limit,
    knn_vote,
    lr,
    same_group,
    spread,
    svm_margins,
    text_features,
    transform,
)

EXPERTS = (
    "svm_text",
    "lr_embed",
    "knn_embed",
    "knn_text",
    "nb_text",
    "lr_text",
    "nn1_text",
    "prior",
    "closest_text",
    "closest_embed",
    "same_group",
    "closest_embed_text",
)
EMBED_C = 10.0
LR_TEXT_C = 10.0


@dataclass
class Fitted:
    features: FeatureUnion
    text_x: sparse.csr_matrix
    svm_text: LinearSVC | None = None
    lr_embed: LogisticRegression | None = None
    nb_text: MultinomialNB | None = None
    lr_text: LogisticRegression | None = None


def fit_experts(
    texts: Sequence[str], vectors: np.ndarray | None, y: np.ndarray, c: float, features: tuple | None = None
) -> Fitted:
    """Fit the learnt experts; `features` = (fitted FeatureUnion, its matrix) to reuse them for another C."""
    labels = len(set(y.tolist()))
    if features is None:
        union = text_features(feature_limit(labels))
        features = (union, union.fit_transform(texts))
    several = labels > 1
    return Fitted(
        features[0],
        features[1],
        LinearSVC(C=c).fit(features[1], y) if several else None,
        lr(EMBED_C).fit(vectors, y) if several and vectors is not None else None,
        MultinomialNB(alpha=0.1).fit(features[1], y) if several else None,
        lr(LR_TEXT_C).fit(features[1], y) if several else None,
    )


def raw_experts(
    fitted: Fitted,
    train_y: np.ndarray,
    train_vectors: np.ndarray | None,
    texts: Sequence[str],
    vectors: np.ndarray | None,
    n_labels: int,
    train_groups: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Each expert's output for `texts`: margins for the SVM, probabilities for the others."""
    n = len(texts)
    x = transform(fitted.features, texts)
    uniform = np.full((n, n_labels), 1.0 / n_labels)
    only = np.zeros((n, n_labels))
    only[:, train_y[0]] = 1.0  # used when training had one label
    text_sims = cosine(x, fitted.text_x)
    prior = (np.bincount(train_y, minlength=n_labels) + 0.5) / (len(train_y) + 0.5 * n_labels)
    out = {
        "svm_text": svm_margins(fitted.svm_text, x, n_labels) if fitted.svm_text is not None else only,
        "knn_text": knn_vote(text_sims, train_y, n_labels),
        "nn1_text": knn_vote(text_sims, train_y, n_labels, k=1),
        "prior": np.repeat(prior[None, :], n, axis=0),
        "lr_embed": uniform,
        "knn_embed": uniform,
        "closest_text": closest(text_sims, train_y, n_labels),
        "closest_embed": uniform,
        "closest_embed_text": uniform,
        "same_group": same_group(train_groups, train_y, groups, prior, n_labels)
        if train_groups is not None and groups is not None
        else np.repeat(prior[None, :], n, axis=0),
        "nb_text": spread(fitted.nb_text.predict_joint_log_proba(x), fitted.nb_text.classes_, n_labels, -1e4)
        if fitted.nb_text is not None
        else only,
        "lr_text": spread(fitted.lr_text.predict_proba(x), fitted.lr_text.classes_, n_labels, 0.0)
        if fitted.lr_text is not None
        else only,
    }
    if vectors is not None and train_vectors is not None:
        if fitted.lr_embed is not None:
            p = fitted.lr_embed.predict_proba(vectors)
            out["lr_embed"] = spread(p, fitted.lr_embed.classes_, n_labels, 0.0)
        else:
            out["lr_embed"] = only
        embed_sims = vectors @ train_vectors.T
        out["knn_embed"] = knn_vote(embed_sims, train_y, n_labels)
        out["closest_embed"] = closest(embed_sims, train_y, n_labels)
        # the nearest distinct past NCRs where meaning and wording both count (mean of the two cosines)
        out["closest_embed_text"] = closest((embed_sims + text_sims) / 2, train_y, n_labels)
    return out
