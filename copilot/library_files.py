"""The library on disk: files and folders (documents, maintenance-log CSVs, video clips with transcripts) ingested
recursively, with files gone from an ingested folder dropped from the index."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from copilot import sources
from copilot.ingest import INGEST_BATCH, Source, document_remove, documents_ingest
from copilot.library import SUPPORTED, UnreadableDocument, parse_file
from copilot.models import (
    KnowledgeDocument,
)


def source_key_for(path: Path) -> str:
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
    key = source_key_for(path)
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
            seen.add(source_key_for(path))
            continue
        if path.suffix.lower() == ".csv":
            logs.append(source_key_for(path))
        seen.update([source_key_for(path), *(s.key for s in group)])
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
        prefix = source_key_for(folder).rstrip("/") + "/"
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
