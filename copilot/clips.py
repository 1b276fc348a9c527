"""Video clips on the tablet: the clip opened at the cited moment, captions in the operator's language."""

import mimetypes
import re
from pathlib import Path
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from copilot.models import DocumentStatus, KnowledgeChunk, KnowledgeDocument
from copilot.sources import clock, parse_transcript
from plexcopilot.roles import ADMIN, QUALITY, user_role


def _visible(request: HttpRequest, document: KnowledgeDocument) -> None:
    from copilot.views import _station_area

    role = user_role(request.user)
    if not document.media or not document.visible_to(role=role, area=_station_area(request)):
        raise Http404("No such clip.")
    if document.status != DocumentStatus.APPROVED and role not in (ADMIN, QUALITY):
        raise Http404("No such clip.")


def _media_file(document: KnowledgeDocument) -> Path:
    path = Path(document.media)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def media_url(document: KnowledgeDocument) -> str:
    if document.media.startswith(("http://", "https://")):
        return document.media
    return reverse("copilot-clip-media", args=[document.pk])


def _language(request: HttpRequest) -> str:
    employee = getattr(request.user, "employee", None)
    return getattr(employee, "language", "") or "en"


@require_GET
@login_required
def clip_detail(request: HttpRequest, chunk_id: int) -> HttpResponse:
    """The clip, started at the cited passage's moment (`#t=` media fragment), with its transcript."""
    chunk = get_object_or_404(KnowledgeChunk.objects.select_related("document"), pk=chunk_id)
    document = chunk.document
    _visible(request, document)
    language = _language(request)
    tracks = document.tracks or {}
    own = next(iter(tracks), "en")
    caption = language if language in tracks else own
    translated = ""
    if caption != own:
        # The cited passage in the operator's language: the translated cues from its start to the next passage.
        chunks = list(document.chunks.order_by("ordinal"))
        following = [
            cast(float, c.start_seconds)
            for c in chunks
            if (c.start_seconds or 0) > (chunk.start_seconds or 0)
        ]
        end = min(following) if following else float("inf")
        cues = parse_transcript(tracks[caption]).cues
        translated = " ".join(c.text for c in cues if (chunk.start_seconds or 0) - 0.01 <= c.start < end)
    start = chunk.start_seconds or 0
    context = {
        "document": document,
        "cited": chunk,
        "chunks": document.chunks.all(),
        "src": f"{media_url(document)}#t={start:.1f}",
        "start": start,
        "clock": clock(start),
        "tracks": [
            {
                "language": lang,
                "url": reverse("copilot-clip-track", args=[document.pk, lang]),
                "default": lang == caption,
            }
            for lang in tracks
        ],
        "translated": translated,
        "caption_language": caption,
    }
    from copilot.views import viewer_render

    return viewer_render(request, "copilot/clip.html", context)


@require_GET
@login_required
def clip_track(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    document = get_object_or_404(KnowledgeDocument, pk=pk)
    _visible(request, document)
    text = (document.tracks or {}).get(language)
    if text is None:
        raise Http404("No transcript in that language.")
    return HttpResponse(text, content_type="text/vtt; charset=utf-8")


RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@require_GET
@login_required
def clip_media(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The clip file, with byte ranges so the tablet can seek to the cited moment without loading it all."""
    document = get_object_or_404(KnowledgeDocument, pk=pk)
    _visible(request, document)
    path = _media_file(document)
    if not path.is_file():
        raise Http404("The clip file is missing.")
    size = path.stat().st_size
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    match = RANGE.fullmatch(request.headers.get("Range", "").strip())
    if not match or (not match.group(1) and not match.group(2)):
        response: HttpResponseBase = FileResponse(path.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    if match.group(1):
        first = int(match.group(1))
        last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    else:
        first, last = max(size - int(match.group(2)), 0), size - 1
    if first >= size or first > last:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response

    def chunks(handle_path: Path = path, start: int = first, length: int = last - first + 1):  # type: ignore[no-untyped-def]
        with handle_path.open("rb") as handle:
            handle.seek(start)
            remaining = length
            while remaining > 0:
                block = handle.read(min(65536, remaining))
                if not block:
                    break
                remaining -= len(block)
                yield block

    response = StreamingHttpResponse(chunks(), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    return response
