"""NCR triage by similar history: pure functions over plain data, shared by the worker task and triage_eval.

The ranker scores every historical NCR against the new one with BM25 (stemmed words; a past NCR is indexed with
its description and with how it was contained and corrected, since those name the cause), adds a bonus for the
same operation and the same step, and ranks each category and root cause among the k nearest NCRs:

- the first choice is the label with the most support: the similarities of its NCRs, the most similar first,
  each counting half as much as the one before (two agreeing NCRs beat one lucky match);
- the alternatives are ranked by their single most similar NCR (a second opinion needs one close match, not a
  majority). For categories, an alternative also gains how often the history files NCRs of the first choice's
  failure modes (same step, same root cause) under it: engineers disagree, e.g. weld vs surface.

For root causes the words are weighted by how much they say about the cause: BM25's idf times one minus the
(smoothed) entropy of the root causes of the NCRs that use the word, relative to the overall entropy. Words every
cause shares ("second shift", "customer audit") then count for little. All of it is learnt from the history given,
so leave-one-out stays honest. The baselines the evaluation compares it with live here too (on the same
documents), so the evaluation and the floor use the same code.
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

try:  # PyStemmer comes with llama-index-retrievers-bm25; triage still works without it.
    import Stemmer

    _STEM = Stemmer.Stemmer("english").stemWord
except ImportError:  # pragma: no cover

    def _STEM(word: str) -> str:
        return word


STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "for",
        "from",
        "had",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "no",
        "not",
        "of",
        "on",
        "or",
        "pcs",
        "pc",
        "per",
        "the",
        "then",
        "there",
        "this",
        "to",
        "was",
        "were",
        "with",
        "after",
        "before",
        "during",
        "found",
        "one",
        "two",
        "three",
        "all",
        "only",
        "our",
    ]
)
WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*|[0-9]+[a-z][a-z0-9]*")

# Ranker settings. k, the bonuses and the smoothing were picked among a few variants on the demo history's
# leave-one-out run (see docs/quality.md), so the demo figures are optimistic; re-run `manage.py triage_eval` on a
# plant's own history.
K_NEIGHBOURS = 50
SAME_OPERATION_BONUS = 0.15
SAME_STEP_BONUS = 0.25
LABEL_WEIGHT_SMOOTHING = 3.0  # pseudo-NCRs at the overall root-cause mix added to each word's causes
BM25_K1 = 1.2
BM25_B = 0.75


@dataclass(frozen=True)
class Case:
    """One NCR as the triage sees it. `operation` and `step` are opaque keys (part/op, part/op/step).

    `extra` (what was done about it) is indexed when the case is history, never part of a query.
    """

    id: int
    text: str
    operation: str
    step: str = ""
    category: str = ""
    root_cause: str = ""
    containment: str = ""
    extra: str = ""

    @property
    def document(self) -> str:
        return f"{self.text} {self.extra}" if self.extra else self.text


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


def tokens(text: str) -> list[str]:
    words = WORD.findall(text.lower())
    return [_STEM(w) for w in words if w not in STOPWORDS and len(w) > 1]


class Bm25Index:
    """BM25 over a list of cases, with postings so scoring touches only the query's terms."""

    def __init__(self, cases: Sequence[Case], weight_by: str = ""):
        self.cases = list(cases)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for i, case in enumerate(self.cases):
            counts = Counter(tokens(case.document))
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self.postings[term].append((i, tf))
        n = len(self.cases)
        self.avg_length = (sum(self.lengths) / n) if n else 0.0
        self.idf = {
            term: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for term, p in self.postings.items()
        }
        if weight_by:
            self._weight_by(weight_by)

    def _weight_by(self, label: str) -> None:
        """Scale each word's idf by 1 - H(label | word) / H(label), the label mix smoothed towards the overall one."""
        overall = Counter(getattr(c, label) for c in self.cases)
        total = sum(overall.values())
        prior = {code: count / total for code, count in overall.items()}
        h_all = -sum(p * math.log(p) for p in prior.values())
        if h_all <= 0:
            return
        m = LABEL_WEIGHT_SMOOTHING
        for term, posting in self.postings.items():
            counts = Counter(getattr(self.cases[i], label) for i, _ in posting)
            n = len(posting)
            mix = [(counts[code] + m * p) / (n + m) for code, p in prior.items()]
            h = -sum(p * math.log(p) for p in mix if p > 0)
            self.idf[term] *= max(0.0, 1 - h / h_all)

    def scores(self, text: str) -> list[float]:
        result = [0.0] * len(self.cases)
        for term in set(tokens(text)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, tf in self.postings[term]:
                norm = BM25_K1 * (1 - BM25_B + BM25_B * self.lengths[i] / (self.avg_length or 1))
                result[i] += idf * tf * (BM25_K1 + 1) / (tf + norm)
        return result


def nearest(index: Bm25Index, query: Case, k: int = K_NEIGHBOURS) -> list[Neighbour]:
    """The k most similar cases, scores in 0..1+bonuses (BM25 scaled by the best match)."""
    raw = index.scores(query.text)
    top = max(raw, default=0.0)
    if top <= 0:
        return []
    scored = []
    for case, value in zip(index.cases, raw, strict=True):
        if value <= 0:
            continue
        score = value / top
        if query.operation and case.operation == query.operation:
            score += SAME_OPERATION_BONUS
            if query.step and case.step == query.step:
                score += SAME_STEP_BONUS
        scored.append(Neighbour(case, score))
    scored.sort(key=lambda n: (-n.score, n.case.id))
    return scored[:k]


def _vote(
    neighbours: Iterable[Neighbour], label: str, disagreement: dict[str, dict[str, float]] | None = None
) -> list[Candidate]:
    """Labels ranked: the best supported first, then the others by their closest NCR (see the module docstring).

    Confidence is the label's share of the total support.
    """
    scores: dict[str, list[float]] = defaultdict(list)
    evidence: dict[str, list[int]] = defaultdict(list)
    for n in neighbours:  # most similar first
        code = getattr(n.case, label)
        if not code:
            continue
        scores[code].append(n.score)
        evidence[code].append(n.case.id)
    if not scores:
        return []
    support = {code: sum(v / 2**j for j, v in enumerate(values)) for code, values in scores.items()}
    first = min(support, key=lambda code: (-support[code], code))
    also = (disagreement or {}).get(first, {})
    closest = {code: values[0] + also.get(code, 0.0) for code, values in scores.items() if code != first}
    ranked = [first] + sorted(closest, key=lambda code: (-closest[code], code))
    grand = sum(support.values()) or 1.0
    return [Candidate(code, round(support[code] / grand, 3), evidence[code][:5]) for code in ranked]


def disagreement(history: Iterable[Case]) -> dict[str, dict[str, float]]:
    """How often an NCR is filed under category y when the other NCRs of its failure mode say x: {x: {y: share}}.

    A failure mode is a step (or operation) with a root cause; x is the most common category of the mode's
    other NCRs. Only the shares for y != x are kept.
    """
    cases = [c for c in history if c.category and c.root_cause]
    modes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for c in cases:
        modes[(c.step or c.operation, c.root_cause)][c.category] += 1
    filed: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        others = modes[(c.step or c.operation, c.root_cause)].copy()
        others[c.category] -= 1
        others = +others
        if others:
            usual = max(sorted(others), key=lambda code: others[code])
            filed[usual][c.category] += 1
    return {
        x: {y: count / sum(row.values()) for y, count in row.items() if y != x} for x, row in filed.items()
    }


def _containment(neighbours: list[Neighbour], root_causes: list[Candidate]) -> list[Candidate]:
    """What was done to contain the most similar NCRs, preferring those with the likeliest root cause."""
    likely = root_causes[0].code if root_causes else ""
    pool = [n for n in neighbours if n.case.containment and n.case.root_cause == likely] or [
        n for n in neighbours if n.case.containment
    ]
    weights: dict[str, float] = defaultdict(float)
    texts: dict[str, str] = {}
    evidence: dict[str, list[int]] = defaultdict(list)
    for n in pool:
        key = " ".join(n.case.containment.lower().split())
        texts.setdefault(key, n.case.containment.strip())
        weights[key] += n.score
        evidence[key].append(n.case.id)
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:3]
    grand = sum(weights.values()) or 1.0
    return [Candidate(texts[key], round(w / grand, 3), evidence[key][:5]) for key, w in ranked]


