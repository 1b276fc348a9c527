"""Step media intake: pictures are re-encoded without metadata (plexcopilot.images), clips are accepted as WebM or
MP4 by their content (never by name or declared type), both within size limits, stored once by their SHA-256.

A stored file reaches the floor only when a signed proposal publishes a step that names its digest
(`Step.media`); until then it is visible to desk roles only (instructions.scoping.step_media_allowed).
"""

import hashlib
import struct
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from instructions.media_models import MediaKind, StepMedia
from instructions.models import WorkInstruction
from plexcopilot.images import ImageRejected, image_clean
from plexcopilot.services import audit_record

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"mmp4",
}
NOT_MEDIA = "That file is neither a picture nor a video clip we can show. Use a JPEG, PNG or WebP picture, or a WebM or MP4 clip."


class MediaRejected(Exception):
    """The upload cannot become step media; the message says why and what to send instead."""


def _mb(value: int) -> int:
    return value // (1024 * 1024)


def video_type(stream: IO[bytes], size: int) -> str | None:
    """ "video/webm" or "video/mp4" when the bytes are one, else None. Reads headers only."""
    stream.seek(0)
    head = stream.read(64)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML header: the DocType element (0x4282) must say webm (Matroska files in general may not play).
        return "video/webm" if b"\x42\x82\x84webm" in head else None
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "video/mp4" if _mp4_boxes_ok(stream, size) else None
    return None


def _mp4_boxes_ok(stream: IO[bytes], size: int) -> bool:
    """Top-level ISO boxes tile the file exactly and include the movie header and the media data."""
    seen, offset = set(), 0
    while offset < size:
        stream.seek(offset)
        header = stream.read(16)
        if len(header) < 8:
            return False
        length, kind = struct.unpack(">I4s", header[:8])
        if length == 1 and len(header) == 16:
            length = struct.unpack(">Q", header[8:16])[0]
        elif length == 0:
            length = size - offset
        if length < 8 or offset + length > size:
            return False
        seen.add(kind)
        offset += length
    return {b"ftyp", b"moov", b"mdat"} <= seen


def _looks_like_image(stream: IO[bytes]) -> bool:
    stream.seek(0)
    head = stream.read(16)
    return head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def media_clean(upload: UploadedFile) -> tuple[str, str, bytes | None, bytes | None, tuple[int, int] | None]:
    """(kind, content type, bytes to store or None = the upload as is, thumbnail, size); raises MediaRejected."""
    size = upload.size or 0
    if size == 0:
        raise MediaRejected(gettext("The file is empty. Choose the picture or clip again."))
    largest = max(settings.STEP_VIDEO_MAX_BYTES, settings.STEP_IMAGE_MAX_BYTES)
    if size > largest:
        raise MediaRejected(
            gettext("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": _mb(size), "limit": _mb(largest)}
        )
    content_type = video_type(upload, size)
    if content_type is not None:
        if size > settings.STEP_VIDEO_MAX_BYTES:
            raise MediaRejected(
                gettext(
                    "The clip is too large (%(size)s MB). The limit is %(limit)s MB: shorten or compress it."
                )
                % {"size": _mb(size), "limit": _mb(settings.STEP_VIDEO_MAX_BYTES)}
            )
        return MediaKind.VIDEO, content_type, None, None, None
    if not _looks_like_image(upload):
        raise MediaRejected(gettext(NOT_MEDIA))
    try:
        clean = image_clean(
            upload,
            max_bytes=settings.STEP_IMAGE_MAX_BYTES,
            max_pixels=settings.PHOTO_MAX_PIXELS,
            max_edge=settings.STEP_IMAGE_MAX_EDGE,
            thumb_edge=settings.PHOTO_THUMB_EDGE,
        )
    except ImageRejected as error:
        raise MediaRejected(str(error)) from None
    return MediaKind.IMAGE, "image/jpeg", clean.image, clean.thumbnail, (clean.width, clean.height)


def _digest(data: bytes | None, upload: UploadedFile) -> str:
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def media_ingest(*, upload: UploadedFile, instruction: WorkInstruction | None, user: Any) -> StepMedia:
    """Check and store an upload as step media (the same bytes twice are stored once); audited."""
    kind, content_type, data, thumbnail, dimensions = media_clean(upload)
    digest = _digest(data, upload)
    existing = StepMedia.objects.filter(digest=digest).first()
    if existing is not None:
        return existing
    extension = {"image/jpeg": "jpg", "video/webm": "webm", "video/mp4": "mp4"}[content_type]
    media = StepMedia(
        digest=digest,
        kind=kind,
        content_type=content_type,
        size=len(data) if data is not None else upload.size or 0,
        width=dimensions[0] if dimensions else None,
        height=dimensions[1] if dimensions else None,
        original_name=(upload.name or "")[:200],
        instruction=instruction,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if data is not None:
        media.file.save(f"{digest}.{extension}", ContentFile(data), save=False)
    else:
        upload.seek(0)
        media.file.save(f"{digest}.{extension}", upload, save=False)
    if thumbnail is not None:
        media.thumbnail.save(f"{digest}-thumb.jpg", ContentFile(thumbnail), save=False)
    try:
        with transaction.atomic():
            media.save()
            audit_record(
                actor=media.uploaded_by,
                action="media.upload",
                obj=media,
                summary=f"Step media uploaded for {instruction.title if instruction else 'no instruction'}: "
                f"{media.get_kind_display().lower()} {upload.name or ''} ({media.size:,} bytes)"[:300],
                data={"digest": digest, "kind": kind, "content_type": content_type, "size": media.size},
            )
    except IntegrityError:  # the same file, uploaded at the same moment by someone else
        return StepMedia.objects.get(digest=digest)
    return media


def media_by_digest(digests: list[str]) -> dict[str, StepMedia]:
    wanted = [d for d in digests if d]
    return {m.digest: m for m in StepMedia.objects.filter(digest__in=wanted)} if wanted else {}


def media_reference_check(value: str) -> str:
    """A step's media field names stored media (or nothing); the message is for the proposer."""
    value = (value or "").strip()
    if value and not StepMedia.objects.filter(digest=value).exists():
        raise MediaRejected(f"Media {value[:16]}… is not stored here; upload the file again.")
    return value
