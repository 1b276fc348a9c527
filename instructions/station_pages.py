"""The station's page building blocks, shared by every station view (here, in close-out, and in the apps that add
actions to the station, such as quality's defect report): the station session, the run for this station, the step
page with its hand-off and version-switch screens, and field-by-field form problems."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from instructions import readings, station_hooks
from instructions.adaptation import instruction_adapt
from instructions.closeout import execution_holder
from instructions.forms import FlagForm, MeasurementForm, OverrideForm
from instructions.models import (
    Execution,
    ExecutionStatus,
    Station,
    WorkOrder,
    WorkOrderStatus,
)
from instructions.runs import execution_completions, execution_next_step
from instructions.scoping import execution_for_station
from instructions.selectors import work_orders_startable
from instructions.version_switch import PendingSwitch, version_switch_pending
from plexcopilot.middleware import STATION_SESSION_KEY
from plexcopilot.models import Employee

View = Callable[..., HttpResponse]


def station_session(request: HttpRequest) -> tuple[Station, Employee] | None:
    """The station and the operator of a signed-in station session; None for a desk session or nobody."""
    station_id = request.session.get(STATION_SESSION_KEY)
    if not station_id or not request.user.is_authenticated:
        return None
    employee = Employee.objects.filter(user_id=request.user.pk).first()
    station = Station.objects.select_related("work_center").filter(pk=station_id).first()
    if station is None or employee is None:
        return None
    return station, employee


def station_step_return(request: HttpRequest) -> str | None:
    """The step page a station page was opened from (its `back` parameter, else the Referer), as a path.

    Only a step page of this site: anything else (another host, a desk page, a crafted path) is None, so a "Back"
    link built from it never leaves the station."""
    for candidate in (request.GET.get("back", ""), request.headers.get("Referer", "")):
        if not candidate or not url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            continue
        path = urlsplit(candidate).path
        try:
            if resolve(path).url_name == "station-step":
                return path
        except Resolver404:
            continue
    return None


#: the session key of what a station action said before it came back to the step page (shown there once)
STEP_RETURN_MESSAGE = "station_step_return_message"


def station_step_return_say(request: HttpRequest, *, text: str, error: bool = False) -> None:
    """What a station action that comes back to the step page (`station_step_return`) has to say there: the next
    step page shows it once in its message line, as the action's own page would have said it."""
    request.session[STEP_RETURN_MESSAGE] = {"text": text, "error": error}


def _carried_message(request: HttpRequest) -> dict[str, str]:
    carried = request.session.pop(STEP_RETURN_MESSAGE, None)
    if not isinstance(carried, dict) or not carried.get("text"):
        return {}
    return {"return_error" if carried.get("error") else "notice": str(carried["text"])}