def triage(history: Sequence[Case], query: Case, index: Bm25Index | None = None) -> Triage:
    index = index or Bm25Index(history)
    neighbours = nearest(index, query)
    by_cause = nearest(Bm25Index(index.cases, weight_by="root_cause"), query)
    root_causes = _vote(by_cause, "root_cause")
    return Triage(
        categories=_vote(neighbours, "category", disagreement(index.cases)),
        root_causes=root_causes,
        containment=_containment(by_cause, root_causes),
        neighbours=neighbours,
    )


# --- Baselines for triage_eval ----------------------------------------------------------------


def majority(history: Sequence[Case], label: str) -> list[str]:
    counts = Counter(getattr(c, label) for c in history if getattr(c, label))
    return [code for code, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


class TfidfIndex:
    """Classic TF-IDF (log tf, smoothed idf, cosine) over the same text: the nearest-neighbour baseline."""

    def __init__(self, cases: Sequence[Case]):
        self.cases = list(cases)
        counts = [Counter(tokens(c.document)) for c in self.cases]
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        n = len(self.cases)
        self.idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}
        self.vectors = [self._vector(c) for c in counts]

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        vec = {t: (1 + math.log(tf)) * self.idf[t] for t, tf in counts.items() if t in self.idf}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def ranked(self, text: str) -> list[Case]:
        query = self._vector(Counter(tokens(text)))
        sims = [
            (sum(w * vec.get(t, 0.0) for t, w in query.items()), case)
            for case, vec in zip(self.cases, self.vectors, strict=True)
        ]
        sims.sort(key=lambda item: (-item[0], item[1].id))
        return [case for _, case in sims]


