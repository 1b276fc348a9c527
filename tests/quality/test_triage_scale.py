"""A large history stays affordable: the triage learns from the most recent NCRs, evaluation scores in chunks."""

import pytest
from django.test import override_settings

from quality import evaluation
from quality.classifier import FusedClassifier
from quality.evaluation import evaluate
from quality.models import NCR
from quality.triage_drafts import ncr_history_cases
from quality.triage_store import engine_train
from tests.quality.datasets import maintenance_log


def texts_and_labels(rows: int, seed: int) -> tuple[list[str], list[str]]:
    data = maintenance_log(rows, seed)
    return [r["text"] for r in data], [r["class"] for r in data]


class TestTrainingLimit:
    def test_the_history_the_triage_learns_from_is_the_most_recently_opened(self, history):
        labelled = NCR.objects.exclude(category="").exclude(root_cause_code="")
        newest = list(labelled.order_by("-opened_at", "-id").values_list("id", flat=True)[:25])
        cases = ncr_history_cases(limit=25)
        assert sorted(c.id for c in cases) == sorted(newest)
        assert len(ncr_history_cases()) == labelled.count() > 25

    def test_a_retrain_takes_at_most_the_configured_number_of_ncrs(self, history):
        with override_settings(QUALITY_TRIAGE_TRAIN_LIMIT=40):
            model = engine_train(force=True)
        assert model is not None and model.cases == 40


@pytest.mark.clock_free  # generated texts in, figures out: no plant clock
class TestEvaluationAtScale:
    def test_an_over_limit_fold_trains_the_triage_on_a_sample_and_the_baselines_on_everything(
        self, monkeypatch
    ):
        texts, labels = texts_and_labels(240, seed=11)
        seen: list[int] = []
        fit = FusedClassifier.fit

        def counting_fit(self, texts, *args, **kwargs):  # noqa: ANN001, ANN202 - wraps the real fit
            seen.append(len(texts))
            return fit(self, texts, *args, **kwargs)

        monkeypatch.setattr(FusedClassifier, "fit", counting_fit)
        limited = evaluate(texts, labels, folds=3, train_limit=60)
        assert seen[:3] == [60, 60, 60]
        unlimited = evaluate(texts, labels, folds=3)
        assert seen[3:6] == [160, 160, 160]
        for baseline in ("majority", "tfidf_nn", "tfidf_logreg"):
            assert limited[baseline] == unlimited[baseline]
        assert limited["cases"] == unlimited["cases"] == 240

    def test_scoring_in_chunks_gives_the_same_figures(self, monkeypatch):
        texts, labels = texts_and_labels(150, seed=12)
        whole = evaluate(texts, labels, folds=3)
        monkeypatch.setattr(evaluation, "CHUNK", 7)
        assert evaluate(texts, labels, folds=3) == whole

    @pytest.mark.parametrize("limit", [0, 1])
    def test_a_limit_below_one_row_still_trains_on_one(self, limit):
        rows = evaluation._sample(evaluation.np.arange(10), limit, seed=1)
        assert len(rows) == 1 and 0 <= rows[0] < 10
