"""The station's views: sign-in, the work order scan, and the actions on a step (done, reading, unclear,
sign-off, supervisor override, version switch). The page building blocks are in `instructions.station_pages`;
close-out and hand-off in `instructions.closeout_views`; quality's defect report in `quality.station_views`."""

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from instructions import readings, runs
from instructions.forms import FlagForm, OverrideForm, ScanForm, SignInForm, SignoffForm
from instructions.models import Execution, ExecutionStatus, Station
from instructions.runs import StationError
from instructions.signoff import step_signoff
from instructions.station_pages import (
    after_done,
    flag_page,
    form_problems,
    held_run,
    open_work_orders,
    station_execution,
    station_required,
    step_page,
)
from instructions.version_switch import execution_switch_version
from plexcopilot.middleware import LAST_SEEN_KEY, STATION_LANGUAGE_COOKIE, STATION_SESSION_KEY
from plexcopilot.signatures import BadgeLocked


@require_GET
def station_list(request: HttpRequest) -> HttpResponse:
    stations = Station.objects.filter(active=True).select_related("work_center")
    return render(request, "station/list.html", {"stations": stations})


@require_http_methods(["GET", "POST"])
def station_signin(request: HttpRequest, code: str) -> HttpResponse:
    station = get_object_or_404(Station.objects.select_related("work_center"), code=code, active=True)
    form = SignInForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        badge = form.cleaned_data["badge"].strip()
        try:
            user = authenticate(request, badge_id=badge, pin=form.cleaned_data["pin"])
        except BadgeLocked:
            user, error = None, gettext("Too many wrong PINs for this badge. Wait a minute, then try again.")
        if user is not None:
            logout(request)
            login(request, user, backend="plexcopilot.auth.BadgePinBackend")
            request.session[STATION_SESSION_KEY] = station.pk
            request.session["station_code"] = station.code
            request.session[LAST_SEEN_KEY] = timezone.now().timestamp()
            response = redirect("station-home")
            response.set_cookie(STATION_LANGUAGE_COOKIE, user.employee.language, max_age=settings.SESSION_COOKIE_AGE,
                                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)  # fmt: skip
            return response
        error = error or gettext("Badge or PIN not recognised. Check the PIN and try again.")
        form = SignInForm(initial={"badge": badge})
    elif request.method == "POST":
        # Empty, too long, a NUL byte: a badge and PIN no one holds, said so (it was the page back without a
        # word); the bound form keeps the badge as scanned.
        error = gettext("Badge or PIN not recognised. Check the PIN and try again.")
    idle = request.GET.get("idle") == "1"
    context = {"station": station, "form": form, "error": error, "idle": idle}
    return render(request, "station/signin.html", context, status=401 if error else 200)


@require_POST
def station_signout(request: HttpRequest) -> HttpResponse:
    code = request.session.get("station_code")
    logout(request)
    response = redirect("station-signin", code) if code else redirect("station-list")
    response.delete_cookie(STATION_LANGUAGE_COOKIE, samesite="Lax")
    return response


@require_GET
@station_required
def station_home(request: HttpRequest) -> HttpResponse:
    context = {"form": ScanForm(), "work_orders": open_work_orders(request.station)}  # type: ignore[attr-defined]
    return render(request, "station/home.html", context)


@require_POST
@station_required
def station_scan(request: HttpRequest) -> HttpResponse:
    form = ScanForm(request.POST)
    raw = request.POST.get("code", "")
    try:
        if not form.is_valid():
            raise StationError(
                gettext(
                    "That scan could not be read (unexpected characters or length). "
                    "Scan the barcode again, or type the work order number."
                )
            )
        work_order = runs.work_order_scan(raw=raw, station=request.station)  # type: ignore[attr-defined]
        execution = runs.execution_start(work_order=work_order, employee=request.employee)  # type: ignore[attr-defined]
    except StationError as error:
        context = {"form": ScanForm(), "work_orders": open_work_orders(request.station), "error": str(error),  # type: ignore[attr-defined]
                   "scanned": raw[:80]}  # fmt: skip
        return render(request, "station/home.html", context, status=422)
    if execution.status == ExecutionStatus.COMPLETE:  # a finished run shows its close-out, never step 1 again
        return redirect("station-closeout", execution.pk)
    return redirect("station-step", execution.pk, execution.current_order)


