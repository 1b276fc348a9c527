"""Copilot services: the knowledge library (ingest, index) and questions (retrieve, answer, record)."""

import dataclasses
import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from copilot import retrieval, safety, sources
from copilot.answers import Answer, Passage, answer_segments, extractive_answer, llm_messages, numeric_guard
from copilot.library import SUPPORTED, ParsedDocument, UnreadableDocument, parse_file, strip_instructions
from copilot.library import Passage as ParsedPassage
from copilot.models import (
    Conversation,
    CopilotQuestion,
    DocType,
    DocumentStatus,
    IndexState,
    KnowledgeChunk,
    KnowledgeDocument,
)
from instructions.models import Execution, InstructionVersion, Step, WorkInstruction
from instructions.services import spec_text
from languages.question_terms import question_to_english
from languages.services import answer_translate
from plexcopilot.embedding import embedder
from plexcopilot.llm import LLMUnavailable, breaker, llm_configured, llm_stream
from plexcopilot.roles import ROLE_CHOICES
from plexcopilot.services import audit_record

logger = logging.getLogger(__name__)

INGEST_BATCH = 64
META_FIELDS = ("type", "part", "work_center", "area", "roles", "url")


class QuestionInvalid(ValueError):
    pass


# --- Library ----------------------------------------------------------------------------------


def index_touch() -> None:
    """Tell every worker that the library changed (their in-memory BM25 is rebuilt on next use)."""
    token = uuid.uuid4().hex
    if not IndexState.objects.filter(pk=1).update(token=token):
        IndexState.objects.update_or_create(pk=1, defaults={"token": token})


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


