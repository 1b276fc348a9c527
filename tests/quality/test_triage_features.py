"""The classifier's n-gram cap: NCR-length histories of a plant's size keep every n-gram (same features, same
figures); long narratives and label lists of hundreds keep the most frequent ones, so the linear models (features x
labels weights) stop growing with the text and the labels."""

import random
import warnings

import numpy as np
import pytest

from quality.classifier import FusedClassifier
from quality.classifier_scores import (
    FEATURE_LIMIT,
    MIN_FEATURES,
    WEIGHT_BUDGET,
    feature_limit,
    text_features,
)

WORDS = [
    "flange",
    "leak",
    "gasket",
    "motor",
    "start",
    "bearing",
    "noise",
    "weld",
    "crack",
    "burr",
    "porosity",
    "paint",
    "scratch",
    "dent",
]

pytestmark = pytest.mark.clock_free  # text features only: no plant clock anywhere


def narratives(n: int, length: int, seed: int = 3) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        words = [
            rnd.choice(WORDS) + (str(rnd.randrange(500)) if rnd.random() < 0.3 else "") for _ in range(length)
        ]
        out.append(f"ncr {i} " + " ".join(words))
    return out


def test_each_feature_block_keeps_only_its_most_frequent_ngrams_and_short_text_is_untouched():
    texts = narratives(300, 60)
    capped = text_features(limit=500).fit(texts)
    full = text_features(limit=None).fit(texts)
    for (name, small), (_, big) in zip(capped.transformer_list, full.transformer_list, strict=True):
        assert len(big.vocabulary_) > 500, name  # the cap bites on this text
        assert len(small.vocabulary_) == 500, name
        counts = np.asarray(big.transform(texts).astype(bool).sum(axis=0)).ravel()
        kept = counts[[big.vocabulary_[t] for t in small.vocabulary_]]
        dropped = np.delete(counts, [big.vocabulary_[t] for t in small.vocabulary_])
        assert np.median(kept) > np.median(dropped)  # the frequent n-grams stay
    # under the cap the features are exactly the uncapped ones (so the reported figures cannot move)
    short = ["leak on flange", "motor not starting", "burr on edge", "weld crack at seam"] * 5
    a = text_features(feature_limit(9)).fit_transform(short)
    b = text_features(limit=None).fit_transform(short)
    assert a.shape == b.shape and abs(a - b).max() == 0


def test_the_cap_shrinks_with_many_labels_so_the_weights_stay_within_budget():
    # a plant's categories get the full cap
    assert feature_limit(2) == feature_limit(35) == FEATURE_LIMIT >= 50_000
    for labels in (60, 300, 1000):
        assert 2 * feature_limit(labels) * labels <= WEIGHT_BUDGET
        assert feature_limit(labels) < feature_limit(labels // 2) or feature_limit(labels) == MIN_FEATURES
    assert feature_limit(100_000) == MIN_FEATURES

    texts = narratives(600, 40)
    labels = [f"RC-{i % 300:03d}" for i in range(600)]  # 300 root-cause codes, two NCRs each
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn: "more than 50% unique classes" (two NCRs per code)
        model = FusedClassifier().fit(texts, labels)
    assert model._fitted is not None and model._fitted.lr_text is not None
    words, chars = (len(t.vocabulary_) for _, t in model._fitted.features.transformer_list)
    assert words == chars == feature_limit(300) == WEIGHT_BUDGET // 600
    assert model._fitted.lr_text.coef_.size <= WEIGHT_BUDGET
    assert model.predict(texts[7]).labels[0] == "RC-007"  # it still recognises a known NCR
