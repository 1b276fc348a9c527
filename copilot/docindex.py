"""Document-level evidence for retrieval: which *document* answers the question, not only which passage.

A 60-word passage of a repair guide rarely says which product and part the guide is about; its title and
headings do, and so does the guide as a whole. Per document this keeps

- a BM25 index over the title (the strongest field: "iPhone 6 Battery Replacement"),
- a BM25 index over the title and every heading ("Step 3: Disconnect the battery"),
- a BM25 index over the whole text (the plain whole-document baseline's evidence),
- a dense vector of the title and headings (stored on the document at ingest),

and `document_scores` blends them, each normalised to its best score, into one score per document. Passage
scores are blended the same way and each passage adds its document's score, so the guide that is about the
question wins over a passage that mentions the same words in passing.
"""

from typing import Any

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

TOKEN_PATTERN = r"(?u)\b\w+\b"  # single characters count: "iPhone 6" vs "iPhone 7", "Model S"
STOPWORDS = sorted(
    set(STOPWORDS_EN)
    | {"how", "do", "does", "did", "i", "what", "when", "where", "which", "why", "can", "should", "my", "me"}
)

# Blend weights (tuned on the development seed of bench/manuals.py, never on the reported seed).
W_TITLE = 2.0
W_TITLE_BM25 = 0.3
W_TITLE_PRECISION = 1.5
W_TITLE_PAIRS = 0.5
TITLE_COVERAGE_POWER = 3.0
W_HEADINGS = 0.3
W_BODY = 0.6
W_DOC_DENSE = 1.0
W_CHUNK_BM25 = 0.35
W_CHUNK_DENSE = 0.6
SECOND_CHUNK_PENALTY = (
    0.25  # a document's second passage competes with a handicap: more documents in the top k
)


