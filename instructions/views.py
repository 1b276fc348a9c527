from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from instructions import readings, runs
from instructions.adaptation import instruction_adapt
from instructions.closeout import execution_holder
from instructions.forms import FlagForm, MeasurementForm, OverrideForm, ScanForm, SignInForm, SignoffForm
from instructions.models import Execution, ExecutionStatus, Station, WorkOrder, WorkOrderStatus
from instructions.runs import StationError
from instructions.scoping import execution_for_station
from instructions.signoff import step_signoff
from instructions.version_switch import PendingSwitch, execution_switch_version, version_switch_pending
from labor.auth import BadgeLocked
from labor.models import Employee
from languages.services import step_text, step_translations_for
from plexcopilot.idempotency import idempotency_key
from plexcopilot.middleware import LAST_SEEN_KEY, STATION_SESSION_KEY
from quality.forms import DefectForm
from quality.photos import PhotoRejected
from quality.services import DefectInvalid, defect_report_create


def station_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The request comes from a signed-in station session; sets request.station and request.employee."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        station_id = request.session.get(STATION_SESSION_KEY)
        employee = (
            Employee.objects.filter(user_id=request.user.pk).first()
            if request.user.is_authenticated
            else None
        )
        station = (
            Station.objects.select_related("work_center").filter(pk=station_id).first()
            if station_id
            else None
        )
        if station is None or employee is None:
            target = reverse("station-list")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return HttpResponseRedirect(target)
        request.station, request.employee = station, employee  # type: ignore[attr-defined]
        with translation.override(employee.language):  # the station speaks the operator's language
            request.LANGUAGE_CODE = employee.language  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

    wrapped.station_only = True  # type: ignore[attr-defined]  # read by plexcopilot.roles.may_open
    return wrapped


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
            login(request, user, backend="labor.auth.BadgePinBackend")
            request.session[STATION_SESSION_KEY] = station.pk
            request.session["station_code"] = station.code
            request.session[LAST_SEEN_KEY] = timezone.now().timestamp()
            return redirect("station-home")
        error = error or gettext("Badge or PIN not recognised. Check the PIN and try again.")
        form = SignInForm(initial={"badge": badge})
    idle = request.GET.get("idle") == "1"
    context = {"station": station, "form": form, "error": error, "idle": idle}
    return render(request, "station/signin.html", context, status=401 if error else 200)


@require_POST
def station_signout(request: HttpRequest) -> HttpResponse:
    code = request.session.get("station_code")
    logout(request)
    return redirect("station-signin", code) if code else redirect("station-list")


def open_work_orders(station: Station) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.filter(
            operation__work_center=station.work_center,
            status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS],
        )
        .select_related("part", "operation")
        .order_by("due_date", "number")[:20]
    )


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


def _handoff_page(request: HttpRequest, execution: Execution) -> HttpResponse | None:
    """Another operator holds this run: show who did what before this one takes it over."""
    if execution.status != ExecutionStatus.ACTIVE or execution_holder(execution) == request.employee.pk:  # type: ignore[attr-defined]
        return None
    holder = Employee.objects.get(pk=execution_holder(execution))
    completions = execution.completions.select_related("step", "completed_by").order_by("step__order")
    measurements = execution.measurements.select_related("step", "entered_by").order_by("-id")[:5]
    context = {
        "execution": execution,
        "holder": holder,
        "completions": completions,
        "measurements": measurements,
    }
    response = render(
        request, "station/handoff.html", context, status=409 if request.method == "POST" else 200
    )
    if request.headers.get("HX-Request"):
        response["HX-Retarget"] = "body"
        response["HX-Reswap"] = "innerHTML"
    return response


