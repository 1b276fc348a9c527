"""Supervisor pages: variances, forecasts, timecard approval with likely misapplied codes, fair scores."""

import datetime
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from instructions.models import WorkOrder, WorkOrderStatus
from labor.models import PunchKind
from labor.selectors import punches_effective
from labor_analytics.costs import variance_acknowledge
from labor_analytics.misapplied import misapplied_learn, timecard_suspects
from labor_analytics.models import ForecastModelRun, JobCost, LaborSettings, TimecardApproval, VarianceAlert
from labor_analytics.scores import scores_compute, trend_svg
from labor_analytics.tasks import job_costs_refresh_pending, job_model_retrain_schedule
from labor_analytics.timecards import TimecardError, sharing_notes, timecard_approve
from plexcopilot.models import Employee
from plexcopilot.roles import SUPERVISOR, role_required

TIMECARD_DAYS = 7


@require_GET
@role_required(SUPERVISOR)
def variances(request: HttpRequest) -> HttpResponse:
    costs = JobCost.objects.select_related("work_order__operation__work_center", "work_order__part")
    open_jobs = costs.exclude(work_order__status=WorkOrderStatus.COMPLETE)
    recent_done = costs.filter(work_order__status=WorkOrderStatus.COMPLETE).order_by("-updated_at")[:25]
    context = {
        "alerts": VarianceAlert.objects.filter(acknowledged_at=None).select_related("work_order")[:30],
        "open_jobs": sorted(open_jobs, key=lambda c: -abs(c.total_variance)),
        "done_jobs": sorted(recent_done, key=lambda c: -abs(c.total_variance)),
        "plant": LaborSettings.current(),
        "costs_pending": job_costs_refresh_pending(),
    }
    return render(request, "labor_analytics/variances.html", context)


@require_POST
@role_required(SUPERVISOR)
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(VarianceAlert, pk=pk, acknowledged_at=None)
    variance_acknowledge(alert=alert, user=request.user)
    return redirect("labor-analytics-variances")


@require_GET
@role_required(SUPERVISOR)
def forecast(request: HttpRequest) -> HttpResponse:
    from labor_analytics.forecast_cache import forecast_figures  # scikit-learn loads on first use only

    figures = forecast_figures(now=timezone.now())
    context = {
        "forecasts": figures.forecasts,
        "overtime": figures.overtime,
        "computed_at": figures.computed_at,
        "run": ForecastModelRun.objects.order_by("-trained_at", "-id").first(),
        "queued": request.GET.get("queued"),
    }
    return render(request, "labor_analytics/forecast.html", context)


@require_POST
@role_required(SUPERVISOR)
def forecast_retrain(request: HttpRequest) -> HttpResponse:
    queued = job_model_retrain_schedule()
    return redirect(f"{request.path.rsplit('retrain/', 1)[0]}?queued={'yes' if queued else 'already'}")


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise Http404("No such day") from exc


@require_GET
@role_required(SUPERVISOR)
def timecards(request: HttpRequest) -> HttpResponse:
    """Unapproved timecards of the last days, the one most likely to hold a misapplied code first."""
    today = timezone.localdate()
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=TIMECARD_DAYS), datetime.time())
    )
    learned = misapplied_learn()
    approved = set(TimecardApproval.objects.filter(day__gte=since.date()).values_list("employee_id", "day"))
    cards = set()
    for employee_id, at in (
        punches_effective().filter(kind=PunchKind.JOB_ON, at__gte=since).values_list("employee_id", "at")
    ):
        day = timezone.localdate(at)
        if (employee_id, day) not in approved and day < today + datetime.timedelta(days=1):
            cards.add((employee_id, day))
    people = {e.pk: e for e in Employee.objects.filter(pk__in={c[0] for c in cards})}
    rows: list[dict[str, Any]] = []
    for employee_id, day in cards:
        suspects = timecard_suspects(employee_id=employee_id, day=day, learned=learned)
        if suspects:
            rows.append(
                {"employee": people[employee_id], "day": day, "top": suspects[0], "jobs": len(suspects)}
            )
    rows.sort(key=lambda r: (-r["top"].likelihood, r["day"], r["employee"].full_name))
    return render(request, "labor_analytics/timecards.html", {"rows": rows, "learned": learned})


@role_required(SUPERVISOR)
def timecard(request: HttpRequest, employee_id: int, day: str) -> HttpResponse:
    employee = get_object_or_404(Employee, pk=employee_id)
    the_day = _day(day)
    learned = misapplied_learn()
    suspects = timecard_suspects(employee_id=employee.pk, day=the_day, learned=learned)
    approval = TimecardApproval.objects.filter(employee=employee, day=the_day).first()
    error = ""
    if request.method == "POST" and approval is None:
        recodes = []
        for s in suspects:
            chosen = request.POST.get(f"recode-{s.punch.pk}", "")
            if chosen and chosen.isdigit() and int(chosen) != s.punch.work_order_id:
                recodes.append((s, get_object_or_404(WorkOrder, pk=int(chosen))))
        try:
            timecard_approve(employee=employee, day=the_day, user=request.user, recodes=recodes)
            return redirect("labor-analytics-timecard", employee_id=employee.pk, day=the_day.isoformat())
        except TimecardError as exc:
            error = str(exc)
    elif request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    ids = {s.punch.work_order_id for s in suspects} | {s.suggestion.pk for s in suspects if s.suggestion}
    choices = WorkOrder.objects.filter(Q(pk__in=ids) | ~Q(status=WorkOrderStatus.COMPLETE)).select_related(
        "part", "operation"
    )
    shared = sharing_notes(employee_id=employee.pk, day=the_day)
    for s in suspects:
        s.reasons = [*s.reasons, *shared.get((s.punch.work_order_id or 0, s.punch.at), [])]
    context = {"employee": employee, "day": the_day, "suspects": suspects, "approval": approval, "error": error,
               "choices": choices.order_by("number", "operation__sequence")}  # fmt: skip
    return render(request, "labor_analytics/timecard.html", context, status=422 if error else 200)


@require_GET
@role_required(SUPERVISOR)
def scores(request: HttpRequest) -> HttpResponse:
    plant = LaborSettings.current()
    computed = scores_compute(today=timezone.localdate())

    def rows(items: list) -> list[dict]:  # noqa: E306
        return [{"score": s, "total": s.total, "svg": mark_safe(trend_svg(s))} for s in items]  # noqa: S308 — built from numbers and names escaped below

    context = {"teams": rows(computed["teams"]), "people": rows(computed["people"]) if plant.individual_scores else [],
               "individual": plant.individual_scores}  # fmt: skip
    return render(request, "labor_analytics/scores.html", context)
