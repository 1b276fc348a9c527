"""Hybrid retrieval: BM25 (bm25s) + dense MiniLM vectors in Chroma,
fused by reciprocal rank.

The database holds the chunks (the source of truth); Chroma holds one vector per chunk under the chunk's id
with the metadata filters need. BM25 lives in memory, rebuilt from the database whenever IndexState's token
changes, so every worker sees new documents. Filters (part, work center, document type, visible roles and
area, instruction versions) are applied inside both retrievers, never after them: at 100k chunks a
post-filter would starve the fused list.
"""

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import bm25s
import numpy as np
import Stemmer
from django.conf import settings

from copilot import docindex
from copilot.models import ROLE_VALUES, DocumentStatus, IndexState, KnowledgeChunk, KnowledgeDocument
from plexcopilot.embedding import DIMENSIONS, embedder

RRF_K = 60
logging.getLogger("bm25s").setLevel(logging.WARNING)
CANDIDATES = 20
PASSAGE_CANDIDATES = 30
TOP_DOCUMENTS = 8
DENSE_OVERFETCH = 120
MIN_DENSE = 8
PER_DOCUMENT = 2


@dataclass(frozen=True)
class SearchFilter:
    """What may be retrieved. Empty tuples mean "no restriction"."""

    parts: tuple[str, ...] = ()  # a chunk passes if its part is one of these or blank
    work_centers: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    role: str | None = None  # None: no role restriction (CLI, admins)
    area: str | None = None
    versions: tuple[int, ...] | None = None  # instruction versions allowed; None: any


@dataclass
class Hit:
    chunk_id: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


def index_text(*, title: str, location: str, text: str) -> str:
    """What is embedded and BM25-indexed: the passage with its title and location for context."""
    return f"{title}. {location}. {text}" if location else f"{title}. {text}"


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


# --- Chroma -----------------------------------------------------------------------------------