def tokenize(stemmer: Any, texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(
        texts, token_pattern=TOKEN_PATTERN, stopwords=STOPWORDS, stemmer=stemmer, return_ids=False,
        show_progress=False,
    )  # fmt: skip


NO_WORDS = "\x00"  # never a query token (TOKEN_PATTERN cannot match it)


def _bm25(stemmer: Any, texts: list[str]) -> bm25s.BM25:
    """BM25 over `texts`. A field in which no document has a word (every title a stop word or a dash) still
    gets an index, of a token no query has: bm25s refuses an empty vocabulary, and a question must be answered
    from the other fields, not fail."""
    index = bm25s.BM25()
    tokens = tokenize(stemmer, texts)
    if not any(tokens):
        tokens = [[NO_WORDS] for _ in texts]
    index.index(tokens, show_progress=False)
    return index


def _scores(index: bm25s.BM25, tokens: list[str]) -> np.ndarray:
    known = [t for t in tokens if t in index.vocab_dict]
    if not known:
        return np.zeros(index.scores["num_docs"], dtype=np.float32)
    return index.get_scores(known)


def _coverage(index: bm25s.BM25, tokens: list[str], idf: dict[str, float]) -> np.ndarray:
    """Per document: the share of the query's (idf-weighted) terms that the field contains at all.

    Max-normalised BM25 always gives the best title 1.0, even one that matches two words of eight;
    coverage says how much of the question the title is about."""
    total = sum(idf.get(t, 0.0) for t in tokens)
    out = np.zeros(index.scores["num_docs"], dtype=np.float32)
    if total <= 0:
        return out
    indptr, indices = index.scores["indptr"], index.scores["indices"]
    for token in set(tokens):
        token_id = index.vocab_dict.get(token)
        if token_id is not None:
            out[indices[indptr[token_id] : indptr[token_id + 1]]] += idf.get(token, 0.0)
    return out / total


def _normalised(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max(initial=0.0))
    return scores / top if top > 0 else scores


class DocumentIndex:
    """Per-document fields and vectors, positions aligned with `document_ids`."""

    def __init__(
        self,
        stemmer: Any,
        document_ids: list[int],
        titles: list[str],
        headings: list[list[str]],
        bodies: list[str],
        vectors: np.ndarray,
    ) -> None:
        self.stemmer = stemmer
        self.document_ids = np.array(document_ids, dtype=np.int64)
        self.position = {d: i for i, d in enumerate(document_ids)}
        self.vectors = vectors  # (documents, dims); zero rows for documents without one
        self.present = np.abs(vectors).sum(axis=1) > 0
        self.any_present = bool(self.present.any())
        self.title = _bm25(stemmer, titles)
        self.title_tokens = tokenize(stemmer, titles)
        self.headings = _bm25(
            stemmer, [f"{t}. {'. '.join(h)}" for t, h in zip(titles, headings, strict=True)]
        )
        self.body = _bm25(stemmer, bodies)
        # Word pairs of each title ("tb 500", "500 pro"): "TB-500 tablet" asks for the TB-500, not the TB-500 Pro.
        postings: dict[tuple[str, str], list[int]] = {}
        pairs = []
        for position, tokens in enumerate(self.title_tokens):
            own = set(zip(tokens, tokens[1:], strict=False))
            pairs.append(len(own) or 1)
            for pair in own:
                postings.setdefault(pair, []).append(position)
        self.pair_postings = {pair: np.array(docs, dtype=np.int64) for pair, docs in postings.items()}
        self.title_pairs = np.array(pairs, dtype=np.float32)
        # Each title's own weight (idf summed over its distinct words), for title precision.
        idf = self.idf(sorted({t for tokens in self.title_tokens for t in tokens}))
        self.title_weight = np.array(
            [sum(idf[t] for t in set(tokens)) or 1.0 for tokens in self.title_tokens], dtype=np.float32
        )

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency over whole documents; a word no document has weighs as a rare one."""
        n = self.body.scores["num_docs"]
        indptr = self.body.scores["indptr"]
        out = {}
        for token in set(tokens):
            token_id = self.body.vocab_dict.get(token)
            df = int(indptr[token_id + 1] - indptr[token_id]) if token_id is not None else 0
            out[token] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out

    def __len__(self) -> int:
        return len(self.document_ids)

    def document_scores(
        self, tokens: list[str], query_vector: np.ndarray | None, allowed: np.ndarray | None
    ) -> np.ndarray:
        """One blended score per document (allowed ones only; others -inf)."""
        if not len(self.document_ids):
            return np.zeros(0, dtype=np.float32)
        idf = self.idf(tokens)
        covered = _coverage(self.title, tokens, idf)
        # Sharpened: among near-identical titles, the one holding every word asked for ("Pro") stands out.
        score = W_TITLE * covered**TITLE_COVERAGE_POWER
        # Title precision: how much of the title the question asks about ("SM-300 Pro" when asked for SM-300).
        query_weight = sum(idf.get(t, 0.0) for t in tokens)
        # Precision and title BM25 count in proportion to coverage: a title holding two words of six is weak
        # evidence however short it is.
        score += W_TITLE_PRECISION * covered * np.minimum(covered * query_weight / self.title_weight, 1.0)
        score += W_TITLE_BM25 * covered * _normalised(_scores(self.title, tokens))
        shared = np.zeros(len(self.document_ids), dtype=np.float32)
        for pair in set(zip(tokens, tokens[1:], strict=False)):
            docs = self.pair_postings.get(pair)
            if docs is not None:
                shared[docs] += 1.0
        score += W_TITLE_PAIRS * shared / self.title_pairs
        score += W_HEADINGS * _coverage(self.headings, tokens, idf)
        score += W_BODY * _normalised(_scores(self.body, tokens))
        if query_vector is not None:
            dense = self.vectors @ query_vector
            present = self.present
            if self.any_present:
                # Relative to the best: a cosine of 0.55 means little alone, 0.2 above the rest means a lot.
                best = float(dense[present].max())
                dense = np.where(present, dense - best, -0.5)
                score += W_DOC_DENSE * 2.0 * dense
        if allowed is not None:
            score = np.where(allowed, score, -np.inf)
        return score.astype(np.float32)


def blend(
    *,
    chunk_bm25: dict[int, float],
    chunk_dense: dict[int, float],
    document_of: dict[int, int],
    document_score: dict[int, float],
    extra: dict[int, int],
    k: int,
    per_document: int,
) -> list[tuple[int, float, dict[str, int]]]:
    """Rank candidate passages by passage evidence + their document's score; at most `per_document` per
    document, a document's second passage handicapped so the top k names more documents.

    `extra` maps a document (strong on document evidence, no passage in either passage list) to a passage
    standing for it (its first)."""
    top_bm25 = max(chunk_bm25.values(), default=0.0) or 1.0
    ranks_bm25 = {c: r for r, c in enumerate(sorted(chunk_bm25, key=lambda c: -chunk_bm25[c]), start=1)}
    ranks_dense = {c: r for r, c in enumerate(sorted(chunk_dense, key=lambda c: -chunk_dense[c]), start=1)}
    best_dense = max(chunk_dense.values(), default=0.0)
    candidates = set(chunk_bm25) | set(chunk_dense) | set(extra.values())
    scored = []
    for chunk in candidates:
        document = document_of.get(chunk, -chunk)
        passage = W_CHUNK_BM25 * chunk_bm25.get(chunk, 0.0) / top_bm25
        if chunk in chunk_dense:
            passage += W_CHUNK_DENSE * 2.0 * (chunk_dense[chunk] - best_dense)
        else:
            passage -= W_CHUNK_DENSE * 0.5
        ranks = {}
        if chunk in ranks_bm25:
            ranks["bm25"] = ranks_bm25[chunk]
        if chunk in ranks_dense:
            ranks["dense"] = ranks_dense[chunk]
        scored.append((passage + document_score.get(document, -1.0), chunk, document, ranks))
    scored.sort(key=lambda s: -s[0])
    seen: dict[int, int] = {}
    adjusted = []
    for score, chunk, document, ranks in scored:
        count = seen.get(document, 0)
        if count >= per_document:
            continue
        seen[document] = count + 1
        adjusted.append((score - SECOND_CHUNK_PENALTY * count, chunk, ranks))
    adjusted.sort(key=lambda s: -s[0])
    return [(chunk, score, ranks) for score, chunk, ranks in adjusted[:k]]
