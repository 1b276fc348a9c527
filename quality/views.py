import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from instructions.models import Operation, Part
from plexcopilot.middleware import STATION_SESSION_KEY
from plexcopilot.roles import DEFECT_PHOTO_ROLES, QUALITY, role_required, user_has_role
from quality import alerts, ncrs, selectors, triage_drafts
from quality.forms import TRIAGE_VALUE_MAX, NcrImportForm, NcrUpdateForm, TriageDecisionForm, too_long_message
from quality.models import (
    NCR,
    DefectReport,
    DraftStatus,
    NCRStatus,
    QualityAlert,
    TriageField,
    TriageVerdict,
)
from quality.ncr_import import ncr_history_import
from quality.taxonomy import category_choices, root_cause_choices


@require_GET
@login_required
def defect_photo(request: HttpRequest, pk: int, size: str) -> FileResponse:
    """Defect photos are plant data, never in a public folder: served to desk roles and to the station that
    took them, to nobody else (another station's tablet gets a 403)."""
    report = get_object_or_404(DefectReport, pk=pk)
    if not user_has_role(request.user, *DEFECT_PHOTO_ROLES):
        station_id = request.session.get(STATION_SESSION_KEY)
        if not station_id or report.station_id != station_id:
            raise PermissionDenied(
                "Defect photos are for quality, supervisors and the station that took them."
            )
    field = report.thumbnail if size == "thumb" else report.photo
    if not field:
        raise Http404("No photo")
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@role_required(QUALITY)
def ncr_queue(request: HttpRequest) -> HttpResponse:
    context = {
        "ncrs": selectors.ncr_queue(),
        "alerts": selectors.alerts_open(),
        "spec_trends": selectors.out_of_spec_trends(),
        "defects_without_ncr": selectors.defects_without_ncr(),
        **selectors.threshold_settings(),
    }
    return render(request, "quality/queue.html", context)


def _ncr_page(
    request: HttpRequest,
    ncr: NCR,
    *,
    form: NcrUpdateForm | None = None,
    status: int = 200,
    edit: dict[str, str] | None = None,
) -> HttpResponse:
    draft = getattr(ncr, "triage", None)
    context = {
        "ncr": ncr,
        "draft": draft,
        "view": selectors.triage_view(draft) if draft and draft.status == DraftStatus.READY else None,
        "decisions": {d.field: d for d in draft.decisions.all()} if draft else {},
        "worker_slow": selectors.draft_waiting_on_worker(draft) if draft else False,
        "root_causes": root_cause_choices(),
        "categories": category_choices(),
        "lifecycle": NCRStatus.choices,
        "form": form or NcrUpdateForm(initial={f: getattr(ncr, f) for f in NcrUpdateForm.base_fields}),
        "edit": edit or {},  # a refused triage edit comes back in its box
    }
    polling = bool(getattr(request, "htmx", False)) and request.method == "GET"
    template = "quality/ncr_detail.html#triage" if polling else "quality/ncr_detail.html"
    return render(request, template, context, status=status)


def _ncr(pk: int) -> NCR:
    return get_object_or_404(
        NCR.objects.select_related("part", "operation", "work_order", "reported_by", "defect", "step"), pk=pk
    )


@require_GET
@role_required(QUALITY)
def ncr_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _ncr_page(request, _ncr(pk))


@require_POST
@role_required(QUALITY)
def ncr_decide(request: HttpRequest, pk: int) -> HttpResponse:
    ncr = _ncr(pk)
    form = TriageDecisionForm(request.POST)
    value = request.POST.get("value", "")
    if not form.is_valid():
        if set(form.errors) == {"value"} and len(value) > TRIAGE_VALUE_MAX:
            # Too long is the engineer's to fix, not "choose a field": say the limit, keep what was typed.
            field = form.cleaned_data["field"]
            messages.error(request, too_long_message(TriageField(field).label, len(value)))
            return _ncr_page(request, ncr, status=422, edit={"field": field, "value": value})
        messages.error(request, "Choose a field and accept, edit or reject.")
        return _ncr_page(request, ncr, status=422)
    try:
        ncrs.ncr_decide(ncr=ncr, user=request.user, **form.cleaned_data)
    except ncrs.NcrInvalid as error:
        messages.error(request, str(error))
        # A refused edit (an unknown root-cause code, a category not offered) comes back in its box as typed.
        edited = form.cleaned_data["verdict"] == TriageVerdict.EDITED
        edit = {"field": form.cleaned_data["field"], "value": value} if edited else None
        return _ncr_page(request, ncr, status=422, edit=edit)
    messages.success(
        request,
        f"{form.cleaned_data['field'].replace('_', ' ').capitalize()} {form.cleaned_data['verdict']}.",
    )
    return redirect("quality-ncr-detail", pk=ncr.pk)


