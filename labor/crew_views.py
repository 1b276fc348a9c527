"""The supervisor's crew plan pages: the shift's jobs and the crew the solver drafted, edits held to the same hard
rules, and acceptance (labor.crew_plans does the work)."""

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from labor import crew_plans, selectors
from labor.errors import LaborError
from labor.forms import AssignForm
from labor.models import CrewPlan
from plexcopilot.roles import SUPERVISOR, role_required


def _shift_param(request: HttpRequest, params: Any = None) -> tuple[datetime.date, Any, str]:
    """The day and shift a crew page asks for, else the next shift, with a notice naming what was not understood
    (a supervisor who typed the address must not take the next shift's plan for the day they asked for)."""
    (_d, _s), (next_day, next_shift) = selectors.current_and_next_shift()
    params = request.GET if params is None else params
    raw_day = (params.get("day") or "").strip()
    raw_shift = (params.get("shift") or "").strip()
    notices, window = [], ""
    try:
        day = datetime.date.fromisoformat(raw_day) if raw_day else next_day
    except ValueError:
        day = next_day
        notices.append(gettext("“%(day)s” is not a date (year-month-day, e.g. %(example)s).")
                       % {"day": raw_day[:40], "example": f"{next_day:%Y-%m-%d}"})  # fmt: skip
    first, last = _crew_days()
    if not first <= day <= last:  # shown (an old plan may be looked up), never drafted
        window = gettext(
            "Crew plans are drafted for days from %(first)s to %(last)s; %(day)s can be viewed, not drafted."
        ) % {"first": f"{first:%Y-%m-%d}", "last": f"{last:%Y-%m-%d}", "day": f"{day:%Y-%m-%d}"}
    shift = (
        (selectors.shift_get(raw_shift) or selectors.shift_get(raw_shift.upper()))
        if raw_shift
        else next_shift
    )
    if shift is None:
        shift = next_shift
        notices.append(gettext("There is no shift “%(shift)s”.") % {"shift": raw_shift[:40]})
    if notices:
        notices.append(gettext("Showing the next shift instead."))
    return day, shift, " ".join([*notices, window]).strip()


@require_GET
@role_required(SUPERVISOR)
def crew(request: HttpRequest) -> HttpResponse:
    day, shift, notice = _shift_param(request)
    plan = selectors.crew_plan_for(day, shift)
    return render(request, "labor/crew.html", _crew_context(day, shift, plan, notice=notice))


def _crew_context(day: datetime.date, shift: Any, plan: CrewPlan | None, **extra: Any) -> dict[str, Any]:
    accepted = selectors.crew_plan_accepted(day, shift)
    return {"day": day, "shift": shift, "plan": plan, **selectors.crew_board(day, shift, plan),
            "accepted": accepted if accepted is not None and plan is not None and accepted.pk != plan.pk else None,
            **extra}  # fmt: skip


@require_POST
@role_required(SUPERVISOR)
def crew_draft(request: HttpRequest) -> HttpResponse:
    try:
        day, shift = _crew_draft_target(request)
        crew_plans.crew_plan_draft(day=day, shift=shift, user=request.user)
    except LaborError as error:  # shown on the day and shift asked for when they can be shown, else the next
        day, shift, _notice = _shift_param(request, request.POST)
        plan = selectors.crew_plan_for(day, shift)
        return render(
            request, "labor/crew.html", _crew_context(day, shift, plan, error=str(error)), status=422
        )
    return redirect(f"{reverse('labor-crew')}?day={day:%Y-%m-%d}&shift={shift.code}")


CREW_DAYS_BACK, CREW_DAYS_AHEAD = 7, 60  # crew plans are drafted from a week back to about two months ahead


def _crew_days() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today - datetime.timedelta(days=CREW_DAYS_BACK), today + datetime.timedelta(days=CREW_DAYS_AHEAD)


def _crew_draft_target(request: HttpRequest) -> tuple[datetime.date, Any]:
    """The day and shift a draft is for, as posted: a malformed day or an unknown shift is refused, never
    read as "the next shift"; nothing posted at all means the next shift."""
    (_d, _s), (next_day, next_shift) = selectors.current_and_next_shift()
    raw_day, raw_shift = request.POST.get("day", "").strip(), request.POST.get("shift", "").strip()
    try:
        day = datetime.date.fromisoformat(raw_day) if raw_day else next_day
    except ValueError:
        raise LaborError(
            gettext("“%(day)s” is not a date: give the day as year-month-day, e.g. %(example)s.")
            % {"day": raw_day[:40], "example": f"{next_day:%Y-%m-%d}"}
        ) from None
    first, last = _crew_days()
    if not first <= day <= last:
        raise LaborError(
            gettext("Crew plans are drafted for days from %(first)s to %(last)s; %(day)s is outside that.")
            % {"first": f"{first:%Y-%m-%d}", "last": f"{last:%Y-%m-%d}", "day": f"{day:%Y-%m-%d}"}
        )
    shift = selectors.shift_get(raw_shift) if raw_shift else next_shift
    if shift is None:
        raise LaborError(
            gettext("“%(shift)s” is not a shift: choose one of %(shifts)s.")
            % {"shift": raw_shift[:20], "shifts": ", ".join(s.code for s in selectors.shift_list())}
        )
    return day, shift


@require_POST
@role_required(SUPERVISOR)
def crew_assign(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(CrewPlan, pk=pk)
    shift = selectors.shift_get(plan.shift)
    form = AssignForm(request.POST)
    try:
        if not form.is_valid():
            raise LaborError("Choose an operator for the job.")
        job = get_object_or_404(selectors.plan_jobs(plan), pk=form.cleaned_data["job"])
        replace = form.cleaned_data.get("replace")
        said = crew_plans.crew_assignment_set(
            plan=plan, job=job, employee=form.cleaned_data["employee"], user=request.user,
            replace=plan.assignments.filter(pk=replace, job=job).first() if replace else None,
        )  # fmt: skip
    except LaborError as error:
        return render(
            request, "labor/crew.html", _crew_context(plan.day, shift, plan, error=str(error)), status=422
        )
    messages.success(request, said)
    return redirect(f"{reverse('labor-crew')}?day={plan.day:%Y-%m-%d}&shift={plan.shift}")


@require_POST
@role_required(SUPERVISOR)
def crew_accept(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(CrewPlan, pk=pk)
    try:
        crew_plans.crew_plan_accept(plan=plan, user=request.user)
    except LaborError as error:
        shift = selectors.shift_get(plan.shift)
        return render(
            request, "labor/crew.html", _crew_context(plan.day, shift, plan, error=str(error)), status=422
        )
    return redirect(f"{reverse('labor-crew')}?day={plan.day:%Y-%m-%d}&shift={plan.shift}")
