import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from copilot import conversation, ingest, questions, uploads
from copilot.forms import FeedbackForm, UploadForm
from copilot.library import UnreadableDocument
from copilot.models import CopilotQuestion, DocumentStatus, IndexStatus, KnowledgeChunk, KnowledgeDocument
from instructions.models import Station
from instructions.station_pages import station_session, station_step_return
from plexcopilot.middleware import STATION_SESSION_KEY
from plexcopilot.roles import ADMIN, QUALITY, role_required, user_has_role, user_role

logger = logging.getLogger(__name__)


def _station_area(request: HttpRequest) -> str | None:
    station_id = request.session.get(STATION_SESSION_KEY)
    if not station_id:
        return None
    return Station.objects.filter(pk=station_id).values_list("work_center__area", flat=True).first()


@require_GET
@login_required
def source_detail(request: HttpRequest, chunk_id: int) -> HttpResponse:
    """A cited document, opened at the cited passage (or the instruction step and version)."""
    chunk = get_object_or_404(
        KnowledgeChunk.objects.select_related("document__version__instruction"), pk=chunk_id
    )
    document = chunk.document
    role = user_role(request.user)
    manages_library = user_has_role(request.user, QUALITY)  # the library's keepers read every document
    if not manages_library and not document.visible_to(role=role, area=_station_area(request)):
        raise Http404("No such document.")
    # Superseded versions stay readable: answers given while they were current still link to them.
    if document.status not in (DocumentStatus.APPROVED, DocumentStatus.SUPERSEDED) and role not in (
        ADMIN,
        QUALITY,
    ):
        raise Http404("No such document.")
    current = None
    if document.status == DocumentStatus.SUPERSEDED and document.upload_name:
        current = (
            KnowledgeDocument.objects.filter(upload_name=document.upload_name, status=DocumentStatus.APPROVED)
            .order_by("-revision")
            .first()
        )
    context: dict[str, object] = {
        "document": document,
        "current": current,
        "current_chunk": current.chunks.first() if current else None,
        "cited": chunk,
        "chunks": document.chunks.all(),
    }
    return viewer_render(request, "copilot/source.html", context)


def viewer_render(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    """A cited source (document or clip) in the viewer's layout: the desk's, or, opened from a station screen,
    the station's (its sign-out, its Andon button, the operator's language) with a way back to the step."""
    at_station = station_session(request)
    if at_station is None:
        return render(request, template, {**context, "layout": "base.html"})
    request.station, request.employee = at_station  # type: ignore[attr-defined]
    with translation.override(at_station[1].language):
        context = {**context, "layout": "station/base.html", "back": station_step_return(request)}
        return render(request, template, context)


@require_POST
@login_required
def ask(request: HttpRequest, execution_id: int, order: int) -> HttpResponse:
    """Without websockets (no JavaScript): the extractive answer on a page of its own."""
    context = questions.question_context(
        user=request.user,
        station_id=request.session.get(STATION_SESSION_KEY),
        execution_id=execution_id,
        order=order,
    )
    if context is None:
        return redirect("station-list")
    page = {"execution_id": execution_id, "order": order}
    at_station = station_session(request)
    if (
        at_station is not None
    ):  # the station's bar (its sign-out, its Andon button), in the operator's language
        request.station, request.employee = at_station  # type: ignore[attr-defined]
    with translation.override(at_station[1].language if at_station else translation.get_language()):
        question = request.POST.get("question", "")
        try:
            prepared = questions.question_prepare(context=context, question=question)
        except questions.QuestionInvalid as error:
            # The question comes back in a box, to shorten and ask again.
            refused = {**page, "error": str(error), "kept_question": question}
            return render(request, "copilot/ask.html", refused, status=422)
        except questions.QuestionFailed:
            # Stored as failed (its record says so); the operator is told to try again, never shown a 500.
            logger.exception("copilot question failed before answering (no-JavaScript page)")
            retry = translation.gettext(questions.FAILED_NOTICE)
            return render(request, "copilot/ask.html", {**page, "error": retry}, status=503)
        record = questions.question_finish(prepared=prepared, answer=prepared.extractive)
        return render(
            request,
            "copilot/ask.html",
            {**page, **conversation.message_context(record=record, answer=prepared.extractive)},
        )


@require_POST
@login_required
def question_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(CopilotQuestion, pk=pk)
    employee = getattr(request.user, "employee", None)
    if employee is None or record.operator_id != employee.pk:
        raise PermissionDenied("Only the operator who asked rates the answer.")
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose helpful or not helpful.", status=422)
    try:
        conversation.question_feedback(record=record, employee=employee, helpful=form.cleaned_data["helpful"])
    except questions.QuestionInvalid as error:
        return HttpResponse(str(error), status=403)
    with translation.override(employee.language):  # the station panel speaks the operator's language
        return render(request, "copilot/_message.html#copilot-feedback", {"q": record})


def _library_documents() -> list[KnowledgeDocument]:
    """The library's documents, each upload with the history of its file name (every version, newest first)."""
    documents = list(
        KnowledgeDocument.objects.exclude(doc_type="instruction")
        .select_related("uploaded_by", "approved_by")
        .order_by("doc_type", "title", "-revision")
    )
    families: dict[str, list[KnowledgeDocument]] = {}
    for document in documents:
        if document.upload_name:
            families.setdefault(document.upload_name, []).append(document)
    for document in documents:
        history = families.get(document.upload_name, [])
        document.history = sorted(history, key=lambda d: -d.revision) if len(history) > 1 else []
    return documents


@require_GET
@role_required(ADMIN, QUALITY)
def library(request: HttpRequest) -> HttpResponse:
    added = request.GET.get("added", "")
    documents = _library_documents()
    context = {
        "documents": documents,
        "indexing": any(d.index_status == IndexStatus.QUEUED for d in documents),
        "form": UploadForm(),
        "added": KnowledgeDocument.objects.filter(pk=int(added)).first() if added.isdigit() else None,
    }
    return render(request, "copilot/library.html", context)


@require_POST
@role_required(ADMIN, QUALITY)
def library_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        upload = form.cleaned_data["file"]
        meta = {
            "type": form.cleaned_data["doc_type"],
            "part": form.cleaned_data["part"].strip(),
            "work_center": form.cleaned_data["work_center"].strip(),
            "area": form.cleaned_data["area"].strip(),
            "roles": ",".join(form.cleaned_data["roles"]),
        }
        try:
            document = uploads.upload_receive(
                name=upload.name, data=upload.read(), actor=request.user, meta=meta
            )
        except UnreadableDocument as exc:
            error = str(exc)
        else:
            return redirect(f"{request.path.rsplit('/upload/', 1)[0]}/?added={document.pk}")
    else:
        error = "Choose a Markdown, text, HTML or PDF file (10 MB at most)."
    return render(
        request,
        "copilot/library.html",
        {"documents": _library_documents(), "form": form, "error": error},
        status=422,
    )


@require_POST
@role_required(ADMIN, QUALITY)
def library_remove(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(KnowledgeDocument.objects.exclude(doc_type="instruction"), pk=pk)
    ingest.document_remove(document=document, actor=request.user)
    return redirect("copilot-library")


@require_POST
@role_required(ADMIN, QUALITY)
def library_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (or reject) an uploaded document: a second person, not the uploader."""
    document = get_object_or_404(KnowledgeDocument.objects.exclude(doc_type="instruction"), pk=pk)
    try:
        uploads.document_review(
            document=document, actor=request.user, approve=request.POST.get("decision") != "reject"
        )
    except uploads.ApprovalRefused as error:
        return HttpResponse(str(error), status=403)
    return redirect("copilot-library")
