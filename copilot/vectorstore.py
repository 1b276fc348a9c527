"""The dense side of retrieval: one vector per chunk in Chroma (embedded, or a server at CHROMA_URL), under the
chunk's id with the metadata filters need, and the nearest-neighbour search over it."""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings

from copilot.index_schema import CANDIDATES, SearchFilter
from copilot.models import ROLE_VALUES, KnowledgeChunk

if TYPE_CHECKING:
    from copilot.lexical import LexicalIndex

DENSE_OVERFETCH = 120
MIN_DENSE = 8
# Up to this many chunks an exact search over the vectors in memory (≈0.4 ms at 10k on one core) is faster
# than Chroma's HNSW query (≈2 ms, most of it the client's own overhead) and never misses a neighbour.
EXACT_DENSE_MAX = 30_000

logger = logging.getLogger(__name__)


class VectorStoreUnavailable(Exception):
    """The vector store failed twice, the second time on a freshly opened client: answer from BM25 alone."""


def chunk_metadata(chunk: KnowledgeChunk) -> dict[str, Any]:
    document = chunk.document
    roles = document.role_list
    meta: dict[str, Any] = {
        "doc_type": document.doc_type,
        "part": document.part_number,
        "work_center": document.work_center_code,
        "area": document.area,
        "version_id": document.version_id or 0,
        "document_id": document.pk,
    }
    for role in ROLE_VALUES:
        meta[f"r_{role}"] = not roles or role in roles
    return meta


_clients: dict[str, Any] = {}
_collections: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()
# Threads of one process share its client: a reopen (another thread saw a new index generation) waits for the
# reads and writes in flight, and holds new ones back, instead of closing the client under them.
_use = threading.Condition()
_users = 0
_reopening = False
REOPEN_WAIT_SECONDS = 30.0


@contextmanager
def in_use() -> Iterator[None]:
    """Hold this process's Chroma client open for a read or a write (a reopen waits for it to end)."""
    global _users
    with _use:
        _use.wait_for(lambda: not _reopening, timeout=REOPEN_WAIT_SECONDS)
        _users += 1
    try:
        yield
    finally:
        with _use:
            _users -= 1
            _use.notify_all()