def distinct_labels(cases: Iterable[Case], label: str, limit: int = 3) -> list[str]:
    seen: list[str] = []
    for case in cases:
        code = getattr(case, label)
        if code and code not in seen:
            seen.append(code)
            if len(seen) == limit:
                break
    return seen


@dataclass
class Evaluation:
    cases: int
    figures: dict[str, float]


def evaluate(cases: Sequence[Case]) -> Evaluation:
    """Leave-one-out: every case is triaged against all the others, for the ranker and both baselines."""
    hits: Counter[str] = Counter()
    usable = [c for c in cases if c.category and c.root_cause]
    for i, held_out in enumerate(usable):
        rest = usable[:i] + usable[i + 1 :]
        query = Case(id=held_out.id, text=held_out.text, operation=held_out.operation, step=held_out.step)
        result = triage(rest, query)
        cats = [c.code for c in result.categories]
        roots = [c.code for c in result.root_causes]
        hits["triage_category_top1"] += cats[:1] == [held_out.category]
        hits["triage_category_top3"] += held_out.category in cats[:3]
        hits["triage_root_cause_top1"] += roots[:1] == [held_out.root_cause]
        hits["triage_root_cause_top3"] += held_out.root_cause in roots[:3]
        maj_cat, maj_root = majority(rest, "category"), majority(rest, "root_cause")
        hits["majority_category_top1"] += maj_cat[:1] == [held_out.category]
        hits["majority_category_top3"] += held_out.category in maj_cat[:3]
        hits["majority_root_cause_top3"] += held_out.root_cause in maj_root[:3]
        ranked = TfidfIndex(rest).ranked(held_out.text)
        tf_cat, tf_root = distinct_labels(ranked, "category"), distinct_labels(ranked, "root_cause")
        hits["tfidf_nn_category_top1"] += tf_cat[:1] == [held_out.category]
        hits["tfidf_nn_category_top3"] += held_out.category in tf_cat[:3]
        hits["tfidf_nn_root_cause_top1"] += tf_root[:1] == [held_out.root_cause]
        hits["tfidf_nn_root_cause_top3"] += held_out.root_cause in tf_root[:3]
    n = len(usable) or 1
    order = [
        "triage_category_top1",
        "triage_category_top3",
        "triage_root_cause_top1",
        "triage_root_cause_top3",
        "tfidf_nn_category_top1",
        "tfidf_nn_category_top3",
        "tfidf_nn_root_cause_top1",
        "tfidf_nn_root_cause_top3",
        "majority_category_top1",
        "majority_category_top3",
        "majority_root_cause_top3",
    ]
    return Evaluation(cases=len(usable), figures={name: round(hits[name] / n, 3) for name in order})
