"""Web uploads to the library: stored under the data dir, ingested as pending, made citable by a second person.

Uploads are versioned by file name. Uploading a file whose name an earlier upload has makes a *new version* of
that document (revision n + 1), pending like any upload; the version already approved stays citable until the new
one is approved, and is then kept as superseded history. Nothing is replaced in place.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from copilot.ingest import Source, documents_ingest, index_touch
from copilot.library import SUPPORTED, UnreadableDocument, parse_file
from copilot.library_files import source_key_for
from copilot.models import DocType, DocumentStatus, IndexStatus, KnowledgeDocument
from plexcopilot.services import audit_record


class ApprovalRefused(ValueError):
    pass


class UploadUnchanged(UnreadableDocument):
    """The upload is byte-for-byte the latest version of that name, with the same settings: nothing new."""


def upload_name_for(name: str) -> str:
    return Path(name).name.replace(" ", "-")[:120] or "upload.txt"


def stored_path(upload_name: str, revision: int) -> Path:
    """Where a version's file is kept: version 1 at the top of the upload folder, later ones beneath it."""
    folder = Path(settings.COPILOT_UPLOAD_DIR)
    return folder / upload_name if revision == 1 else folder / "versions" / str(revision) / upload_name


def _same_upload(latest: KnowledgeDocument, data: bytes, meta: dict[str, str]) -> bool:
    path = stored_path(latest.upload_name, latest.revision)
    try:
        if path.read_bytes() != data:
            return False
    except OSError:
        return False
    fields = {
        "type": latest.doc_type,
        "part": latest.part_number,
        "work_center": latest.work_center_code,
        "area": latest.area,
        "roles": latest.roles,
    }
    return all(not value or fields.get(key, value) == value for key, value in meta.items())


def document_review(*, document: KnowledgeDocument, actor: Any, approve: bool) -> KnowledgeDocument:
    """A second person (quality engineer or admin, not the uploader) makes an uploaded document citable, or
    rejects it. Until then retrieval never returns it. Approving a new version of an upload supersedes the
    version approved before it (kept, no longer cited)."""
    if document.status != DocumentStatus.PENDING:
        raise ApprovalRefused("This document is not waiting for approval.")
    if document.index_status == IndexStatus.QUEUED:
        raise ApprovalRefused("This document is still being indexed: review it once it has been read.")
    if document.index_status == IndexStatus.FAILED:
        raise ApprovalRefused(f"This document could not be indexed: {document.index_error}")
    if document.uploaded_by_id is not None and document.uploaded_by_id == getattr(actor, "pk", None):
        raise ApprovalRefused("A second person must approve it: you uploaded this document.")
    with transaction.atomic():
        superseded: list[KnowledgeDocument] = []
        if approve and document.upload_name:
            family = (
                KnowledgeDocument.objects.select_for_update(no_key=True)
                .filter(upload_name=document.upload_name)
                .exclude(pk=document.pk)
            )
            newer = (
                family.filter(revision__gt=document.revision)
                .filter(status__in=[DocumentStatus.APPROVED, DocumentStatus.SUPERSEDED])
                .order_by("-revision")
                .first()
            )
            if newer is not None:
                raise ApprovalRefused(
                    f"Version {newer.revision} of {document.upload_name} is already approved: "
                    f"version {document.revision} cannot replace it."
                )
            superseded = list(family.filter(status=DocumentStatus.APPROVED, revision__lt=document.revision))
            KnowledgeDocument.objects.filter(pk__in=[d.pk for d in superseded]).update(
                status=DocumentStatus.SUPERSEDED, updated_at=timezone.now()
            )
        document.status = DocumentStatus.APPROVED if approve else DocumentStatus.REJECTED
        document.approved_by = actor
        document.approved_at = timezone.now()
        document.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        label = f"{document.title} (version {document.revision})" if document.upload_name else document.title
        audit_record(
            actor=actor, action="copilot.document.approve" if approve else "copilot.document.reject",
            obj=document, summary=f"{'Approved' if approve else 'Rejected'} {label} for the copilot"
            + (f", superseding version {', '.join(str(d.revision) for d in superseded)}" if superseded else ""),
            data={"source": document.source_key, "uploaded_by": document.uploaded_by_id,
                  "revision": document.revision, "superseded": [d.pk for d in superseded]},
        )  # fmt: skip
        index_touch()
    return document


