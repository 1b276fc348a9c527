"""The lexical side of retrieval: BM25 (bm25s) over every chunk in memory, rebuilt from the database whenever
IndexState's token changes (so every worker sees new documents), plus metadata columns so a search filter is a
numpy mask applied inside both retrievers."""

import copy
import logging
import threading
from typing import Any, cast

import bm25s
import numpy as np
import Stemmer

from copilot import docindex, vectorstore
from copilot.index_schema import CANDIDATES, SearchFilter, index_text
from copilot.models import ROLE_VALUES, DocumentStatus, IndexState, KnowledgeChunk, KnowledgeDocument
from plexcopilot.embedding import DIMENSIONS

logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 over every chunk, plus metadata columns so filters become a numpy weight mask."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.library = library_generation(token)
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
        self.vectors: np.ndarray | None = None  # loaded on first use (dense_vectors)
        self.vectors_complete = False
        self.versions = np.array([r[9] or 0 for r in rows], dtype=np.int64)
        self.document_of = {int(r[0]): int(r[10]) for r in rows}
        self.approved = np.array([r[11] == DocumentStatus.APPROVED for r in rows], dtype=bool)
        # None without a chunk: a library not ingested yet answers every question with "nothing found"
        self.first_chunk = self.document_position = np.zeros(0, dtype=np.int64)
        self.documents = self._documents(rows) if rows else None
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
                vector = np.frombuffer(bytes(cast(bytes | memoryview, raw)), dtype=np.float32)  # not null
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
        self, query_vector: np.ndarray, mask: np.ndarray | None, k: int
    ) -> list[tuple[int, float]]:
        """Exact cosine search over the allowed chunks only (all of them when `mask` is None): for filters too
        narrow for HNSW over-fetching, and for small libraries, where it is faster than an HNSW query."""
        vectors = self.dense_vectors()
        if mask is None:
            scores = vectors @ query_vector
            allowed = np.arange(len(self.ids))
        else:
            allowed = np.flatnonzero(mask)
            scores = vectors[allowed] @ query_vector
        k = min(k, len(allowed))
        if not k:
            return []
        best = np.argpartition(-scores, k - 1)[:k] if k < len(allowed) else np.arange(len(allowed))
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(self.ids[allowed[i]]), float(scores[i])) for i in best]

    def dense_vectors(self) -> np.ndarray:
        """Every chunk's vector, rows aligned with `ids`: read from the vector store once per index generation
        (15 MB at 10k chunks, 150 MB at 100k). `vectors_complete` says whether every chunk had one (a
        question can arrive between an ingest's commit and its vector write)."""
        if self.vectors is None:
            vectors = np.zeros((len(self.ids), DIMENSIONS), dtype=np.float32)
            found = 0
            for start in range(0, len(self.ids), 5000):
                batch = [str(i) for i in self.ids[start : start + 5000]]

                def read(col: Any, batch: list[str] = batch) -> Any:
                    return col.get(ids=batch, include=["embeddings"])

                got = vectorstore.vector_read(read)  # reopened and read again once if Chroma fails
                if len(got["ids"]):
                    vectors[[self.position[int(raw)] for raw in got["ids"]]] = np.asarray(got["embeddings"])
                found += len(got["ids"])
            self.vectors_complete = found == len(self.ids)
            self.vectors = vectors
        return self.vectors

    def with_vectors_token(self, token: str) -> "LexicalIndex":
        """The same BM25 and metadata under a new token whose vectors are read again: only the vector store
        changed (the vectors an ingest writes after its database commit)."""
        fresh = copy.copy(self)
        fresh.token, fresh.vectors, fresh.vectors_complete = token, None, False
        return fresh

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


def library_generation(token: str) -> str:
    """The part of IndexState's token that changes when the library's rows change ("<library>.<vectors>": the
    second part changes again when the vectors have been written, after the commit)."""
    return token.partition(".")[0]


def lexical_index() -> LexicalIndex:
    """The in-memory BM25 index, rebuilt when the library changed since it was built; its vectors are read
    again when only the vector store changed. Either way the Chroma client is reopened first: another process
    (the background worker, `build_index`) may have rewritten the collection, and an embedded client that kept
    the old segments fails on ids it never saw."""
    global _lexical
    token = index_token()
    with _lexical_lock:
        if _lexical is None or _lexical.token != token:
            vectorstore.reopen()
            if _lexical is not None and _lexical.library == library_generation(token):
                _lexical = _lexical.with_vectors_token(token)
            else:
                _lexical = LexicalIndex(token)
        return _lexical
