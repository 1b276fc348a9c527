"""Step media: the files (scoped, with HTTP range requests for clips) and the engineer's page that proposes a step's
picture or clip — added, replaced or removed through a change proposal, signed like any text change."""

import re
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from instructions.media import MediaRejected, media_by_digest, media_ingest
from instructions.media_models import StepMedia
from instructions.models import WorkInstruction
from instructions.proposal_content import ProposalInvalid, version_steps
from instructions.proposals import proposal_draft, rationale_clean
from instructions.scoping import step_media_allowed
from plexcopilot.middleware import STATION_SESSION_KEY
from plexcopilot.roles import QUALITY, SUPERVISOR, role_required

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _chunks(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file(
    request: HttpRequest, handle: IO[bytes], *, size: int, content_type: str, etag: str
) -> HttpResponseBase:
    """The file, or the one byte range asked for (206), so clips seek and play on every tablet browser."""
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "")
    match = RANGE.match(header.strip()) if header else None
    if header and request.headers.get("If-Range", etag) == etag and match and any(match.groups()):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        if start > end or start >= size:
            handle.close()
            response: HttpResponseBase = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        status = 206
    length = end - start + 1
    response = StreamingHttpResponse(_chunks(handle, start, length), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400, immutable"  # named by content: never changes
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


@require_GET
def step_media_file(request: HttpRequest, digest: str, size: str = "full") -> HttpResponseBase:
    """A step's picture, thumbnail or clip, for desk roles and the stations that run an instruction showing it."""
    if not request.user.is_authenticated:
        raise PermissionDenied("Sign in to open step media.")
    media = get_object_or_404(StepMedia, digest=digest)
    if not step_media_allowed(
        user=request.user, station_id=request.session.get(STATION_SESSION_KEY), digest=digest
    ):
        raise PermissionDenied(
            "These media belong to another work center's instructions, or are not released yet."
        )
    field = media.thumbnail if size == "thumb" else media.file
    if not field:
        raise Http404("No thumbnail for a clip")
    content_type = "image/jpeg" if size == "thumb" else media.content_type
    handle = field.open("rb")
    return ranged_file(request, handle, size=field.size, content_type=content_type, etag=f'"{digest}-{size}"')


def _instruction(pk: int) -> WorkInstruction:
    return get_object_or_404(
        WorkInstruction.objects.select_related("part", "operation__work_center", "current_version"), pk=pk
    )


@require_http_methods(["GET", "POST"])
@role_required(SUPERVISOR, QUALITY)
def step_media_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Propose a picture or clip for one step of the version in effect, a new caption, or no media at all."""
    instruction = _instruction(pk)
    if instruction.current_version is None:
        raise Http404("This instruction has no version in effect.")
    step = next((s for s in version_steps(instruction.current_version) if s["key"] == key), None)
    if step is None:
        raise Http404("No such step.")
    current = media_by_digest([step.get("media") or ""]).get(step.get("media") or "")
    context: dict[str, Any] = {"instruction": instruction, "step": step, "media": current,
                               "caption": step.get("media_caption", ""), "rationale": "",
                               "image_limit": settings.STEP_IMAGE_MAX_BYTES // 2**20,
                               "video_limit": settings.STEP_VIDEO_MAX_BYTES // 2**20}  # fmt: skip
    if request.method == "GET":
        return render(request, "governance/step_media.html", context)
    caption = request.POST.get("caption", "").replace("\r\n", "\n").strip()
    rationale = request.POST.get("rationale", "").strip()
    upload = request.FILES.get("file")
    remove = request.POST.get("remove") == "on"
    context.update(caption=caption, rationale=rationale, remove=remove)
    try:
        rationale_clean(rationale)  # refused before a file is stored for a proposal that cannot be made
        if remove:
            fields = {"media": "", "media_caption": ""}
        elif upload is not None:
            stored = media_ingest(upload=upload, instruction=instruction, user=request.user)
            fields = {"media": stored.digest, "media_caption": caption}
        elif current is not None:
            fields = {"media_caption": caption}
        else:
            raise ProposalInvalid("Choose a picture or a clip to show on this step.")
        edits = [{"op": "change", "key": key, "fields": fields}]
        proposal = proposal_draft(
            instruction=instruction, base_version=instruction.current_version, source="engineer_edit",
            edits=edits, rationale=rationale, evidence=[], proposed_by=request.user,
        )  # fmt: skip
    except (MediaRejected, ProposalInvalid) as error:
        context["error"] = str(error)
        return render(request, "governance/step_media.html", context, status=422)
    messages.success(request, f"Proposal {proposal.pk} is in the approval queue; another person signs it.")
    return redirect("instructions-proposal-detail", proposal.pk)
