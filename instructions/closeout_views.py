"""Station screens around a run: close-out with quantities, the hand-off to a second operator, a new run."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from instructions import closeout, runs
from instructions.forms import CloseOutForm, ScanForm
from instructions.models import Execution, ExecutionStatus, ScrapReason, WorkOrder
from instructions.runs import StationError
from instructions.scoping import execution_for_station
from instructions.station_pages import open_work_orders, station_required, who_did


def _run(request: HttpRequest, pk: int) -> Execution:
    """The run, only for a station of its work order's work center (403 from any other)."""
    return execution_for_station(pk, request.station)  # type: ignore[attr-defined]


def closeout_context(execution: Execution, language: str, **extra: object) -> dict[str, object]:
    good, scrap = closeout.work_order_reported(work_order=execution.work_order)
    return {
        "execution": execution,
        "report": getattr(execution, "production", None),
        "who_did": who_did(execution, language),
        "handoffs": execution.handoffs.select_related("from_employee", "to_employee"),
        "reported_good": good,
        "reported_scrap": scrap,
        "remaining": max(execution.work_order.quantity - good, 0),
        "reasons": ScrapReason.choices,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@station_required
def station_closeout(request: HttpRequest, pk: int) -> HttpResponse:
    execution = _run(request, pk)
    if execution.status != ExecutionStatus.COMPLETE:
        return redirect("station-step", execution.pk, execution.current_order)
    form = CloseOutForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise StationError(gettext("Enter whole numbers of parts, 0 or more."))
            closeout.execution_close_out(
                execution=execution,
                employee=request.employee,  # type: ignore[attr-defined]
                station=request.station,  # type: ignore[attr-defined]
                good=form.cleaned_data["good"],
                scrap=form.cleaned_data["scrap"] or 0,
                scrap_reason=form.cleaned_data["scrap_reason"],
                over_confirmed=form.cleaned_data["confirm_good"] == form.cleaned_data["good"],
            )
        except StationError as error:
            confirm = {"confirm_good": error.good} if isinstance(error, closeout.OverOrdered) else {}
            if form.is_valid() and form.cleaned_data["confirm_good"] == form.cleaned_data["good"] is not None:
                confirm = confirm or {
                    "confirm_good": form.cleaned_data["good"]
                }  # confirmed, then another refusal
            language = request.employee.language  # type: ignore[attr-defined]
            context = closeout_context(execution, language, form=form, error=str(error), **confirm)
            return render(request, "station/closeout.html", context, status=422)
        execution.refresh_from_db()
        execution.work_order.refresh_from_db()
        return redirect("station-closeout", execution.pk)
    language = request.employee.language  # type: ignore[attr-defined]
    return render(request, "station/closeout.html", closeout_context(execution, language, form=form))


@require_POST
@station_required
def station_handoff(request: HttpRequest, pk: int) -> HttpResponse:
    execution = _run(request, pk)
    closeout.execution_hand_off(execution=execution, to_employee=request.employee, station=request.station)  # type: ignore[attr-defined]
    next_step = runs.execution_next_step(execution)  # the first step not done, not the step last looked at
    return redirect("station-step", execution.pk, next_step.order if next_step else execution.current_order)


@require_POST
@station_required
def station_new_run(request: HttpRequest, pk: int) -> HttpResponse:
    """An explicit new run of a work order whose last run is finished and closed out."""
    work_order = get_object_or_404(WorkOrder.objects.select_related("operation__work_center", "part"), pk=pk)
    try:
        runs.work_order_scan(raw=work_order.barcode, station=request.station)  # type: ignore[attr-defined]
        last = Execution.objects.filter(work_order=work_order).first()
        if last is not None and last.status == ExecutionStatus.COMPLETE and not hasattr(last, "production"):
            return redirect("station-closeout", last.pk)
        execution = runs.execution_start(work_order=work_order, employee=request.employee, new_run=True)  # type: ignore[attr-defined]
    except StationError as error:
        context = {"form": ScanForm(), "work_orders": open_work_orders(request.station), "error": str(error)}  # type: ignore[attr-defined]
        return render(request, "station/home.html", context, status=422)
    return redirect(reverse("station-step", args=[execution.pk, execution.current_order]))