def _step_page(
    request: HttpRequest, execution: Execution, order: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    pending = version_switch_pending(execution=execution)
    if pending is not None:  # a safety-critical change: stop here, at the step boundary
        return _switch_page(request, execution, pending)
    adapted = instruction_adapt(execution=execution, employee=request.employee, station=request.station)  # type: ignore[attr-defined]
    current = adapted.step(order) or adapted.steps[0]
    context = {
        "adapted": adapted,
        "execution": execution,
        "current": current,
        "spec": readings.spec_text(current.step) if current.step.is_measured else "",
        "measurements": execution.measurements.filter(step=current.step).order_by("-id")[:5],
        "signoff": execution.signoffs.filter(step=current.step).select_related("signer").first()
        if current.step.needs_signoff
        else None,
        "total": len(adapted.steps),
        "measurement_form": MeasurementForm(),
        "flag_form": FlagForm(),
        "override_form": OverrideForm(),
        "defect_form": extra.pop("defect_form", None) or DefectForm(),
        **extra,
    }
    template = "station/step.html#station-main" if request.headers.get("HX-Request") else "station/step.html"
    response = render(request, template, context, status=status)
    response["HX-Push-Url"] = reverse("station-step", args=[execution.pk, current.step.order])
    return response


def form_problems(form: Any) -> str:
    """What exactly is wrong with a station form, field by field (too long: by how much)."""
    problems = []
    for name, field in form.fields.items():
        if name not in form.errors:
            continue
        label = (field.label or name.replace("_", " ")).capitalize()
        value = form.data.get(name, "")
        limit = getattr(field, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            problems.append(
                gettext(
                    "%(label)s is %(length)s characters long; %(limit)s at most. Shorten it and send again."
                )
                % {"label": label, "length": f"{len(value):,}", "limit": f"{limit:,}"}
            )
        elif not value:
            problems.append(gettext("%(label)s is needed.") % {"label": label})
        else:
            problems.append(f"{label}: {' '.join(map(str, form.errors[name]))}")
    return " ".join(problems)


def _execution(request: HttpRequest, pk: int) -> Execution:
    """The execution, only for a station of its work order's work center (403 from any other)."""
    return execution_for_station(pk, request.station)  # type: ignore[attr-defined]


def _switch_page(request: HttpRequest, execution: Execution, pending: PendingSwitch) -> HttpResponse:
    language = request.employee.language  # type: ignore[attr-defined]
    rows = (
        step_translations_for(version=pending.target, steps=pending.changed, language=language)
        if language != "en"
        else {}
    )
    changed = [
        (s, step_text(rows.get(s.pk), s, language) if language != "en" else None) for s in pending.changed
    ]
    context = {"execution": execution, "pending": pending, "changed": changed}
    response = render(
        request, "station/switch.html", context, status=409 if request.method == "POST" else 200
    )
    if request.headers.get("HX-Request"):
        response["HX-Retarget"] = "body"
        response["HX-Reswap"] = "innerHTML"
    return response


@require_POST
@station_required
def station_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """The operator acknowledged the changed steps: the run moves to the new version."""
    execution = _execution(request, pk)
    execution_switch_version(execution=execution, employee=request.employee, station=request.station)  # type: ignore[attr-defined]
    return redirect("station-step", execution.pk, execution.current_order)


@require_GET
@station_required
def station_step(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = _execution(request, pk)
    if (handoff := _handoff_page(request, execution)) is not None:
        return handoff
    runs.execution_touch(execution=execution, order=order)
    return _step_page(request, execution, order)


@require_POST
@station_required
def station_step_done(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = _execution(request, pk)
    if (handoff := _handoff_page(request, execution)) is not None:
        return handoff
    step = get_object_or_404(execution.version.steps, order=order)
    adapted = instruction_adapt(execution=execution, employee=request.employee, station=request.station)  # type: ignore[attr-defined]
    current = adapted.step(order)
    try:
        runs.step_complete(
            execution=execution,
            step=step,
            employee=request.employee,  # type: ignore[attr-defined]
            station=request.station,  # type: ignore[attr-defined]
            locked=bool(current and current.locked),
        )
    except StationError as error:
        return _step_page(request, execution, order, status=422, error=str(error))
    return _after_done(request, execution, order)


def _after_done(request: HttpRequest, execution: Execution, order: int) -> HttpResponse:
    if execution.status == ExecutionStatus.COMPLETE:  # the last step: on to the close-out
        target = reverse("station-closeout", args=[execution.pk])
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
    return _step_page(
        request, execution, execution.current_order, notice=gettext("Step %(order)s done.") % {"order": order}
    )


@require_POST
@station_required
def station_measure(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = _execution(request, pk)
    if (handoff := _handoff_page(request, execution)) is not None:
        return handoff
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
        return _step_page(request, execution, order, status=422, error=str(error),
                          entered_value=request.POST.get("value", "")[:40])  # fmt: skip
    if result.measurement.in_spec:
        return _step_page(request, execution, order, notice=result.message)
    return _step_page(request, execution, order, out_of_spec=result.message)


@require_POST
@station_required
def station_flag(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = _execution(request, pk)
    step = get_object_or_404(execution.version.steps, order=order)
    form = FlagForm(request.POST)
    if not form.is_valid():  # never cut an operator's words silently: say how long it may be
        return _step_page(request, execution, order, status=422, error=form_problems(form))
    comment = form.cleaned_data["comment"]
    runs.flag_create(execution=execution, step=step, employee=request.employee, comment=comment)  # type: ignore[attr-defined]
    return _step_page(
        request,
        execution,
        order,
        notice=gettext("Thanks — step flagged as unclear. Your supervisor will see it."),
    )


@require_POST
@station_required
def station_signoff(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = _execution(request, pk)
    if (handoff := _handoff_page(request, execution)) is not None:
        return handoff
    step = get_object_or_404(execution.version.steps, order=order)
    adapted = instruction_adapt(execution=execution, employee=request.employee, station=request.station)  # type: ignore[attr-defined]
    current = adapted.step(order)
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
            locked=bool(current and current.locked),
        )
    except StationError as error:
        return _step_page(request, execution, order, status=422, signoff_error=str(error))
    return _after_done(request, execution, order)


@require_POST
@station_required
def station_override(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = _execution(request, pk)
    form = OverrideForm(request.POST)
    try:
        if not form.is_valid():
            raise StationError(gettext("The supervisor's badge, PIN and a reason are all needed."))
        runs.certification_override(
            execution=execution,
            operator=request.employee,  # type: ignore[attr-defined]
            supervisor_badge=form.cleaned_data["supervisor_badge"],
            supervisor_pin=form.cleaned_data["supervisor_pin"],
            reason=form.cleaned_data["reason"],
        )
    except StationError as error:
        return _step_page(request, execution, order, status=422, override_error=str(error))
    return _step_page(
        request, execution, order, notice=gettext("Supervisor override recorded. You may continue.")
    )


@require_POST
@station_required
def station_defect(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    execution = _execution(request, pk)
    step = get_object_or_404(execution.version.steps, order=order)
    form = DefectForm(request.POST, request.FILES)
    if not form.is_valid():
        return _step_page(request, execution, order, status=422, defect_form=form,
                          defect_error=form_problems(form))  # fmt: skip
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
        return _step_page(request, execution, order, status=422, defect_form=form,
                          defect_error=f"{error} " + gettext("Your description was kept; choose the photo again."))  # fmt: skip
    messages.success(request, gettext("Defect reported."))
    return _step_page(
        request,
        execution,
        order,
        notice=gettext("Defect reported with its photo. Quality has been notified.")
        if form.cleaned_data["photo"]
        else gettext("Defect reported (no photo). Quality has been notified."),
    )


@require_GET
@login_required
def work_order_travelers(request: HttpRequest) -> HttpResponse:
    """A printable sheet of work order barcodes (travelers) for the open work."""
    work_orders = WorkOrder.objects.exclude(status=WorkOrderStatus.COMPLETE).select_related(
        "part", "operation__work_center"
    )
    return render(request, "instructions/travelers.html", {"work_orders": work_orders})


@require_GET
@login_required
def work_order_barcode(request: HttpRequest, barcode: str) -> HttpResponse:
    work_order = get_object_or_404(WorkOrder, barcode=barcode)
    svg = runs.barcode_svg(work_order.barcode)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=86400"
    return response
