"""NCR triage from the plant's own history: plain data in, ranked categories, root causes and containment out.

`TriageEngine.fit(history)` trains one `quality.classifier.FusedClassifier` per field (category, root cause) on
every labelled NCR's text, with the MiniLM sentence embeddings of `plexcopilot.embedding` when they can be loaded
(without them it uses words and characters only). `engine.triage(query)` ranks every label with a calibrated
probability and explains each by the past NCRs closest to the new one that carry that label. The worker keeps
a trained engine (pickled in `TriageModel`) and retrains it in the background when the history changes, so a
draft only predicts (well under 50 ms).

With fewer than 20 labelled NCRs the classifier degrades to nearest-neighbour voting.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from quality.classifier import MIN_SUPERVISED, Embed, FusedClassifier

EVIDENCE_NEIGHBOURS = 50  # the closest past NCRs searched for each label's evidence
EVIDENCE_PER_LABEL = 5


@dataclass(frozen=True)
class Case:
    """One NCR as the triage sees it. `operation` and `step` are opaque keys (part/op, part/op/step).

    `text` is what is known when an NCR opens (description, operation name, step title) and is what the
    classifier learns from; `extra` (how it was contained and corrected) is kept for reference only.
    """

    id: int
    text: str
    operation: str = ""
    step: str = ""
    category: str = ""
    root_cause: str = ""
    containment: str = ""
    extra: str = ""


@dataclass
class Candidate:
    code: str
    confidence: float
    evidence: list[int] = field(default_factory=list)


@dataclass
class Neighbour:
    case: Case
    score: float


@dataclass
class Triage:
    categories: list[Candidate]
    root_causes: list[Candidate]
    containment: list[Candidate]  # code holds the containment text
    neighbours: list[Neighbour]


def _embed_safely(embed: Embed | None, texts: list[str]) -> np.ndarray | None:
    if embed is None or not texts:
        return None
    return np.asarray(embed(texts), dtype=np.float32)


@dataclass
class TriageEngine:
    """Classifiers for category and root cause over one history, and that history's cases for evidence."""

    cases: list[Case] = field(default_factory=list)
    category: FusedClassifier | None = None
    root_cause: FusedClassifier | None = None
    embedded: bool = False
    seed: int = 0

    def fit(self, history: Sequence[Case], embed: Embed | None = None) -> "TriageEngine":
        self.cases = [c for c in history if c.text.strip()]
        vectors = _embed_safely(embed, [c.text for c in self.cases])
        self.embedded = vectors is not None
        for name, label in (("category", "category"), ("root_cause", "root_cause")):
            rows = [i for i, c in enumerate(self.cases) if getattr(c, label)]
            if not rows:
                setattr(self, name, None)
                continue
            model = FusedClassifier(seed=self.seed).fit(
                [self.cases[i].text for i in rows],
                [getattr(self.cases[i], label) for i in rows],
                vectors[rows] if vectors is not None else None,
                [_group(self.cases[i]) for i in rows],
            )
            model.rows = rows  # type: ignore[attr-defined]  # classifier row -> case index
            setattr(self, name, model)
        return self

    @property
    def method(self) -> str:
        parts = []
        for name in ("category", "root_cause"):
            model = getattr(self, name)
            if model is not None:
                parts.append(f"{name}: {model.method}")
        space = "MiniLM + TF-IDF" if self.embedded else "TF-IDF (no embedding model)"
        return f"{space} over {len(self.cases)} NCRs; " + "; ".join(parts)

    def triage(self, query: Case, embed: Embed | None = None) -> Triage:
        vector = _embed_safely(embed if self.embedded else None, [query.text])
        vector = vector[0] if vector is not None else None
        neighbours: list[Neighbour] = []
        ranked: dict[str, list[Candidate]] = {"category": [], "root_cause": []}
        for name in ("category", "root_cause"):
            model: FusedClassifier | None = getattr(self, name)
            if model is None:
                continue
            got = model.predict(query.text, vector, neighbours=EVIDENCE_NEIGHBOURS, group=_group(query))
            rows: list[int] = model.rows  # type: ignore[attr-defined]
            close = [(self.cases[rows[i]], sim) for i, sim in got.neighbours]
            if not neighbours or name == "category":
                neighbours = [Neighbour(case, round(sim, 3)) for case, sim in close]
            by_label: dict[str, list[int]] = defaultdict(list)
            for case, _sim in close:
                by_label[getattr(case, name)].append(case.id)
            ranked[name] = [
                Candidate(code, round(p, 3), by_label.get(code, [])[:EVIDENCE_PER_LABEL])
                for code, p in zip(got.labels, got.probabilities, strict=True)
            ]
        return Triage(
            categories=ranked["category"],
            root_causes=ranked["root_cause"],
            containment=_containment(neighbours, ranked["root_cause"]),
            neighbours=neighbours,
        )


def _group(case: Case) -> str:
    """Where the defect showed: the step when known, else the operation (its label mix is an expert)."""
    return case.step or case.operation


def _containment(neighbours: list[Neighbour], root_causes: list[Candidate]) -> list[Candidate]:
    """What was done to contain the most similar NCRs, preferring those with the likeliest root cause."""
    likely = root_causes[0].code if root_causes else ""
    pool = [n for n in neighbours[:20] if n.case.containment and n.case.root_cause == likely] or [
        n for n in neighbours[:20] if n.case.containment
    ]
    weights: dict[str, float] = defaultdict(float)
    texts: dict[str, str] = {}
    evidence: dict[str, list[int]] = defaultdict(list)
    for n in pool:
        key = " ".join(n.case.containment.lower().split())
        texts.setdefault(key, n.case.containment.strip())
        weights[key] += max(n.score, 0.0) ** 3 + 1e-9
        evidence[key].append(n.case.id)
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:3]
    grand = sum(weights.values()) or 1.0
    return [Candidate(texts[key], round(w / grand, 3), evidence[key][:5]) for key, w in ranked]


def triage(history: Sequence[Case], query: Case, embed: Embed | None = None) -> Triage:
    """Fit on `history` and triage `query` (for one-off use; the worker keeps a trained engine)."""
    return TriageEngine().fit(history, embed).triage(query, embed)


def default_embed() -> Callable[[list[str]], np.ndarray] | None:
    """The stack's MiniLM embedder, or None when its model files are not installed (TF-IDF only then)."""
    try:
        from plexcopilot.embedding import EmbeddingModelError, embedder

        model = embedder()
    except (ImportError, EmbeddingModelError, OSError) as error:  # pragma: no cover - depends on the install
        import logging

        logging.getLogger(__name__).warning("Triage without sentence embeddings: %s", error)
        return None
    return model.embed


__all__ = [
    "MIN_SUPERVISED",
    "Candidate",
    "Case",
    "Neighbour",
    "Triage",
    "TriageEngine",
    "default_embed",
    "triage",
]
