"""Quality's action at the station: report a defect (with a photo) on the step being worked.

The step page and the station session are the instructions app's (`instructions.station_pages`); the sheet's
empty form comes from `quality.instruction_hooks.step_context`. Routed by `quality/station_urls.py` under the
station's own paths.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from instructions.station_pages import form_problems, station_execution, station_required, step_page
from plexcopilot.idempotency import idempotency_key
from quality.defects import DefectInvalid, defect_report_create
from quality.forms import DefectForm
from quality.photos import PhotoRejected


def _kept(request: HttpRequest, form: DefectForm) -> str:
    """Every refusal of the defect sheet says the same: what stays filled in, and that a photo must be chosen again
    (a browser never refills a file field)."""
    photo = bool(request.FILES.get("photo"))
    if "description" in form.errors:
        if photo:
            return gettext("The rest of what you entered was kept; choose the photo again.")
        return gettext("The rest of what you entered was kept.")
    if photo:
        return gettext("Your description was kept; choose the photo again.")
    return gettext("Your description was kept.")


@require_POST
@station_required
def station_defect(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = station_execution(request, pk)
    step = get_object_or_404(execution.version.steps, order=order)
    form = DefectForm(request.POST, request.FILES)
    if not form.is_valid():
        return step_page(request, execution, order, status=422, defect_form=form,
                         defect_error=f"{form_problems(form)} {_kept(request, form)}")  # fmt: skip
    try:
        defect_report_create(
            execution=execution,
            step=step,
            reporter=request.employee,  # type: ignore[attr-defined]
            station=request.station,  # type: ignore[attr-defined]
            description=form.cleaned_data["description"],
            category=form.cleaned_data["category"],
            quantity=form.cleaned_data["quantity"],
            photo=form.cleaned_data["photo"],
            idempotency_key=idempotency_key(request),
        )
    except (PhotoRejected, DefectInvalid) as error:
        return step_page(request, execution, order, status=422, defect_form=form,
                         defect_error=f"{error} {_kept(request, form)}")  # fmt: skip
    messages.success(request, gettext("Defect reported."))
    return step_page(
        request,
        execution,
        order,
        notice=gettext("Defect reported with its photo. Quality has been notified.")
        if form.cleaned_data["photo"]
        else gettext("Defect reported (no photo). Quality has been notified."),
    )