def _quarantine(source: Source) -> tuple[Source, int]:
    """Drop sentences that try to instruct an assistant, so neither engine ever sees them."""
    quarantined = 0
    kept: list[tuple[ParsedPassage, Step | None]] = []
    for n, passage in enumerate(source.parsed.passages):
        text, removed = strip_instructions(passage.text)
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
    for raw in sources:
        source, quarantined = _quarantine(raw)
        digest = _document_hash(source)
        existing = existing_by_key.get(source.key)
        if existing is not None and existing.content_hash == digest:
            results.append((existing, False))
        else:
            work.append((source, digest, quarantined, existing))
    if not work:
        return results
    texts = [
        retrieval.index_text(title=s.parsed.title, location=p.location, text=p.text)
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
                    action="copilot.document.update" if existing else "copilot.document.add",
                    obj=document,
                    summary=f"{'Re-indexed' if existing else 'Added'} {document.title} "
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
    retrieval.vectors_delete(old_ids)
    retrieval.vectors_upsert(
        ids=[c.pk for c in all_chunks],
        embeddings=vectors,
        metadatas=[retrieval.chunk_metadata(c) for c in all_chunks],
    )
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


class ApprovalRefused(ValueError):
    pass


def document_review(*, document: KnowledgeDocument, actor: Any, approve: bool) -> KnowledgeDocument:
    """A second person (quality engineer or admin, not the uploader) makes an uploaded document citable, or
    rejects it. Until then retrieval never returns it."""
    if document.status != DocumentStatus.PENDING:
        raise ApprovalRefused("This document is not waiting for approval.")
    if document.uploaded_by_id is not None and document.uploaded_by_id == getattr(actor, "pk", None):
        raise ApprovalRefused("A second person must approve it: you uploaded this document.")
    with transaction.atomic():
        document.status = DocumentStatus.APPROVED if approve else DocumentStatus.REJECTED
        document.approved_by = actor
        document.approved_at = timezone.now()
        document.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        audit_record(
            actor=actor, action="copilot.document.approve" if approve else "copilot.document.reject",
            obj=document, summary=f"{'Approved' if approve else 'Rejected'} {document.title} for the copilot",
            data={"source": document.source_key, "uploaded_by": document.uploaded_by_id},
        )  # fmt: skip
        index_touch()
    return document


def document_remove(*, document: KnowledgeDocument, actor: Any | None = None) -> None:
    ids = list(document.chunks.values_list("id", flat=True))
    with transaction.atomic():
        audit_record(
            actor=actor, action="copilot.document.remove", obj=document,
            summary=f"Removed {document.title} from the knowledge library", data={"source": document.source_key},
        )  # fmt: skip
        document.delete()
        index_touch()
    retrieval.vectors_delete(ids)


def _source_key(path: Path) -> str:
    resolved = path.resolve()
    try:
        return "file:" + str(resolved.relative_to(settings.BASE_DIR))
    except ValueError:
        return "file:" + str(resolved)


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    errors: list[str] | None = None


def _file_sources(path: Path, root: Path) -> list[Source]:
    """The sources one library file holds: a document, a maintenance log's work orders or a video clip."""
    key = _source_key(path)
    try:
        relative = str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        relative = path.name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [
            Source(f"{key}#WO {r.number}", r.parsed, path=relative)
            for r in sources.parse_maintenance_csv(path.read_bytes(), path.name)
        ]
    fallback = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    if suffix in sources.VIDEO_SUFFIXES:
        transcripts = sources.transcripts_beside(path)
        own = transcripts.pop("", None) or next(iter(transcripts.values()), None)
        if own is None:
            raise UnreadableDocument(f"{path.name}: no transcript beside the clip ({path.stem}.vtt or .srt).")
        clip = sources.parse_clip(
            media=key[5:], transcript=own, translations=transcripts, fallback_title=fallback
        )
        return [Source(key, clip.parsed, path=relative, media=clip.media, tracks=clip.tracks)]
    if suffix in sources.TRANSCRIPT_SUFFIXES:
        notes = sources.parse_transcript(path.read_text(encoding="utf-8-sig")).notes
        if not notes.get("video", "").startswith(("http://", "https://")):
            return []  # a clip's transcript: read with its clip
        clip = sources.parse_clip(media=notes["video"], transcript=path, fallback_title=fallback)
        return [Source(key, clip.parsed, path=relative, media=clip.media, tracks=clip.tracks)]
    return [Source(key, parse_file(path), path=relative)]


def clip_url_source(*, url: str, transcript: Path, translations: dict[str, Path] | None = None) -> Source:
    """A clip served from elsewhere (http/https) with its transcript file here."""
    fallback = Path(url.split("?")[0]).stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Clip"
    clip = sources.parse_clip(
        media=url, transcript=transcript, translations=translations, fallback_title=fallback
    )
    return Source(f"clip:{url}", clip.parsed, path=url, media=url, tracks=clip.tracks)


INGESTABLE = set(SUPPORTED) | {".csv"} | sources.VIDEO_SUFFIXES | sources.TRANSCRIPT_SUFFIXES


def library_ingest_paths(
    *,
    paths: Iterable[Path],
    actor: Any | None = None,
    progress: Callable[[str], None] | None = None,
    extra: list[Source] | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively): documents, maintenance logs (CSV) and video clips with their
    transcripts. Unchanged sources are skipped; files gone from an ingested folder (and work orders gone from a
    log) are dropped from the index. `extra`: sources built elsewhere (clips at a URL)."""
    report = IngestReport(errors=[])
    files: list[tuple[Path, Path]] = []  # (file, the library folder it belongs to)
    folders: list[Path] = []
    for path in paths:
        if path.is_dir():
            folders.append(path)
            files.extend(
                (p, path) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in INGESTABLE
            )
        elif path.is_file():
            files.append((path, path.parent))
        else:
            report.errors.append(f"{path}: no such file or folder")  # type: ignore[union-attr]
    seen: set[str] = set()
    logs: list[str] = []
    items: list[tuple[int, str, list[Source]]] = []
    total = len(files) + len(extra or [])

    def flush(batch: list[tuple[int, str, list[Source]]]) -> None:
        keys = [s.key for _n, _d, group in batch for s in group]
        existed = set(
            KnowledgeDocument.objects.filter(source_key__in=keys).values_list("source_key", flat=True)
        )
        results = documents_ingest(sources=[s for _n, _d, group in batch for s in group], actor=actor)
        by_key = {document.source_key: changed for document, changed in results}
        for n, display, group in batch:
            passages = sum(len(s.parsed.passages) for s in group)
            states = []
            for source in group:
                if not by_key.get(source.key, False):
                    report.unchanged += 1
                    states.append("unchanged")
                elif source.key in existed:
                    report.updated += 1
                    report.chunks += len(source.parsed.passages)
                    states.append("updated")
                else:
                    report.added += 1
                    report.chunks += len(source.parsed.passages)
                    states.append("added")
            state = states[0] if len(set(states)) == 1 else "changed"
            if progress:
                count = f"{len(group)} records, " if len(group) > 1 else ""
                progress(f"[{n}/{total}] {state:9} {display} ({count}{passages} passages)")

    batch: list[tuple[int, str, list[Source]]] = []
    size = 0
    for position, (path, root) in enumerate(files, start=1):
        try:
            group = _file_sources(path, root)
        except (UnreadableDocument, OSError, ValueError) as error:
            report.errors.append(str(error))  # type: ignore[union-attr]
            if progress:
                progress(f"[{position}/{total}] skipped {path}: {error}")
            seen.add(_source_key(path))
            continue
        if path.suffix.lower() == ".csv":
            logs.append(_source_key(path))
        seen.update([_source_key(path), *(s.key for s in group)])
        if group:
            items.append((position, str(path), group))
    items += [(len(files) + n, s.path, [s]) for n, s in enumerate(extra or [], start=1)]
    for item in items:
        seen.update(s.key for s in item[2])
        batch.append(item)
        size += len(item[2])
        if size >= INGEST_BATCH:
            # Embedded and written in batches: one transaction and one vector write per batch.
            flush(batch)
            batch, size = [], 0
    if batch:
        flush(batch)
    stale: list[KnowledgeDocument] = []
    for folder in folders:
        prefix = _source_key(folder).rstrip("/") + "/"
        stale += [
            d
            for d in KnowledgeDocument.objects.filter(source_key__startswith=prefix)
            if d.source_key not in seen
        ]
    for log in logs:
        stale += [
            d
            for d in KnowledgeDocument.objects.filter(source_key__startswith=log + "#")
            if d.source_key not in seen
        ]
    for document in {d.pk: d for d in stale}.values():
        document_remove(document=document, actor=actor)
        report.removed += 1
        if progress:
            progress(f"removed   {document.source_key[5:]} (no longer in the library)")
    return report


def upload_ingest(*, name: str, data: bytes, actor: Any, meta: dict[str, str]) -> KnowledgeDocument:
    """An admin's upload: kept under the data dir, then ingested like any file."""
    safe_name = Path(name).name.replace(" ", "-")[:120] or "upload.txt"
    if Path(safe_name).suffix.lower() not in SUPPORTED:
        raise UnreadableDocument(f"{safe_name}: use Markdown, text, HTML or PDF.")
    folder = settings.COPILOT_UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_name
    parsed = parse_file(path, data)  # validate before anything is written
    for key, value in meta.items():
        if value:
            parsed.meta[key] = value
    path.write_bytes(data)
    # Citable only after a second person approves it (document_review): an upload may be poisoned.
    document, _changed = document_ingest(
        source_key=_source_key(path), parsed=parsed, actor=actor, status=DocumentStatus.PENDING
    )
    return document


def _instruction_parsed(version: InstructionVersion) -> tuple[ParsedDocument, list[Step | None]]:
    instruction: WorkInstruction = version.instruction
    operation = instruction.operation
    steps = list(version.steps.order_by("order"))
    parsed = ParsedDocument(
        title=f"{instruction.title} (version {version.number})",
        file_format="instruction",
        meta={
            "type": DocType.INSTRUCTION.value,
            "part": instruction.part.number,
            "work_center": operation.work_center.code,
        },
    )
    for step in steps:
        lines = [step.text]
        if step.caution:
            lines.append(f"Caution: {step.caution}")
        if step.why:
            lines.append(f"Why: {step.why}")
        if step.tool:
            lines.append(f"Tool: {step.tool}")
        if step.is_measured:
            lines.append(f"Spec: {spec_text(step)}.")
        parsed.passages.append(ParsedPassage(f"Step {step.order}: {step.title}", "\n".join(lines)))
    return parsed, list(steps)


def instruction_versions_index(*, actor: Any | None = None) -> int:
    """Index every published instruction version not yet in the library (cheap when there is none)."""
    indexed = KnowledgeDocument.objects.filter(version__isnull=False).values("version_id")
    pending = InstructionVersion.objects.exclude(pk__in=indexed).select_related(
        "instruction__part", "instruction__operation__work_center"
    )
    sources = []
    for version in pending:
        parsed, steps = _instruction_parsed(version)
        if parsed.passages:
            sources.append(Source(f"instruction-version:{version.pk}", parsed, version, steps))
    if sources:
        documents_ingest(sources=sources, actor=actor)
    return len(sources)


def ncrs_index(*, actor: Any | None = None) -> int:
    """Index closed NCRs not yet in the library: what went wrong before, and what fixed it."""
    from quality.models import NCR

    closed = NCR.objects.filter(status="closed")
    if closed.count() == KnowledgeDocument.objects.filter(doc_type=DocType.NCR).count():
        return 0
    done = set(KnowledgeDocument.objects.filter(doc_type=DocType.NCR).values_list("source_key", flat=True))
    sources: list[Source] = []
    for ncr in closed.select_related("part", "operation__work_center", "step"):
        key = f"ncr:{ncr.number}"
        if key in done:
            continue
        lines = [ncr.description]
        for label, value in (
            ("Root cause", ncr.root_cause_text or ncr.root_cause_code),
            ("Containment", ncr.containment),
            ("Corrective action", ncr.corrective_action),
            ("Disposition", ncr.get_disposition_display() if ncr.disposition else ""),
        ):
            if value:
                lines.append(f"{label}: {value}")
        # Imported history may name a part or operation the local cache does not know yet: use its text labels.
        where = (ncr.operation_label or "NCR") + (f", step {ncr.step.order}" if ncr.step else "")
        parsed = ParsedDocument(
            title=f"{ncr.number} closed NCR — {ncr.part_label or 'unknown part'}",
            file_format="ncr",
            meta={
                "type": DocType.NCR.value,
                "part": ncr.part_label,
                "work_center": ncr.operation.work_center.code if ncr.operation_id else "",
            },
            passages=[ParsedPassage(where, "\n".join(lines))],
        )
        sources.append(Source(key, parsed))
    for start in range(0, len(sources), 500):
        documents_ingest(sources=sources[start : start + 500], actor=actor)
    return len(sources)


def vectors_reconcile() -> int:
    """Re-embed chunks missing from the vector store (e.g. a fresh Chroma dir beside an existing database)."""
    col = retrieval.collection()
    if col.count() == KnowledgeChunk.objects.count():
        return 0
    ids = list(KnowledgeChunk.objects.values_list("id", flat=True))
    present: set[int] = set()
    for start in range(0, len(ids), 5000):
        batch = [str(i) for i in ids[start : start + 5000]]
        present.update(int(i) for i in col.get(ids=batch, include=[])["ids"])
    missing = list(KnowledgeChunk.objects.filter(id__in=set(ids) - present).select_related("document"))
    for start in range(0, len(missing), 256):
        chunks = missing[start : start + 256]
        vectors = embedder().embed(
            [retrieval.index_text(title=c.document.title, location=c.location, text=c.text) for c in chunks]
        )
        retrieval.vectors_upsert(
            ids=[c.pk for c in chunks],
            embeddings=vectors,
            metadatas=[retrieval.chunk_metadata(c) for c in chunks],
        )
    return len(missing)


# --- Questions --------------------------------------------------------------------------------


@dataclass
class QuestionContext:
    """Who asks, where, about what. Built from the station session and the step page."""

    employee: Any
    role: str | None
    area: str | None = None
    execution: Execution | None = None
    step: Step | None = None

    def search_filter(self) -> retrieval.SearchFilter:
        if self.execution is None:
            current = WorkInstruction.objects.exclude(current_version=None).values_list(
                "current_version", flat=True
            )
            return retrieval.SearchFilter(role=self.role, area=self.area, versions=tuple(current))
        work_order = self.execution.work_order
        return retrieval.SearchFilter(
            parts=(work_order.part.number,),
            work_centers=(work_order.operation.work_center.code,),
            role=self.role,
            area=self.area,
            versions=(self.execution.version_id,),  # instruction content pinned to this work order's version
        )

    def describe(self) -> str:
        if self.execution is None:
            return ""
        wo = self.execution.work_order
        text = f"work order {wo.number}, part {wo.part.number} {wo.part.name}, operation {wo.operation.sequence} {wo.operation.name}"
        if self.step is not None:
            text += f", step {self.step.order} '{self.step.title}'"
            if self.step.is_measured:
                text += f" (spec {spec_text(self.step)})"
        return text


def passages_for(hits: list[retrieval.Hit]) -> list[Passage]:
    chunks = KnowledgeChunk.objects.select_related("document").in_bulk([h.chunk_id for h in hits])
    passages = []
    for n, hit in enumerate(hits, start=1):
        chunk = chunks.get(hit.chunk_id)
        if chunk is None:
            continue  # removed since the vector store was written
        document = chunk.document
        if document.media:
            url = reverse("copilot-clip", args=[chunk.pk])
        else:
            url = reverse("copilot-source", args=[chunk.pk]) + f"#p-{chunk.pk}"
        passages.append(
            Passage(
                number=n, chunk_id=chunk.pk, title=document.title, location=chunk.location,
                text=chunk.text, doc_type=document.doc_type, url=url,
                document=document.path or document.source_key, source_url=document.url,
                start=chunk.start_seconds,
            )
        )  # fmt: skip
    return passages


def knowledge_search(*, question: str, search_filter: retrieval.SearchFilter, k: int = 5) -> list[Passage]:
    return passages_for(retrieval.search(question, search_filter, k=k))


def knowledge_answer(*, question: str, search_filter: retrieval.SearchFilter) -> Answer:
    """The extractive answer, for the CLI and as the fallback of the generative engine."""
    return extractive_answer(question, knowledge_search(question=question, search_filter=search_filter))


@dataclass
class Prepared:
    record: CopilotQuestion
    passages: list[Passage]
    extractive: Answer
    context: str
    spec_sources: list[str]
    execution: Execution | None = None


def safety_checked(answer: Answer, execution: Execution | None) -> Answer:
    """The answer, or a pointer to the step when it contradicts a safety-critical step of the instruction."""
    found = safety.contradiction(answer_text=answer.text, execution=execution)
    if found is None:
        return answer
    return Answer(
        text=safety.withheld_text(found), citations=[], engine=answer.engine, found=False,
        notice=f"Withheld: it contradicts safety-critical step {found.step_order}.", step_url=found.url,
    )  # fmt: skip


def question_prepare(*, context: QuestionContext, question: str) -> Prepared:
    """Validate and store the question, retrieve passages and compose the extractive answer."""
    question = " ".join(question.split())
    if not question:
        raise QuestionInvalid("Type a question first.")
    if len(question) > 500:
        raise QuestionInvalid("That question is too long: keep it under 500 characters.")
    # No indexing here: new versions and NCRs are indexed in the background (copilot.tasks).
    execution = context.execution
    work_order = execution.work_order if execution else None
    conversation, _ = Conversation.objects.get_or_create(work_order=work_order, employee=context.employee)
    record = CopilotQuestion.objects.create(
        conversation=conversation,
        work_order=work_order,
        version=execution.version if execution else None,
        step=context.step,
        step_key=context.step.key if context.step else "",
        operator=context.employee,
        question=question,
    )
    # The library is English: a question in the operator's language is searched in English; the operator
    # keeps seeing (and the record keeps) the question as asked.
    english = question_to_english(question, getattr(context.employee, "language", None))
    if english.how != "original":
        logger.info("copilot question %s searched as %r (%s)", record.pk, english.text, english.how)
    audit_record(
        actor=context.employee.user, action="copilot.question", obj=record,
        summary=f"Asked the copilot: {question[:200]}",
        data={"work_order": work_order.number if work_order else None,
              "step": context.step.order if context.step else None,
              "searched_as": english.text[:500], "translation": english.how},
    )  # fmt: skip
    passages = knowledge_search(question=english.text, search_filter=context.search_filter())
    spec_sources = []
    if context.step is not None:
        step = context.step
        spec_sources = [  # with the step's unit: the guard compares quantities, not bare numbers
            f"{v} {step.spec_unit}".strip()
            for v in (step.spec_nominal, step.spec_lower, step.spec_upper)
            if v is not None
        ]
        spec_sources.append(step.text)
    extractive = safety_checked(extractive_answer(english.text, passages), execution)
    return Prepared(record, passages, extractive, context.describe(), spec_sources, execution)


def question_finish(*, prepared: Prepared, answer: Answer) -> CopilotQuestion:
    record = prepared.record
    record.answer = answer.text
    record.citations = [
        {
            "number": p.number,
            "chunk_id": p.chunk_id,
            "title": p.title,
            "location": p.location,
            "url": p.url,
            "document": p.document,
        }  # fmt: skip
        for p in answer.citations
    ]
    record.unverified = answer.unverified
    record.engine = answer.engine
    record.notice = answer.notice[:300]
    record.answered_at = timezone.now()
    record.save(update_fields=["answer", "citations", "unverified", "engine", "notice", "answered_at"])
    # languages: translate (and cache) the answer here, off the event loop; message_context reads the cache.
    answer_translate(text=answer.text, language=record.operator.language)
    return record


UNCITED_NOTICE = "This answer cites no passage of the plant library: check it against the related passages."
FALLBACK_NOTICE = "The language model {reason}; this answer quotes the plant library directly."


async def question_answer_stream(
    *, prepared: Prepared, chunk_words: int = 4
) -> AsyncIterator[tuple[str, Any]]:
    """Yield ("token", text) while answering, then ("final", Answer). Never hangs: the generative engine is
    bounded by its watchdog and falls back to the extractive answer with a notice."""
    extractive = prepared.extractive
    if llm_configured() and prepared.passages:
        if not breaker.allow():
            yield "final", _with_notice(extractive, "is unavailable right now (too many recent failures)")
            return
        pieces: list[str] = []
        try:
            messages = llm_messages(prepared.record.question, prepared.passages, prepared.context)
            async for token in llm_stream(messages):
                pieces.append(token)
                yield "token", token
        except LLMUnavailable as error:
            breaker.failure()
            yield "final", _with_notice(extractive, _reason(str(error)))
            return
        breaker.success()
        text = "".join(pieces).strip()
        cited = [p for p in prepared.passages if f"[{p.number}]" in text]
        # An answer that cites nothing is shown as uncited: the passages it was given are "related", not
        # sources, and its values are checked against the step spec alone.
        unverified = numeric_guard(text, [p.text for p in cited] + prepared.spec_sources)
        final = Answer(text=text, citations=cited, engine="llm", unverified=unverified,
                       related=[] if cited else list(prepared.passages), notice="" if cited else UNCITED_NOTICE)  # fmt: skip
        # The safety check reads the instruction's steps: ORM work, off the event loop.
        yield "final", await sync_to_async(safety_checked, thread_sensitive=True)(final, prepared.execution)
        return
    words = extractive.text.split(" ")
    for start in range(0, len(words), chunk_words):
        yield "token", " ".join(words[start : start + chunk_words]) + " "
    yield "final", extractive


def _reason(error: str) -> str:
    return "did not answer in time" if "time" in error or "slow" in error else "failed"


def _with_notice(answer: Answer, reason: str) -> Answer:
    return Answer(
        text=answer.text, citations=answer.citations, engine="extractive", found=answer.found,
        notice=FALLBACK_NOTICE.format(reason=reason),
    )  # fmt: skip


aquestion_prepare = sync_to_async(question_prepare, thread_sensitive=True)
aquestion_finish = sync_to_async(question_finish, thread_sensitive=True)


def question_feedback(*, record: CopilotQuestion, employee: Any, helpful: bool) -> CopilotQuestion:
    if record.operator_id != employee.pk:
        raise QuestionInvalid("Only the person who asked can rate this answer.")
    record.helpful = helpful
    record.save(update_fields=["helpful"])
    audit_record(
        actor=employee.user, action="copilot.feedback", obj=record,
        summary=f"Marked a copilot answer {'helpful' if helpful else 'not helpful'}",
    )  # fmt: skip
    return record


def conversation_recent(*, employee: Any, work_order: Any | None, limit: int = 5) -> list[CopilotQuestion]:
    qs = CopilotQuestion.objects.filter(operator=employee, work_order=work_order).exclude(answered_at=None)
    return list(reversed(qs.order_by("-asked_at", "-id")[:limit]))


def message_context(*, record: CopilotQuestion, answer: Answer | None = None) -> dict[str, Any]:
    """What copilot/_message.html needs, from a fresh answer or from the stored record."""
    if answer is None:
        citations = [
            Passage(
                number=c["number"],
                chunk_id=c["chunk_id"],
                title=c["title"],
                location=c["location"],
                text="",
                doc_type="",
                url=c["url"],
                document=c.get("document", ""),
            )  # fmt: skip
            for c in record.citations
        ]
        answer = Answer(text=record.answer, citations=citations, engine=record.engine, notice=record.notice,
                        unverified=record.unverified)  # fmt: skip
    # languages: the answer in the operator's language, numbers/units/terms guarded, [n] citations kept.
    translated = answer_translate(text=answer.text, language=record.operator.language)
    return {
        "q": record,
        "answer": answer,
        "translated": translated,
        "segments": answer_segments(translated.text, answer.citations, answer.unverified),
    }


def question_context(
    *, user: Any, station_id: int | None, execution_id: int, order: int
) -> QuestionContext | None:
    """The context of a question asked from a station's step page; None when the session may not ask there."""
    from instructions.models import Station
    from plexcopilot.models import Employee
    from plexcopilot.roles import user_role

    if not getattr(user, "is_authenticated", False) or not station_id:
        return None
    employee = Employee.objects.filter(user_id=user.pk, active=True).first()
    station = Station.objects.select_related("work_center").filter(pk=station_id, active=True).first()
    execution = (
        Execution.objects.select_related("work_order__part", "work_order__operation__work_center", "version")
        .filter(pk=execution_id)
        .first()
    )
    if employee is None or station is None or execution is None:
        return None
    if execution.work_order.operation.work_center_id != station.work_center_id:
        return None  # another work center's work: not reachable from this station (instructions.scoping)
    step = execution.version.steps.filter(order=order).first()
    return QuestionContext(
        employee=employee,
        role=user_role(user),
        area=station.work_center.area or None,
        execution=execution,
        step=step,
    )
