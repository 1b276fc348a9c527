"""The station's page building blocks, shared by every station view (here, in close-out, and in the apps that add
actions to the station, such as quality's defect report): the station session, the run for this station, the step
page with its hand-off and version-switch screens, and field-by-field form problems."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from instructions import readings, station_hooks
from instructions.adaptation import instruction_adapt
from instructions.closeout import execution_holder
from instructions.forms import FlagForm, MeasurementForm, OverrideForm
from instructions.models import Execution, ExecutionStatus, Station, WorkOrder, WorkOrderStatus
from instructions.scoping import execution_for_station
from instructions.version_switch import PendingSwitch, version_switch_pending
from plexcopilot.middleware import STATION_SESSION_KEY
from plexcopilot.models import Employee

View = Callable[..., HttpResponse]


def station_required(view: View) -> View:
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


def open_work_orders(station: Station) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.filter(
            operation__work_center=station.work_center,
            status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS],
        )
        .select_related("part", "operation")
        .order_by("due_date", "number")[:20]
    )


def station_execution(request: HttpRequest, pk: int) -> Execution:
    """The execution, only for a station of its work order's work center (403 from any other)."""
    return execution_for_station(pk, request.station)  # type: ignore[attr-defined]


def held_run(view: View) -> View:
    """A step view on run `pk` of this station: another operator's active run shows the hand-off screen instead.

    The view is called as view(request, execution, order).
    """

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, order: int) -> HttpResponse:
        execution = station_execution(request, pk)
        if (handoff := handoff_page(request, execution)) is not None:
            return handoff
        return view(request, execution, order)

    return wrapped


def handoff_page(request: HttpRequest, execution: Execution) -> HttpResponse | None:
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


def step_page(
    request: HttpRequest, execution: Execution, order: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The run at step `order`, adapted for the operator; `extra` adds messages, errors or a bound form."""
    pending = version_switch_pending(execution=execution)
    if pending is not None:  # a safety-critical change: stop here, at the step boundary
        return switch_page(request, execution, pending)
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
        **station_hooks.step_context(),  # the sheets other apps add (quality: the defect form)
        **extra,
    }
    template = "station/step.html#station-main" if request.headers.get("HX-Request") else "station/step.html"
    response = render(request, template, context, status=status)
    response["HX-Push-Url"] = reverse("station-step", args=[execution.pk, current.step.order])
    return response


def after_done(request: HttpRequest, execution: Execution, order: int) -> HttpResponse:
    """After a step is done: the next step, or the close-out when it was the last."""
    if execution.status == ExecutionStatus.COMPLETE:  # the last step: on to the close-out
        target = reverse("station-closeout", args=[execution.pk])
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
    return step_page(
        request, execution, execution.current_order, notice=gettext("Step %(order)s done.") % {"order": order}
    )


def switch_page(request: HttpRequest, execution: Execution, pending: PendingSwitch) -> HttpResponse:
    """A safety-critical release stops the run: the changed steps, in the operator's language, to acknowledge."""
    texts = station_hooks.steps_text(
        version=pending.target,
        steps=pending.changed,
        language=request.employee.language,  # type: ignore[attr-defined]
    )
    changed = [(s, texts.get(s.pk)) for s in pending.changed]
    context = {"execution": execution, "pending": pending, "changed": changed}
    response = render(
        request, "station/switch.html", context, status=409 if request.method == "POST" else 200
    )
    if request.headers.get("HX-Request"):
        response["HX-Retarget"] = "body"
        response["HX-Reswap"] = "innerHTML"
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
