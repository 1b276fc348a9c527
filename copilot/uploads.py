"""Web uploads to the library: stored under the data dir, ingested as pending, made citable by a second person."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from copilot.ingest import document_ingest, index_touch
from copilot.library import SUPPORTED, UnreadableDocument, parse_file
from copilot.library_files import source_key_for
from copilot.models import (
    DocumentStatus,
    KnowledgeDocument,
)
from plexcopilot.services import audit_record


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
        source_key=source_key_for(path), parsed=parsed, actor=actor, status=DocumentStatus.PENDING
    )
    return document