_clients: dict[str, Any] = {}
_collections: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def collection() -> Any:
    """The Chroma collection: embedded (persistent, under the data dir) or a server when CHROMA_URL is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    key = settings.CHROMA_URL or str(settings.COPILOT_CHROMA_DIR)
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


def vectors_upsert(*, ids: list[int], embeddings: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
    col = collection()
    step = 5000
    for start in range(0, len(ids), step):
        col.upsert(
            ids=[str(i) for i in ids[start : start + step]],
            embeddings=embeddings[start : start + step],
            metadatas=metadatas[start : start + step],
        )


def vectors_delete(ids: list[int]) -> None:
    if ids:
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
    col = collection()
    if mask is not None and lexical is not None:
        allowed = int(mask.sum())
        # Too few allowed chunks for over-fetching to find enough of them: exact search is cheaper anyway.
        if allowed * DENSE_OVERFETCH < 2 * MIN_DENSE * len(lexical.ids):
            return lexical.exact_dense_scored(query_vector, mask, k)
    if mask is None or lexical is None:
        result = col.query(
            query_embeddings=query_vector.reshape(1, -1), n_results=k, where=_chroma_where(f),
            include=["distances"],
        )  # fmt: skip
        return [
            (int(i), 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
    result = col.query(
        query_embeddings=query_vector.reshape(1, -1), n_results=DENSE_OVERFETCH, include=["distances"]
    )
    kept = []
    for raw, distance in zip(result["ids"][0], result["distances"][0], strict=True):
        position = lexical.position.get(int(raw))
        if position is not None and mask[position]:
            kept.append((int(raw), 1.0 - float(distance)))
    if len(kept) >= MIN_DENSE or allowed <= len(kept):
        return kept[:k]
    return lexical.exact_dense_scored(query_vector, mask, k)


# --- BM25 -------------------------------------------------------------------------------------


class LexicalIndex:
    """BM25 over every chunk, plus metadata columns so filters become a numpy weight mask."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.stemmer = Stemmer.Stemmer("english")
        rows = list(
            KnowledgeChunk.objects.order_by("id").values_list(
                "id", "text", "location", "document__title", "document__doc_type", "document__part_number",
                "document__work_center_code", "document__area", "document__roles", "document__version_id",
                "document_id", "document__status",
            )
        )  # fmt: skip
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.position = {int(chunk_id): i for i, chunk_id in enumerate(self.ids)}
        # Metadata as small integer codes: a filter is a few vectorised comparisons, ~1 ms at 100k chunks.
        self.codes: dict[str, np.ndarray] = {}
        self.vocab: dict[str, dict[str, int]] = {}
        for name, col in (("doc_type", 4), ("part", 5), ("work_center", 6), ("area", 7)):
            vocab: dict[str, int] = {"": 0}
            self.codes[name] = np.array(
                [vocab.setdefault(str(r[col] or ""), len(vocab)) for r in rows], dtype=np.int32
            )
            self.vocab[name] = vocab
        self.vectors: np.ndarray | None = None  # loaded on first narrow-filter search
        self.versions = np.array([r[9] or 0 for r in rows], dtype=np.int64)
        self.document_of = {int(r[0]): int(r[10]) for r in rows}
        self.approved = np.array([r[11] == DocumentStatus.APPROVED for r in rows], dtype=bool)
        self.documents = self._documents(rows)
        roles = [[x.strip() for x in (r[8] or "").split(",") if x.strip()] for r in rows]
        self.role_ok = {
            role: np.array([not rs or role in rs for rs in roles], dtype=bool) for role in ROLE_VALUES
        }
        self.bm25: bm25s.BM25 | None = None  # index positions are positions in self.ids
        if rows:
            texts = [index_text(title=r[3], location=r[2], text=r[1]) for r in rows]
            tokens = bm25s.tokenize(
                texts, token_pattern=docindex.TOKEN_PATTERN, stopwords=docindex.STOPWORDS, stemmer=self.stemmer,
                show_progress=False,
            )  # fmt: skip
            self.bm25 = bm25s.BM25()
            self.bm25.index(tokens, show_progress=False)

    def _documents(self, rows: list[tuple[Any, ...]]) -> docindex.DocumentIndex:
        """Titles, headings, whole texts and title vectors per document, in first-chunk order."""
        order: list[int] = []
        titles: dict[int, str] = {}
        headings: dict[int, list[str]] = {}
        bodies: dict[int, list[str]] = {}
        first: dict[int, int] = {}
        for position, r in enumerate(rows):
            document = int(r[10])
            if document not in titles:
                order.append(document)
                titles[document], headings[document], bodies[document] = r[3], [], [r[3]]
                first[document] = position
            if r[2] and (not headings[document] or headings[document][-1] != r[2]):
                headings[document].append(r[2])
            bodies[document].append(r[1])
        vectors = np.zeros((len(order), DIMENSIONS), dtype=np.float32)
        at = {d: i for i, d in enumerate(order)}
        for start in range(0, len(order), 5000):
            for pk, raw in KnowledgeDocument.objects.filter(
                pk__in=order[start : start + 5000], vector__isnull=False
            ).values_list("pk", "vector"):
                vector = np.frombuffer(bytes(raw), dtype=np.float32)
                if vector.shape == (DIMENSIONS,):
                    vectors[at[pk]] = vector
        self.first_chunk = np.array([first[d] for d in order], dtype=np.int64)
        self.document_position = np.array([at[int(r[10])] for r in rows], dtype=np.int64)
        return docindex.DocumentIndex(
            self.stemmer, order, [titles[d] for d in order], [headings[d] for d in order],
            [" ".join(bodies[d]) for d in order], vectors,
        )  # fmt: skip

    def mask(self, f: SearchFilter) -> np.ndarray | None:
        keep = self.approved.copy()
        restricted = not bool(self.approved.all())

        def within(column: str, allowed: tuple[str, ...], blank: bool = True) -> np.ndarray:
            vocab = self.vocab[column]
            codes = [vocab[v] for v in (("", *allowed) if blank else allowed) if v in vocab]
            return np.isin(self.codes[column], np.array(codes, dtype=np.int32))

        if f.parts:
            keep &= within("part", f.parts)
            restricted = True
        if f.work_centers:
            keep &= within("work_center", f.work_centers)
            restricted = True
        if f.doc_types:
            keep &= within("doc_type", f.doc_types, blank=False)
            restricted = True
        if f.role and f.role != "admin":
            keep &= self.role_ok.get(f.role, np.zeros(len(self.ids), dtype=bool))
            restricted = True
        if f.area and f.role != "admin":
            keep &= within("area", (f.area,))
            restricted = True
        if f.versions is not None:
            keep &= np.isin(self.versions, np.array([0, *f.versions], dtype=np.int64))
            restricted = True
        return keep if restricted else None

    def exact_dense(self, query_vector: np.ndarray, mask: np.ndarray, k: int) -> list[int]:
        return [chunk_id for chunk_id, _similarity in self.exact_dense_scored(query_vector, mask, k)]

    def exact_dense_scored(
        self, query_vector: np.ndarray, mask: np.ndarray, k: int
    ) -> list[tuple[int, float]]:
        """Exact cosine search over the allowed chunks only: for filters too narrow for HNSW over-fetching.

        The vectors are read from the vector store once per index generation (150 MB at 100k chunks)."""
        if self.vectors is None:
            col = collection()
            vectors = np.zeros((len(self.ids), len(query_vector)), dtype=np.float32)
            for start in range(0, len(self.ids), 5000):
                batch = [str(i) for i in self.ids[start : start + 5000]]
                got = col.get(ids=batch, include=["embeddings"])
                for raw, vector in zip(got["ids"], got["embeddings"], strict=True):
                    vectors[self.position[int(raw)]] = vector
            self.vectors = vectors
        allowed = np.flatnonzero(mask)
        scores = self.vectors[allowed] @ query_vector
        top = (
            allowed[np.argsort(-scores)[:k]]
            if len(allowed) <= k
            else allowed[np.argpartition(-scores, k)[:k]]
        )
        similarities = self.vectors[top] @ query_vector
        order = np.argsort(-similarities)
        return [(int(self.ids[top[i]]), float(similarities[i])) for i in order]

    def search(self, query: str, mask: np.ndarray | None, k: int = CANDIDATES) -> list[int]:
        tokens = docindex.tokenize(self.stemmer, [query])[0]
        return [chunk_id for chunk_id, _score in self.search_scored(tokens, mask, k)]

    def search_scored(self, tokens: list[str], mask: np.ndarray | None, k: int) -> list[tuple[int, float]]:
        bm25 = self.bm25
        if bm25 is None or (mask is not None and not mask.any()):
            return []
        known = [t for t in tokens if t in bm25.vocab_dict]
        if not known:
            return []
        scores = bm25.get_scores(known, weight_mask=mask.astype(np.float32) if mask is not None else None)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top])]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]


_lexical: LexicalIndex | None = None
_lexical_lock = threading.Lock()


def index_token() -> str:
    return IndexState.objects.values_list("token", flat=True).first() or ""


def lexical_index() -> LexicalIndex:
    """The in-memory BM25 index, rebuilt when the library changed since it was built."""
    global _lexical
    token = index_token()
    with _lexical_lock:
        if _lexical is None or _lexical.token != token:
            _lexical = LexicalIndex(token)
        return _lexical


# --- Fusion -----------------------------------------------------------------------------------


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


def search(query: str, f: SearchFilter, *, k: int = 5, mode: str = "hybrid") -> list[Hit]:
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
            lists["dense"] = dense_search(embedder().embed([query])[0], f, lexical, mask)
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
        chunk_dense = dict(dense_search_scored(query_vector, f, lexical, mask, PASSAGE_CANDIDATES))
    documents = lexical.documents
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
