"""Hybrid retrieval: BM25 (bm25s) + dense MiniLM vectors in Chroma,
fused by reciprocal rank.

The database holds the chunks (the source of truth); Chroma holds one vector per chunk under the chunk's id
with the metadata filters need. BM25 lives in memory, rebuilt from the database whenever IndexState's token
changes, so every worker sees new documents. Filters (part, work center, document type, visible roles and
area, instruction versions) are applied inside both retrievers, never after them: at 100k chunks a
post-filter would starve the fused list.
"""

import logging
from functools import lru_cache
from typing import Any

import numpy as np

from copilot import docindex
from copilot.index_schema import Hit, SearchFilter
from copilot.lexical import lexical_index
from copilot.vectorstore import VectorStoreUnavailable, dense_search, dense_search_scored
from plexcopilot.embedding import embedder

RRF_K = 60
PASSAGE_CANDIDATES = 30
TOP_DOCUMENTS = 8
PER_DOCUMENT = 2

logger = logging.getLogger(__name__)


def rrf_fuse(
    ranked_lists: dict[str, list[int]], k: int, document_of: dict[int, int] | None = None
) -> list[Hit]:
    """Reciprocal rank fusion: score = Σ 1 / (60 + rank) over the lists a chunk appears in.

    At most PER_DOCUMENT chunks of one document make the top k, so one long guide cannot crowd out the log
    entry or corrective action that also answers the question.
    """
    hits: dict[int, Hit] = {}
    for name, ids in ranked_lists.items():
        for rank, chunk_id in enumerate(ids, start=1):
            hit = hits.setdefault(chunk_id, Hit(chunk_id, 0.0))
            hit.score += 1.0 / (RRF_K + rank)
            hit.ranks[name] = rank
    ranked = sorted(hits.values(), key=lambda h: -h.score)
    if document_of is None:
        return ranked[:k]
    chosen: list[Hit] = []
    per_document: dict[int, int] = {}
    for hit in ranked:
        document = document_of.get(hit.chunk_id, -hit.chunk_id)
        if per_document.get(document, 0) < PER_DOCUMENT:
            per_document[document] = per_document.get(document, 0) + 1
            chosen.append(hit)
            if len(chosen) == k:
                break
    return chosen


@lru_cache(maxsize=1)
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> Any:
    """A context in which numpy's matrix products run on one thread (≈2 µs to enter)."""
    return _blas().limit(limits=1, user_api="blas")


def search(query: str, f: SearchFilter, *, k: int = 5, mode: str = "hybrid") -> list[Hit]:
    """Top-k chunks for `query`, on one BLAS thread.

    The matrix-vector products of a question are small: a second BLAS thread only waits for the core another
    worker is using (a cold wake-up costs milliseconds, more than the product itself)."""
    with one_blas_thread():
        return _search(query, f, k=k, mode=mode)


def _search(query: str, f: SearchFilter, *, k: int, mode: str) -> list[Hit]:
    """Top-k chunks for `query`.

    mode "hybrid": passage BM25 and dense scores plus each passage's document score (title, headings, whole
    text, title vector; see copilot.docindex). "bm25" / "dense": one side only, document evidence included.
    "rrf": the earlier passage-only reciprocal rank fusion, kept as a baseline for the bench."""
    lexical = lexical_index()
    mask = lexical.mask(f)
    if mode == "rrf":
        lists = {"bm25": lexical.search(query, mask)}
        if mask is not None and not mask.any():
            lists["dense"] = []
        else:
            try:
                lists["dense"] = dense_search(embedder().embed([query])[0], f, lexical, mask)
            except VectorStoreUnavailable:
                logger.exception("vector store unavailable: answering from BM25 alone")
                lists["dense"] = []
        return rrf_fuse(lists, k, lexical.document_of)
    if not len(lexical.ids) or (mask is not None and not mask.any()):
        return []
    tokens = docindex.tokenize(lexical.stemmer, [query])[0]
    chunk_bm25: dict[int, float] = {}
    chunk_dense: dict[int, float] = {}
    query_vector = None
    if mode in ("hybrid", "bm25"):
        chunk_bm25 = dict(lexical.search_scored(tokens, mask, PASSAGE_CANDIDATES))
    if mode in ("hybrid", "dense"):
        query_vector = embedder().embed([query])[0]
        try:
            chunk_dense = dict(dense_search_scored(query_vector, f, lexical, mask, PASSAGE_CANDIDATES))
        except VectorStoreUnavailable:
            # Still an answer: BM25 and the document evidence (titles, headings, title vectors from the database).
            logger.exception("vector store unavailable: answering from BM25 alone")
    documents = lexical.documents
    assert documents is not None  # a library with chunks (the empty one returned above)
    allowed = mask[lexical.first_chunk] if mask is not None else None
    scores = documents.document_scores(tokens if mode != "dense" else [], query_vector, allowed)
    top = min(TOP_DOCUMENTS, len(scores))
    best = np.argpartition(-scores, top - 1)[:top] if top < len(scores) else np.arange(len(scores))
    document_score = {
        int(documents.document_ids[i]): float(scores[i]) for i in best if np.isfinite(scores[i])
    }
    for chunk_id in (*chunk_bm25, *chunk_dense):
        position = lexical.document_position[lexical.position[chunk_id]]
        document_score.setdefault(int(documents.document_ids[position]), float(scores[position]))
    covered = {lexical.document_of[c] for c in (*chunk_bm25, *chunk_dense)}
    extra = {
        int(documents.document_ids[i]): int(lexical.ids[lexical.first_chunk[i]])
        for i in best
        if np.isfinite(scores[i]) and int(documents.document_ids[i]) not in covered
    }
    ranked = docindex.blend(
        chunk_bm25=chunk_bm25, chunk_dense=chunk_dense, document_of=lexical.document_of,
        document_score=document_score, extra=extra, k=k, per_document=PER_DOCUMENT,
    )  # fmt: skip
    return [Hit(chunk_id, score, ranks) for chunk_id, score, ranks in ranked]