def collection() -> Any:
    """The Chroma collection: embedded (persistent, under the data dir) or a server when CHROMA_URL is set."""
    key = settings.CHROMA_URL or str(settings.COPILOT_CHROMA_DIR)
    cached = _collections.get((key, settings.COPILOT_COLLECTION))
    if cached is not None:  # the hot path: building Chroma's settings object costs milliseconds per call
        return cached
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    with _lock:
        client = _clients.get(key)
        if client is None:
            if settings.CHROMA_URL:
                import httpx

                url = httpx.URL(settings.CHROMA_URL)
                client = chromadb.HttpClient(
                    host=url.host, port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https", settings=chroma_settings,
                )  # fmt: skip
            else:
                client = chromadb.PersistentClient(path=key, settings=chroma_settings)
            _clients[key] = client
        cached = _collections.get((key, settings.COPILOT_COLLECTION))
        if cached is None:
            # Never let Chroma embed: its default embedding function downloads a model. We always pass vectors.
            cached = client.get_or_create_collection(
                settings.COPILOT_COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            _collections[(key, settings.COPILOT_COLLECTION)] = cached
        return cached


def reopen() -> None:
    """Forget this process's Chroma client and collection, so the next use opens them afresh.

    Embedded Chroma keeps the segments it has read in memory: after another process (the background worker,
    `build_index`) rewrote the collection, this process's client answers from the stale segments ("Error
    finding id" for ids it never saw, deleted ids from its HNSW). A Chroma server holds no such state. Reads and
    writes in flight on other threads end first (`in_use`); a reopen never closes the client under them."""
    global _reopening
    if settings.CHROMA_URL:
        return
    key = str(settings.COPILOT_CHROMA_DIR)
    with _use:
        _use.wait_for(lambda: not _reopening, timeout=REOPEN_WAIT_SECONDS)
        _reopening = True
        try:
            if not _use.wait_for(lambda: _users == 0, timeout=REOPEN_WAIT_SECONDS):
                logger.warning("reopening the Chroma client with %d uses still in flight", _users)
            with _lock:
                _collections.pop((key, settings.COPILOT_COLLECTION), None)
                for cached_key in [k for k in _collections if k[0] == key]:
                    _collections.pop(cached_key, None)
                client = _clients.pop(key, None)
            if client is not None:
                try:
                    client.close()  # the last reference: Chroma stops its system, the next client reads anew
                except Exception:
                    logger.warning("closing the Chroma client failed", exc_info=True)
        finally:
            _reopening = False
            _use.notify_all()


def vector_read[T](read: Callable[[Any], T]) -> T:
    """`read(collection)`; on a Chroma error (stale segments, a collection recreated by another process) the
    client is reopened and the read tried once more, else VectorStoreUnavailable."""
    from chromadb.errors import ChromaError

    try:
        with in_use():
            return read(collection())
    except (ChromaError, AttributeError):  # a client closed under the read fails with AttributeError
        logger.warning("vector store read failed; reopening the Chroma client", exc_info=True)
    reopen()
    try:
        with in_use():
            return read(collection())
    except Exception as error:
        raise VectorStoreUnavailable(str(error)) from error


def vectors_upsert(*, ids: list[int], embeddings: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
    step = 5000
    with in_use():
        col = collection()
        for start in range(0, len(ids), step):
            col.upsert(
                ids=[str(i) for i in ids[start : start + step]],
                embeddings=embeddings[start : start + step],
                metadatas=metadatas[start : start + step],
            )


def vectors_delete(ids: list[int]) -> None:
    if ids:
        with in_use():
            col = collection()
            for start in range(0, len(ids), 5000):
                col.delete(ids=[str(i) for i in ids[start : start + 5000]])


def _chroma_where(f: SearchFilter) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if f.parts:
        clauses.append({"part": {"$in": ["", *f.parts]}})
    if f.work_centers:
        clauses.append({"work_center": {"$in": ["", *f.work_centers]}})
    if f.doc_types:
        clauses.append({"doc_type": {"$in": list(f.doc_types)}})
    if f.role and f.role != "admin":
        clauses.append({f"r_{f.role}": True})
    if f.area and f.role != "admin":
        clauses.append({"area": {"$in": ["", f.area]}})
    if f.versions is not None:
        clauses.append({"version_id": {"$in": [0, *f.versions]}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def dense_search(
    query_vector: np.ndarray,
    f: SearchFilter,
    lexical: "LexicalIndex | None" = None,
    mask: np.ndarray | None = None,
    k: int = CANDIDATES,
) -> list[int]:
    return [chunk_id for chunk_id, _similarity in dense_search_scored(query_vector, f, lexical, mask, k)]


def dense_search_scored(
    query_vector: np.ndarray,
    f: SearchFilter,
    lexical: "LexicalIndex | None" = None,
    mask: np.ndarray | None = None,
    k: int = CANDIDATES,
) -> list[tuple[int, float]]:
    """Nearest chunks by cosine in Chroma's HNSW index.

    With a filter, an unfiltered HNSW query over-fetches and the in-memory mask keeps the allowed chunks: Chroma's
    own metadata pre-filter costs tens of milliseconds at 100k chunks. Only when too few survive (a very narrow
    filter) does Chroma filter itself.
    """
    if lexical is not None and len(lexical.ids) <= EXACT_DENSE_MAX:
        lexical.dense_vectors()
        if lexical.vectors_complete:
            return lexical.exact_dense_scored(query_vector, mask, k)
    if mask is not None and lexical is not None:
        allowed = int(mask.sum())
        # Too few allowed chunks for over-fetching to find enough of them: exact search is cheaper anyway.
        if allowed * DENSE_OVERFETCH < 2 * MIN_DENSE * len(lexical.ids):
            return lexical.exact_dense_scored(query_vector, mask, k)
    if mask is None or lexical is None:
        result = vector_read(
            lambda col: col.query(
                query_embeddings=query_vector.reshape(1, -1), n_results=k, where=_chroma_where(f),
                include=["distances"],
            )
        )  # fmt: skip
        return [
            (int(i), 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
    result = vector_read(
        lambda col: col.query(
            query_embeddings=query_vector.reshape(1, -1), n_results=DENSE_OVERFETCH, include=["distances"]
        )
    )
    kept = []
    for raw, distance in zip(result["ids"][0], result["distances"][0], strict=True):
        position = lexical.position.get(int(raw))
        if position is not None and mask[position]:
            kept.append((int(raw), 1.0 - float(distance)))
    if len(kept) >= MIN_DENSE or allowed <= len(kept):
        return kept[:k]
    return lexical.exact_dense_scored(query_vector, mask, k)
