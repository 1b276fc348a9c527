"""The fused classifier and the triage engine on plain data (no database)."""

import time

import numpy as np

from quality.classifier import MIN_SUPERVISED, FusedClassifier
from quality.classifier_scores import knn_vote
from quality.triage import Case, TriageEngine, triage

LEAK = [
    "leak on flange",
    "flange leaking oil",
    "lk at flange face",
    "oil leak at the flange gasket",
    "leaking flnage",
]
START = [
    "not starting",
    "motor will not start",
    "wont start after shift",
    "no start, motor hums",
    "not strating",
]
NOISE = ["loud noise from gearbox", "gear box noisy", "grinding noise in gearbox", "noise at gearbox bearing"]


def rows(n: int) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for i in range(n):
        for label, pool in (("leak", LEAK), ("start", START), ("noise", NOISE)):
            texts.append(f"{pool[i % len(pool)]} #{i}")
            labels.append(label)
    return texts, labels


class TestFusedClassifier:
    def test_it_learns_short_noisy_text_and_gives_probabilities_that_sum_to_one(self):
        texts, labels = rows(10)
        model = FusedClassifier().fit(texts, labels)
        assert model.supervised and abs(sum(model.weights.values()) - 1) < 1e-9
        got = model.predict("flange leeking")
        assert got.labels[0] == "leak"
        assert abs(sum(got.probabilities) - 1) < 1e-6 and got.probabilities == sorted(
            got.probabilities, reverse=True
        )
        assert (
            got.neighbours and labels[got.neighbours[0][0]] == "leak" and got.neighbours[0][1] <= 1.0 + 1e-9
        )
        assert got.probabilities[0] < 1

    def test_it_degrades_to_nearest_neighbours_below_twenty_labelled_ncrs(self):
        texts, labels = rows(3)
        assert len(texts) < MIN_SUPERVISED
        model = FusedClassifier().fit(texts, labels)
        assert not model.supervised and "nearest neighbours" in model.method
        assert model.predict("motor not starting").labels[0] == "start"

    def test_it_uses_embeddings_when_given_and_chooses_its_settings_inside_the_training_rows(self):
        _texts, labels = rows(10)
        texts = [f"record {i}" for i in range(len(labels))]  # the words say nothing, the embeddings do
        rng = np.random.default_rng(0)
        centres = {label: rng.normal(size=16) for label in set(labels)}
        vectors = np.stack([centres[label] + 0.3 * rng.normal(size=16) for label in labels])
        model = FusedClassifier().fit(texts, labels, vectors)
        assert sum(w for name, w in model.weights.items() if "embed" in name) >= 0.5 and model.temperature > 0
        p = model.predict_proba(["zzz"], centres["noise"][None, :])[0]
        assert model.labels[int(np.argmax(p))] == "noise"

    def test_the_2nd_and_3rd_follow_the_ranking_and_nearest_ncrs_on_small_histories_an_inner_cv_choice_from_200(
        self,
    ):
        rng = np.random.default_rng(1)
        centres = {label: rng.normal(size=16) for label in ("leak", "start", "noise")}

        def fitted(n: int) -> FusedClassifier:
            texts, labels = rows(n)
            vectors = np.stack([centres[label] + 0.8 * rng.normal(size=16) for label in labels])
            return FusedClassifier().fit(texts, labels, vectors)

        small = fitted(20)  # 60 NCRs: a fixed rule, the ranking itself and the nearest NCRs
        assert small.alternatives == (("", 0.0), ("closest_embed", 1.0), ("closest_embed_text", 1.0))
        orders, _p = small.rank(["noisy gearbox"], centres["noise"][None, :])
        assert sorted(orders[0]) == [0, 1, 2]
        large = fitted(80)  # 240 NCRs
        assert large.alternatives in (
            (("closest_embed_text", 1.0),),
            (("", 0.0), ("closest_embed_text", 1.0)),
            (("", 0.0),),
        )
        orders, p = large.rank(["leak on flange"], centres["leak"][None, :])
        assert large.labels[orders[0][0]] == "leak" and sorted(orders[0]) == [0, 1, 2]

    def test_knn_votes_weight_close_neighbours_most(self):
        sims = np.array([[0.9, 0.5, 0.5, 0.5]])
        p = knn_vote(sims, np.array([0, 1, 1, 1]), 2, k=4)
        assert p[0, 0] > p[0, 1]

    def test_a_draft_predicts_in_well_under_fifty_ms_once_trained(self):
        texts, labels = rows(60)
        model = FusedClassifier().fit(texts, labels)
        model.predict("warm up")
        samples = []
        for text in ("leak at flange", "motor not starting", "noisy gearbox"):
            began = time.perf_counter()
            model.predict(text)
            samples.append(time.perf_counter() - began)
        assert sorted(samples)[1] < 0.05


class TestTriageEngine:
    HISTORY = [
        Case(id=i + 1, text=t, category=c, root_cause=r, containment=f"contain {r}")
        for i, (t, c, r) in enumerate(
            [(t, "leak", "SEAL-WORN") for t in LEAK * 2]
            + [(t, "start", "MOTOR-FAULT") for t in START * 2]
            + [(t, "noise", "BEARING-WORN") for t in NOISE * 2]
        )
    ]

    def test_it_ranks_every_label_and_explains_each_by_the_closest_past_ncrs_with_that_label(self):
        result = triage(self.HISTORY, Case(id=999, text="oil leak at flange"))
        assert result.categories[0].code == "leak" and result.root_causes[0].code == "SEAL-WORN"
        by_id = {c.id: c for c in self.HISTORY}
        for candidate in result.categories:
            assert all(by_id[i].category == candidate.code for i in candidate.evidence)
        assert result.containment[0].code == "contain SEAL-WORN"
        assert result.neighbours[0].score >= result.neighbours[-1].score

    def test_it_survives_pickling_and_says_how_it_was_made(self):
        import pickle

        engine = TriageEngine().fit(self.HISTORY)
        again = pickle.loads(pickle.dumps(engine))
        assert again.triage(Case(id=0, text="gearbox noise")).categories[0].code == "noise"
        assert "over 28 NCRs" in engine.method and "TF-IDF" in engine.method

    def test_it_returns_nothing_without_history(self):
        result = triage([], Case(id=1, text="anything"))
        assert result.categories == [] and result.root_causes == [] and result.containment == []
