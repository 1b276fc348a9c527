"""Planner desk: the board, what-if triggers, scenarios with KPIs, signed release; the floor's dispatch list."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from instructions.models import Part, WorkCenter
from planning import selectors
from planning.gantt import gantt_svg
from planning.models import DowntimeKind, Plan, PlanJob, PlanStatus
from planning.release import plan_release, plan_without_operator, without_operator_message
from planning.triggers import hold_record
from planning.whatif import Trigger, kpi_rows, scenarios_generate
from plexcopilot.models import Employee
from plexcopilot.roles import PLANNER, SUPERVISOR, role_required
from plexcopilot.signatures import SignatureRefused

BOARD_ROLES = (PLANNER, SUPERVISOR)  # admins pass every role check
WHATIF_SECONDS = 3.0


class WhatIfForm(forms.Form):
    kind = forms.ChoiceField(choices=[("hold", "Work center on Hold"), ("down", "Work center down"),
                                      ("rush", "Rush order"), ("absence", "Operator absent")])  # fmt: skip
    work_center = forms.ModelChoiceField(queryset=WorkCenter.objects.order_by("code"), required=False)
    hours = forms.DecimalField(min_value=0.25, max_value=72, initial=4, required=False)
    part = forms.ModelChoiceField(queryset=Part.objects.order_by("number"), required=False)
    quantity = forms.IntegerField(min_value=1, max_value=100000, required=False)
    due_hours = forms.IntegerField(min_value=1, max_value=24 * 14, required=False, initial=24)
    employee = forms.ModelChoiceField(
        queryset=Employee.objects.filter(active=True).order_by("last_name", "first_name"), required=False
    )

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind in ("hold", "down") and not data.get("work_center"):
            self.add_error("work_center", "Choose the work center.")
        if kind == "rush" and not (data.get("part") and data.get("quantity")):
            self.add_error("part", "A rush order needs a part and a quantity.")
        if kind == "absence" and not data.get("employee"):
            self.add_error("employee", "Choose who is absent.")
        return data


class SignForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, required=False)
    badge = forms.CharField(required=False, max_length=64)
    pin = forms.CharField(widget=forms.PasswordInput, required=False, max_length=12)
    acknowledge_no_operator = forms.BooleanField(required=False)


def _board_context(now: datetime.datetime) -> dict:
    plan = selectors.plan_released()
    return {
        "plan": plan,
        "svg": gantt_svg(plan, now=now),
        "scenarios": list(selectors.scenarios_open()[:3]),
        "preparing": selectors.scenarios_preparing(now=now),
        "history": selectors.plan_history(),
        "work_centers": WorkCenter.objects.order_by("code"),
        "form": WhatIfForm(),
    }


@role_required(*BOARD_ROLES)
def board(request: HttpRequest) -> HttpResponse:
    return render(request, "planning/board.html", _board_context(timezone.now()))


@require_POST
@role_required(*BOARD_ROLES)
def whatif(request: HttpRequest) -> HttpResponse:
    form = WhatIfForm(request.POST)
    now = timezone.now()
    if not form.is_valid():
        context = _board_context(now) | {"form": form}
        return render(request, "planning/board.html", context, status=422)
    data = form.cleaned_data
    kind = data["kind"]
    if kind in ("hold", "down"):
        trigger = hold_record(work_center=data["work_center"], kind=DowntimeKind(kind), now=now,
                              hours=float(data["hours"] or 4), note=f"reported by {request.user.get_username()}")  # fmt: skip
    elif kind == "rush":
        number = f"RUSH-{now:%m%d%H%M%S}"
        due = now + datetime.timedelta(hours=data["due_hours"] or 24)
        PlanJob.objects.create(
            number=number, part=data["part"], quantity=data["quantity"], due=due, priority=3
        )
        trigger = Trigger(kind="rush", summary=f"Rush order {number}: {data['quantity']} × {data['part'].number} "
                          f"due {timezone.localtime(due):%a %H:%M}")  # fmt: skip
    else:
        employee = data["employee"]
        trigger = Trigger(
            kind="absence", summary=f"{employee.full_name} is absent today", absent_ids={employee.pk}
        )
    scenarios_generate(trigger, now=now, time_limit=WHATIF_SECONDS)
    return redirect("planning-board")


@role_required(*BOARD_ROLES)
def scenario(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=plan_id)
    return render(request, "planning/scenario.html", _scenario_context(plan, SignForm()))


def _scenario_context(plan: Plan, form: SignForm, error: str = "") -> dict:
    missing = plan_without_operator(plan)
    return {"plan": plan, "rows": kpi_rows(plan), "svg": gantt_svg(plan, now=timezone.now()), "form": form,
            "error": error, "open": plan.status == PlanStatus.DRAFT,
            "without_operator": without_operator_message(missing) if missing else ""}  # fmt: skip


@require_POST
@role_required(*BOARD_ROLES)
def scenario_sign(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=plan_id)
    form = SignForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        released = plan_release(plan=plan, user=request.user, password=data.get("password", ""),
                                badge=data.get("badge", ""), pin=data.get("pin", ""),
                                acknowledge_no_operator=data.get("acknowledge_no_operator", False))  # fmt: skip
    except SignatureRefused as error:
        return render(
            request, "planning/scenario.html", _scenario_context(plan, SignForm(), str(error)), status=422
        )
    messages.success(request, f"Schedule v{released.version} released: {released.label}.")
    return redirect("planning-board")


@login_required
def dispatch(request: HttpRequest, code: str) -> HttpResponse:
    """The floor's list: what runs next at a work center (any signed-in role)."""
    work_center = get_object_or_404(WorkCenter, code=code)
    slots = selectors.dispatch_list(work_center.pk, limit=20)
    return render(request, "planning/dispatch.html", {"work_center": work_center, "slots": slots,
                                                       "plan": selectors.plan_released()})  # fmt: skip
