"""Writing the knowledge index: a source's passages into the database, its vectors into the vector store.

Every way into the library (files and folders, uploads, instruction versions, closed NCRs) ends in
`documents_ingest`: quarantine instruction-like sentences, skip unchanged content, embed in one batch, write.
"""

import dataclasses
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Left

from copilot import vectorstore
from copilot.index_schema import index_text
from copilot.library import ParsedDocument, strip_instructions_many
from copilot.library import Passage as ParsedPassage
from copilot.models import (
    DocType,
    DocumentStatus,
    IndexState,
    KnowledgeChunk,
    KnowledgeDocument,
)
from instructions.models import InstructionVersion, Step
from plexcopilot.embedding import embedder
from plexcopilot.roles import ROLE_CHOICES
from plexcopilot.services import audit_record

logger = logging.getLogger(__name__)

INGEST_BATCH = 64
META_FIELDS = ("type", "part", "work_center", "area", "roles", "url")

# --- Library ----------------------------------------------------------------------------------


def index_touch() -> None:
    """Tell every worker that the library changed (their in-memory BM25 is rebuilt on next use): a new token
    "<library>.<vectors>", both parts new."""
    token = f"{uuid.uuid4().hex[:16]}.{uuid.uuid4().hex[:15]}"
    if not IndexState.objects.filter(pk=1).update(token=token):
        IndexState.objects.update_or_create(pk=1, defaults={"token": token})


def vectors_touch() -> None:
    """Tell every worker that the vector store changed, written last (after the vectors): they reopen their
    Chroma client and read the vectors again, keeping their BM25. One UPDATE keeps the library part, so a
    library change committed meanwhile by another process is not lost."""
    vectors = uuid.uuid4().hex[:15]
    if not IndexState.objects.filter(pk=1).update(token=Concat(Left("token", 16), Value(f".{vectors}"))):
        index_touch()


def _vectors_write(*, delete: list[int], chunks: list[KnowledgeChunk], embeddings: np.ndarray) -> None:
    """The vector writes of an ingest, after its commit, on a freshly opened client (another process may have
    rewritten the collection since this one was opened), then the generation marker."""
    vectorstore.reopen()
    vectorstore.vectors_delete(delete)
    if chunks:
        vectorstore.vectors_upsert(
            ids=[c.pk for c in chunks],
            embeddings=embeddings,
            metadatas=[vectorstore.chunk_metadata(c) for c in chunks],
        )
    vectors_touch()