@require_POST
@role_required(QUALITY)
def ncr_update(request: HttpRequest, pk: int) -> HttpResponse:
    ncr = _ncr(pk)
    # A field the post does not carry keeps its recorded value: a partial or malformed post never blanks
    # the category or the containment. What the engineer typed wins over the record.
    data = {name: getattr(ncr, name) for name in NcrUpdateForm.base_fields}
    data.update({name: request.POST[name] for name in NcrUpdateForm.base_fields if name in request.POST})
    form = NcrUpdateForm(data)
    if not form.is_valid():
        return _ncr_page(request, ncr, form=form, status=422)
    advance = "advance" in request.POST
    try:
        # Save and advance are one decision: a refused step saves nothing, so the engineer is never left
        # guessing which half happened; the form comes back with everything typed kept.
        with transaction.atomic():
            ncrs.ncr_update(ncr=ncr, user=request.user, **form.cleaned_data)
            if advance:
                ncrs.ncr_advance(ncr=ncr, user=request.user)
    except ncrs.NcrInvalid as error:
        if advance:
            messages.error(request, _("Nothing was saved. %(reason)s") % {"reason": error})
        else:
            messages.error(request, str(error))
        return _ncr_page(request, _ncr(pk), form=form, status=422)
    messages.success(request, f"{ncr.number} saved — {ncr.get_status_display()}.")
    return redirect("quality-ncr-detail", pk=ncr.pk)


@require_POST
@role_required(QUALITY)
def ncr_retriage(request: HttpRequest, pk: int) -> HttpResponse:
    ncr = _ncr(pk)
    triage_drafts.ncr_triage_request(ncr=ncr, actor=request.user)
    messages.success(request, "Triage queued again.")
    return redirect("quality-ncr-detail", pk=ncr.pk)


@require_POST
@role_required(QUALITY)
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(QualityAlert, pk=pk)
    alerts.alert_acknowledge(alert=alert, user=request.user)
    return redirect("quality-queue")


@require_POST
@role_required(QUALITY)
def ncr_open_missing(request: HttpRequest) -> HttpResponse:
    opened = ncrs.ncr_open_missing(actor=request.user)
    messages.success(request, f"Opened {len(opened)} NCRs; their triage drafts are queued.")
    return redirect("quality-queue")


@require_POST
@role_required(QUALITY)
def feedback_scan(request: HttpRequest) -> HttpResponse:
    raised = alerts.quality_scan()
    messages.success(request, f"Thresholds checked: {len(raised)} new alert(s).")
    return redirect("quality-queue")


@require_GET
@role_required(QUALITY)
def trends(request: HttpRequest) -> HttpResponse:
    part, operation, step = selectors.trend_filters(request.GET)
    trend = selectors.defect_trend(part=part, operation=operation, step_key=step.key if step else "")
    context = {
        "trend": trend,
        "part": part,
        "operation": operation,
        "step": step,
        "parts": Part.objects.all(),
        "operations": Operation.objects.filter(part=part) if part else [],
        "steps": selectors.trend_steps(operation) if operation else [],
        "spec_trends": selectors.out_of_spec_trends(),
    }
    return render(request, "quality/trends.html", context)


@require_http_methods(["GET", "POST"])
@role_required(QUALITY)
def ncr_import(request: HttpRequest) -> HttpResponse:
    form = NcrImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            text = form.cleaned_data["file"].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        else:
            report = ncr_history_import(
                lines=io.StringIO(text, newline=""),
                actor=request.user,
                create_codes=form.cleaned_data["create_codes"],
                dry_run=form.cleaned_data["dry_run"],
            )
    refused = report is not None and bool(report.errors or report.file_error)
    status = 422 if request.method == "POST" and (not form.is_valid() or refused) else 200
    return render(request, "quality/import.html", {"form": form, "report": report}, status=status)