@require_POST
@station_required
def station_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """The operator acknowledged the changed steps: the run moves to the new version."""
    execution = station_execution(request, pk)
    execution_switch_version(execution=execution, employee=request.employee, station=request.station)  # type: ignore[attr-defined]
    return redirect("station-step", execution.pk, execution.current_order)


@require_GET
@station_required
@held_run
def station_step(request: HttpRequest, execution: Execution, order: int) -> HttpResponse:
    runs.execution_touch(execution=execution, order=order)
    return step_page(request, execution, order)


@require_POST
@station_required
@held_run
def station_step_done(request: HttpRequest, execution: Execution, order: int) -> HttpResponse:
    step = get_object_or_404(execution.version.steps, order=order)
    try:
        runs.step_complete(
            execution=execution,
            step=step,
            employee=request.employee,  # type: ignore[attr-defined]
            station=request.station,  # type: ignore[attr-defined]
        )
    except StationError as error:
        return step_page(request, execution, order, status=422, error=str(error))
    return after_done(request, execution, order)


@require_POST
@station_required
@held_run
def station_measure(request: HttpRequest, execution: Execution, order: int) -> HttpResponse:
    step = get_object_or_404(execution.version.steps, order=order)
    try:
        result = readings.measurement_record(
            execution=execution,
            step=step,
            raw=request.POST.get("value", ""),
            employee=request.employee,  # type: ignore[attr-defined]
            station=request.station,  # type: ignore[attr-defined]
        )
    except StationError as error:
        return step_page(request, execution, order, status=422, error=str(error),
                         entered_value=request.POST.get("value", "")[:40])  # fmt: skip
    if result.measurement.in_spec:
        return step_page(request, execution, order, notice=result.message)
    return step_page(request, execution, order, out_of_spec=result.message)


@require_POST
@station_required
def station_flag(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = station_execution(request, pk)
    step = get_object_or_404(execution.version.steps, order=order)
    form = FlagForm(request.POST)
    if not form.is_valid():  # never cut an operator's words silently: say how long it may be
        return flag_page(
            request, execution, order, status=422, flag_form=form, flag_error=form_problems(form)
        )
    comment = form.cleaned_data["comment"]
    runs.flag_create(execution=execution, step=step, employee=request.employee, comment=comment)  # type: ignore[attr-defined]
    return flag_page(
        request,
        execution,
        order,
        notice=gettext("Thanks — step flagged as unclear. Your supervisor will see it."),
    )


@require_POST
@station_required
@held_run
def station_signoff(request: HttpRequest, execution: Execution, order: int) -> HttpResponse:
    step = get_object_or_404(execution.version.steps, order=order)
    form = SignoffForm(request.POST)
    try:
        if not form.is_valid():
            raise StationError(gettext("The second person's badge and PIN are both needed."))
        step_signoff(
            execution=execution,
            step=step,
            operator=request.employee,  # type: ignore[attr-defined]
            station=request.station,  # type: ignore[attr-defined]
            badge=form.cleaned_data["badge"],
            pin=form.cleaned_data["pin"],
        )
    except StationError as error:
        return step_page(request, execution, order, status=422, signoff_error=str(error))
    return after_done(request, execution, order)


@require_POST
@station_required
def station_override(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = station_execution(request, pk)
    form = OverrideForm(request.POST)
    try:
        if form.has_error("reason", "max_length"):  # said with its length; the reason is kept below
            raise StationError(form_problems(form))
        if not form.is_valid():
            raise StationError(gettext("The supervisor's badge, PIN and a reason are all needed."))
        runs.certification_override(
            execution=execution,
            operator=request.employee,  # type: ignore[attr-defined]
            supervisor_badge=form.cleaned_data["supervisor_badge"],
            supervisor_pin=form.cleaned_data["supervisor_pin"],
            reason=form.cleaned_data["reason"],
        )
    except StationError as error:  # the reason comes back as typed (never the PIN)
        return step_page(request, execution, order, status=422, override_error=str(error), override_form=form)
    return step_page(
        request, execution, order, notice=gettext("Supervisor override recorded. You may continue.")
    )