def _document_hash(source: "Source") -> str:
    parsed = source.parsed
    payload = {
        "title": parsed.title,
        "meta": {k: parsed.meta.get(k, "") for k in META_FIELDS},
        "passages": [[p.location, p.text, p.start] for p in parsed.passages],
        "path": source.path,
        "media": source.media,
        "tracks": source.tracks or {},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _clean_roles(raw: str) -> str:
    known = {value for value, _ in ROLE_CHOICES}
    return ",".join(r for r in (x.strip().lower() for x in raw.split(",")) if r in known)


@dataclass
class Source:
    """One document to (re)index: where it comes from and what it says."""

    key: str
    parsed: ParsedDocument
    version: InstructionVersion | None = None
    steps: list[Step | None] | None = None
    path: str = ""  # relative to the library folder it was ingested from
    status: str = DocumentStatus.APPROVED
    media: str = ""  # video clips: file path or URL
    tracks: dict[str, str] | None = None  # video clips: WebVTT transcript per language


def title_text(parsed: ParsedDocument) -> str:
    """What a document's own vector embeds: its title and its headings, in order."""
    headings = list(dict.fromkeys(p.location for p in parsed.passages if p.location))
    return f"{parsed.title}. {'; '.join(headings)}"[:1500]


def _quarantine_all(sources: list[Source]) -> list[tuple[Source, int]]:
    """Drop sentences that try to instruct an assistant, so neither engine ever sees them: every sentence of
    every source in one classifier batch."""
    stripped = iter(strip_instructions_many([p.text for s in sources for p in s.parsed.passages]))
    return [_quarantine(source, [next(stripped) for _ in source.parsed.passages]) for source in sources]


def _quarantine(source: Source, stripped: list[tuple[str, int]]) -> tuple[Source, int]:
    quarantined = 0
    kept: list[tuple[ParsedPassage, Step | None]] = []
    for n, (passage, (text, removed)) in enumerate(zip(source.parsed.passages, stripped, strict=True)):
        quarantined += removed
        if text.strip():
            kept.append(
                (
                    ParsedPassage(passage.location, text, passage.start),
                    source.steps[n] if source.steps else None,
                )
            )
    if not quarantined:
        return source, 0
    parsed = ParsedDocument(
        source.parsed.title, source.parsed.file_format, source.parsed.meta, [p for p, _ in kept]
    )
    steps = [s for _, s in kept] if source.steps else None
    return dataclasses.replace(source, parsed=parsed, steps=steps), quarantined


def documents_ingest(
    *, sources: list[Source], actor: Any | None = None
) -> list[tuple[KnowledgeDocument, bool]]:
    """Add or replace documents and their passages in one transaction and one vector write.

    Returns (document, changed) per source; a source whose content hash is unchanged is skipped.
    """
    results: list[tuple[KnowledgeDocument, bool]] = []
    work: list[tuple[Source, str, int, KnowledgeDocument | None]] = []
    existing_by_key = KnowledgeDocument.objects.in_bulk([s.key for s in sources], field_name="source_key")
    for source, quarantined in _quarantine_all(sources):
        digest = _document_hash(source)
        existing = existing_by_key.get(source.key)
        if existing is not None and existing.content_hash == digest:
            results.append((existing, False))
        else:
            work.append((source, digest, quarantined, existing))
    if not work:
        return results
    texts = [
        index_text(title=s.parsed.title, location=p.location, text=p.text)
        for s, _d, _q, _e in work
        for p in s.parsed.passages
    ]
    # Outside the transaction: the slow part. One batch: every passage, then each document's title vector.
    embedded = embedder().embed(texts + [title_text(s.parsed) for s, _d, _q, _e in work])
    vectors, title_vectors = embedded[: len(texts)], embedded[len(texts) :]
    old_ids: list[int] = []
    all_chunks: list[KnowledgeChunk] = []
    with transaction.atomic():
        for n_work, (source, digest, _quarantined, existing) in enumerate(work):
            parsed = source.parsed
            document = existing or KnowledgeDocument(source_key=source.key)
            if existing is not None:
                old_ids += list(existing.chunks.values_list("id", flat=True))
                existing.chunks.all().delete()
            doc_type = parsed.meta.get("type", "")
            document.title = parsed.title[:300]
            document.doc_type = doc_type if doc_type in DocType.values else DocType.OTHER
            document.file_format = parsed.file_format
            document.part_number = parsed.meta.get("part", "")[:40]
            document.work_center_code = parsed.meta.get("work_center", "")[:32]
            document.area = parsed.meta.get("area", "")[:60]
            document.roles = _clean_roles(parsed.meta.get("roles", ""))
            document.version = source.version
            document.path = source.path[:500]
            document.url = parsed.meta.get("url", "")[:1000]
            document.media = source.media[:1000]
            document.tracks = source.tracks or {}
            document.vector = title_vectors[n_work].astype(np.float32).tobytes()
            if existing is None or source.status != DocumentStatus.APPROVED:
                document.status = source.status
            document.content_hash = digest
            document.text = parsed.text
            if document.pk is None and actor is not None and getattr(actor, "is_authenticated", False):
                document.uploaded_by = actor
            document.save()
            chunks = KnowledgeChunk.objects.bulk_create(
                [
                    KnowledgeChunk(
                        document=document,
                        ordinal=n,
                        location=p.location[:300],
                        text=p.text,
                        step=source.steps[n] if source.steps else None,
                        start_seconds=p.start,
                    )  # fmt: skip
                    for n, p in enumerate(parsed.passages)
                ]
            )
            for chunk in chunks:
                chunk.document = document
            all_chunks += chunks
            results.append((document, True))
        index_touch()
        if len(work) <= INGEST_BATCH:
            for (source, digest, quarantined, existing), (document, _changed) in zip(
                work, results[len(results) - len(work) :], strict=True
            ):
                audit_record(
                    actor=actor,
                    action="copilot.document.update"
                    if existing and existing.content_hash
                    else "copilot.document.add",
                    obj=document,
                    summary=f"{'Re-indexed' if existing and existing.content_hash else 'Added'} {document.title} "
                    f"({len(source.parsed.passages)} passages)",
                    data={"source": source.key, "content_hash": digest, "quarantined_sentences": quarantined},
                )
        else:  # bulk history (closed NCRs, a first build): one event naming the sources
            audit_record(
                actor=actor,
                action="copilot.documents.index",
                object_type="copilot.knowledgedocument",
                summary=f"Indexed {len(work)} documents ({len(all_chunks)} passages)",
                data={
                    "sources": [w[0].key for w in work][:500],
                    "quarantined_sentences": sum(w[2] for w in work),
                },
            )
    _vectors_write(delete=old_ids, chunks=all_chunks, embeddings=vectors)
    return results


def document_ingest(
    *,
    source_key: str,
    parsed: ParsedDocument,
    actor: Any | None = None,
    version: InstructionVersion | None = None,
    steps: list[Step | None] | None = None,
    status: str = DocumentStatus.APPROVED,
) -> tuple[KnowledgeDocument, bool]:
    """Add or replace one document; returns (document, changed). An unchanged document is skipped."""
    source = Source(source_key, parsed, version, steps, status=status)
    return documents_ingest(sources=[source], actor=actor)[0]


def document_remove(*, document: KnowledgeDocument, actor: Any | None = None) -> None:
    ids = list(document.chunks.values_list("id", flat=True))
    with transaction.atomic():
        audit_record(
            actor=actor, action="copilot.document.remove", obj=document,
            summary=f"Removed {document.title} from the knowledge library", data={"source": document.source_key},
        )  # fmt: skip
        document.delete()
        index_touch()
    _vectors_write(delete=ids, chunks=[], embeddings=np.zeros((0, 0), dtype=np.float32))


def vectors_reconcile() -> int:
    """Re-embed chunks missing from the vector store (e.g. a fresh Chroma dir beside an existing database)."""
    vectorstore.reopen()
    ids = list(KnowledgeChunk.objects.values_list("id", flat=True))
    present: set[int] = set()
    with vectorstore.in_use():
        col = vectorstore.collection()
        if col.count() == len(ids):
            return 0
        for start in range(0, len(ids), 5000):
            batch = [str(i) for i in ids[start : start + 5000]]
            present.update(int(i) for i in col.get(ids=batch, include=[])["ids"])
    missing = list(KnowledgeChunk.objects.filter(id__in=set(ids) - present).select_related("document"))
    for start in range(0, len(missing), 256):
        chunks = missing[start : start + 256]
        vectors = embedder().embed(
            [index_text(title=c.document.title, location=c.location, text=c.text) for c in chunks]
        )
        vectorstore.vectors_upsert(
            ids=[c.pk for c in chunks],
            embeddings=vectors,
            metadatas=[vectorstore.chunk_metadata(c) for c in chunks],
        )
    if missing:
        vectors_touch()
    return len(missing)