def station_required(view: View) -> View:
    """The request comes from a signed-in station session; sets request.station and request.employee."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session = station_session(request)
        if session is None:
            target = reverse("station-list")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                response["X-Session-Ended"] = "1"  # drafts.js keeps what the form held for after sign-in
                return response
            return HttpResponseRedirect(target)
        station, employee = session
        request.station, request.employee = station, employee  # type: ignore[attr-defined]
        with translation.override(employee.language):  # the station speaks the operator's language
            request.LANGUAGE_CODE = employee.language  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

    wrapped.station_only = True  # type: ignore[attr-defined]  # read by plexcopilot.roles.may_open
    return wrapped


def open_work_orders(station: Station) -> list[WorkOrder]:
    """The open work at the station's work center, each marked `startable`: a released instruction for its part and
    operation, or a run already on it. The others are listed as waiting for one (a tap only said so after it)."""
    return list(
        work_orders_startable(
            WorkOrder.objects.filter(
                operation__work_center=station.work_center,
                status__in=[WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS],
            )
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


def who_did(execution: Execution, language: str) -> list[tuple[Any, str, Any]]:
    """Each step done on the run (once, also after a version switch), titled as the operator's step pages title it,
    with who did it and the second person who signed it off if the step needed one: the hand-off and close-out."""
    completions = list(execution_completions(execution))
    texts = station_hooks.steps_text(
        version=execution.version, steps=[c.step for c in completions], language=language
    )
    signoffs = {s.step.key: s for s in execution.signoffs.select_related("signer", "step")}
    return [
        (c, getattr(texts.get(c.step_id), "title", "") or c.step.title, signoffs.get(c.step.key))
        for c in completions
    ]


def handoff_page(request: HttpRequest, execution: Execution) -> HttpResponse | None:
    """Another operator holds this run: show who did what before this one takes it over."""
    if execution.status != ExecutionStatus.ACTIVE or execution_holder(execution) == request.employee.pk:  # type: ignore[attr-defined]
        return None
    holder = Employee.objects.get(pk=execution_holder(execution))
    measurements = execution.measurements.select_related("step", "entered_by").order_by("-id")[:5]
    next_step = execution_next_step(execution)  # where the run really is: the first step not done
    context = {
        "execution": execution,
        "next_order": next_step.order if next_step is not None else execution.current_order,
        "holder": holder,
        "completions": who_did(execution, request.employee.language),  # type: ignore[attr-defined]
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
        # what other apps have to say to this operator here (labor: not clocked in); they never block the run
        "station_notices": station_hooks.station_notices(
            employee=request.employee,  # type: ignore[attr-defined]
            station=request.station,  # type: ignore[attr-defined]
            work_order=execution.work_order,
        ),
        **_carried_message(request),
        **extra,
    }
    template = "station/step.html#station-main" if request.headers.get("HX-Request") else "station/step.html"
    response = render(request, template, context, status=status)
    response["HX-Push-Url"] = reverse("station-step", args=[execution.pk, current.step.order])
    return response


def flag_page(
    request: HttpRequest, execution: Execution, order: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The answer to a flag: to htmx only the unclear sheet and the message line, so the reading and the copilot
    question the operator typed but has not sent yet stay on screen; without htmx, the whole step page."""
    if not request.headers.get("HX-Request"):
        return step_page(request, execution, order, status=status, **extra)
    step = execution.version.steps.get(order=order)
    context = {"execution": execution, "current": {"step": step}, "flag_form": FlagForm(), **extra}
    return render(request, "station/_flag_result.html", context, status=status)


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
    """What exactly is wrong with a station form, field by field, in plain words (too long: by how much)."""
    problems = []
    errors = form.errors.as_data()
    for name, field in form.fields.items():
        if name not in errors:
            continue
        label = (field.label or name.replace("_", " ")).capitalize()
        value = form.data.get(name, "")
        if isinstance(value, str):  # counted as the field counts it: trimmed, a line break once
            value = value.replace("\r\n", "\n").strip()
        limit = getattr(field, "max_length", None)
        codes = {error.code for error in errors[name]}
        if limit and isinstance(value, str) and len(value) > limit:
            problems.append(
                gettext(
                    "%(label)s is %(length)s characters long; %(limit)s at most. Shorten it and send again."
                )
                % {"label": label, "length": f"{len(value):,}", "limit": f"{limit:,}"}
            )
        elif "required" in codes or not str(value).strip():  # empty, or only spaces
            # A field that says how to fill it in (the defect category) says so; others are named.
            own = field.error_messages.get("required")
            generic = own is forms.Field.default_error_messages["required"]
            problems.append(gettext("%(label)s is needed.") % {"label": label} if generic else str(own))
        elif "min_value" in codes:
            problems.append(
                gettext("%(label)s must be at least %(min)s.") % {"label": label, "min": field.min_value}
            )
        elif "max_value" in codes:
            problems.append(
                gettext("%(label)s must be at most %(max)s.") % {"label": label, "max": field.max_value}
            )
        elif "invalid" in codes and isinstance(field, forms.IntegerField):
            problems.append(gettext("%(label)s must be a whole number.") % {"label": label})
        elif "invalid_choice" in codes:
            problems.append(gettext("%(label)s: choose one from the list.") % {"label": label})
        else:
            problems.append(f"{label}: {' '.join(map(str, form.errors[name]))}")
    return " ".join(problems)