def _quick_check(upload_name: str, data: bytes) -> None:
    """What can be refused at once, without reading the whole file (that is the worker's job)."""
    if Path(upload_name).suffix.lower() not in SUPPORTED:
        raise UnreadableDocument(f"{upload_name}: use Markdown, text, HTML or PDF.")
    if SUPPORTED[Path(upload_name).suffix.lower()] == "pdf":
        if not data.lstrip()[:5] == b"%PDF-":
            raise UnreadableDocument(f"{upload_name}: not a PDF file.")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableDocument(f"{upload_name}: not UTF-8 text.") from error
    if not text.strip():
        raise UnreadableDocument(f"{upload_name}: no text found in this file.")


def upload_receive(*, name: str, data: bytes, actor: Any, meta: dict[str, str]) -> KnowledgeDocument:
    """A quality engineer's or admin's upload: kept under the data dir as a new version of its file name and
    queued for the background worker, which reads and indexes it (upload_index). Pending a second person's
    approval in any case; shown as "Indexing…" until the worker is done."""
    from copilot.tasks import library_upload_task

    upload_name = upload_name_for(name)
    _quick_check(upload_name, data)
    doc_type = meta.get("type", "")
    with transaction.atomic():
        # The family's rows are locked: two uploads of one name at once get versions n + 1 and n + 2.
        latest = (
            KnowledgeDocument.objects.select_for_update(no_key=True)
            .filter(upload_name=upload_name)
            .order_by("-revision")
            .first()
        )
        if latest is not None and _same_upload(latest, data, meta):
            raise UploadUnchanged(
                f"{upload_name}: identical to version {latest.revision} "
                f"({latest.get_status_display().lower()}); no new version made."
            )
        revision = latest.revision + 1 if latest is not None else 1
        path = stored_path(upload_name, revision)
        document = KnowledgeDocument.objects.create(
            source_key=source_key_for(path), upload_name=upload_name, revision=revision,
            title=Path(upload_name).stem.replace("-", " ").replace("_", " ").strip().capitalize()[:300],
            status=DocumentStatus.PENDING, index_status=IndexStatus.QUEUED, path=upload_name, content_hash="",
            text="", doc_type=doc_type if doc_type in DocType.values else DocType.OTHER,
            part_number=meta.get("part", "")[:40], work_center_code=meta.get("work_center", "")[:32],
            area=meta.get("area", "")[:60], roles=meta.get("roles", "")[:100],
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )  # fmt: skip
        audit_record(
            actor=actor, action="copilot.document.upload", obj=document,
            summary=f"Uploaded {upload_name} as version {revision}"
            + (f" (version {latest.revision} stays as it is until this one is approved)" if latest else ""),
            data={"upload_name": upload_name, "revision": revision, "previous": latest.pk if latest else None},
        )  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        # The queue is a table in this database: the task exists exactly when the document does.
        library_upload_task.enqueue(document.pk, {k: v for k, v in meta.items() if v})
    return document


def upload_index(*, document_id: int, meta: dict[str, str]) -> KnowledgeDocument | None:
    """The worker's part of an upload: read the stored file, quarantine, embed and index it (still pending), or
    record why it could not be read. Safe to run again: a document already indexed is left alone."""
    document = KnowledgeDocument.objects.filter(pk=document_id).first()
    if document is None or document.index_status != IndexStatus.QUEUED:
        return document
    path = stored_path(document.upload_name, document.revision)
    try:
        parsed = parse_file(path)
    except (UnreadableDocument, OSError) as error:
        message = str(error) if isinstance(error, UnreadableDocument) else f"the file is gone ({error})."
        if not message.startswith(document.upload_name):
            message = f"{document.upload_name}: {message}"
        KnowledgeDocument.objects.filter(pk=document.pk).update(
            index_status=IndexStatus.FAILED, index_error=message[:500], updated_at=timezone.now()
        )
        audit_record(
            actor=document.uploaded_by, action="copilot.document.index_failed", obj=document,
            summary=f"Could not index {document.upload_name} version {document.revision}: {message[:200]}",
        )  # fmt: skip
        document.refresh_from_db()
        return document
    for key, value in meta.items():
        if value:
            parsed.meta[key] = value
    # Citable only after a second person approves it (document_review): an upload may be poisoned.
    source = Source(document.source_key, parsed, path=document.upload_name, status=DocumentStatus.PENDING)
    documents_ingest(sources=[source], actor=document.uploaded_by)
    KnowledgeDocument.objects.filter(pk=document.pk).update(index_status=IndexStatus.READY, index_error="")
    document.refresh_from_db()
    return document
