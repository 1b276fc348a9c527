from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from languages.models import ReviewStatus, TranslationReview
from languages.review import ReviewError, translation_review_approve, translation_review_reject
from plexcopilot.roles import SUPERVISOR, role_required

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


@require_GET
@role_required(SUPERVISOR)
def review_list(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("language", "")
    pending = TranslationReview.objects.filter(status=ReviewStatus.PENDING)
    if language in LANGUAGES:
        pending = pending.filter(language=language)
    # Newest first: the sentences of the version just published (what operators read now) before the backlog.
    page = Paginator(pending.order_by("language", "-id"), 25).get_page(request.GET.get("page"))
    context = {"page": page, "language": language, "languages": settings.LANGUAGES[1:]}
    return render(request, "languages/review.html", context)


def _item(
    request: HttpRequest, review: TranslationReview, *, status: int = 200, **extra: object
) -> HttpResponse:
    template = (
        "languages/review.html#review-item"
        if request.headers.get("HX-Request")
        else "languages/review_item_page.html"
    )
    return render(request, template, {"review": review, **extra}, status=status)


def _decided(request: HttpRequest, review: TranslationReview, notice: str) -> HttpResponse:
    """To htmx the decided item in place; otherwise back to the list of its language (a reload does not post the
    decision again), the outcome said at the top."""
    if request.headers.get("HX-Request"):
        return _item(request, review, notice=notice)
    messages.success(request, notice)
    return redirect(f"{reverse('languages-review')}?{urlencode({'language': review.language})}")


@require_POST
@role_required(SUPERVISOR)
def review_approve(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(TranslationReview, pk=pk)
    text = request.POST.get("final_text", "")
    try:
        translation_review_approve(
            review=review, final_text=text, user=request.user, password=request.POST.get("password", "")
        )
    except ReviewError as error:
        return _item(request, review, status=422, error=str(error), final_text=text)
    return _decided(request, review, "Approved and signed: stations now show this sentence unmarked.")


@require_POST
@role_required(SUPERVISOR)
def review_reject(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(TranslationReview, pk=pk)
    reason = request.POST.get("reason", "")
    try:
        translation_review_reject(review=review, reason=reason, user=request.user)
    except ReviewError as error:
        return _item(request, review, status=422, reject_error=str(error), reject_reason=reason)
    return _decided(request, review, "Rejected. The sentence stays marked until a translation is approved.")
