"""Planner desk: the board, what-if triggers, scenarios with KPIs, signed release; the floor's dispatch list."""

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from instructions.models import Part, WorkCenter
from planning import selectors
from planning.gantt import gantt_svg
from planning.models import DowntimeKind, Plan, PlanJob, PlanStatus
from planning.problem import HORIZON
from planning.release import (
    person_name,
    plan_closed_message,
    plan_release,
    plan_without_operator,
    plex_integration_on,
    without_operator_message,
    writeback_said,
)
from planning.triggers import hold_trigger
from planning.whatif import Trigger, kpi_rows, scenarios_generate
from plexcopilot.models import Employee
from plexcopilot.roles import OPERATOR, PLANNER, SUPERVISOR, role_required
from plexcopilot.signatures import SignatureRefused

BOARD_ROLES = (PLANNER, SUPERVISOR)  # admins pass every role check
HOLD_HOURS = 4  # a what-if Hold/Down without hours (the form's initial value)
WHATIF_SECONDS = 3.0
HOLD_MAX_HOURS = int(
    HORIZON.total_seconds() // 3600
)  # a what-if's Hold/Down: up to the planning horizon (192 h)


class OperatorChoiceField(forms.ModelChoiceField):
    """Active operators only; anyone else posted is named and refused (not "Select a valid choice")."""

    def to_python(self, value: object) -> Employee | None:
        try:
            return super().to_python(value)
        except ValidationError:
            raw = str(value)
            other = Employee.objects.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() else None
            if other is not None and other.role != OPERATOR:
                raise ValidationError(
                    _("%(name)s is not an operator (%(role)s): choose an operator who works on the floor."),
                    code="not_operator",
                    params={"name": other.full_name, "role": other.get_role_display()},
                ) from None
            raise


class WhatIfForm(forms.Form):
    kind = forms.ChoiceField(choices=[("hold", "Work center on Hold"), ("down", "Work center down"),
                                      ("shortage", "Material short"), ("rush", "Rush order"),
                                      ("absence", "Operator absent")])  # fmt: skip
    work_center = forms.ModelChoiceField(queryset=WorkCenter.objects.order_by("code"), required=False)
    hours = forms.DecimalField(min_value=0.25, initial=4, required=False)  # at most the horizon: clean_hours
    part = forms.ModelChoiceField(queryset=Part.objects.order_by("number"), required=False)
    quantity = forms.IntegerField(min_value=1, max_value=100000, required=False)
    due_hours = forms.IntegerField(min_value=1, max_value=24 * 14, required=False, initial=24)
    short_part = forms.ModelChoiceField(
        queryset=Part.objects.order_by("number"), required=False, label=_("Part whose material is short")
    )
    available_hours = forms.DecimalField(
        min_value=0.25, max_value=24 * 14, initial=8, required=False, label=_("Material there in (hours)")
    )
    employee = OperatorChoiceField(
        queryset=Employee.objects.filter(active=True, role=OPERATOR).order_by("last_name", "first_name"),
        required=False,
        label=_("Operator"),
    )
    # (legend, the triggers it answers, its fields): the page shows the chosen trigger's set only (static JS).
    FIELDSETS = (
        (_("Work center on Hold or down"), ("hold", "down"), ("work_center", "hours")),
        (_("Material short"), ("shortage",), ("short_part", "available_hours")),
        (_("Rush order"), ("rush",), ("part", "quantity", "due_hours")),
        (_("Operator absent"), ("absence",), ("employee",)),
    )
    # What each trigger needs that the field itself cannot require (it is optional for the other triggers).
    NEEDED = {
        "hold": {"work_center": _("Choose the work center that would be on Hold or down.")},
        "down": {"work_center": _("Choose the work center that would be on Hold or down.")},
        "shortage": {"short_part": _("Choose the part whose material is short."),
                     "available_hours": _("Enter in how many hours the material would be there.")},
        "rush": {"part": _("Choose the part of the rush order."),
                 "quantity": _("Enter the quantity of the rush order.")},
        "absence": {"employee": _("Choose the operator who is absent.")},
    }  # fmt: skip

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        if data is not None:
            # Without JS every fieldset is posted: another trigger's fields are not part of the question.
            data = data.copy()
            kind = data.get("kind")
            for name in self._other_fields(kind):
                data.pop(name, None)
        super().__init__(data, **kwargs)

    @classmethod
    def _other_fields(cls, kind: str | None) -> set[str]:
        own = {name for _legend, kinds, names in cls.FIELDSETS if kind in kinds for name in names}
        return {name for _legend, _kinds, names in cls.FIELDSETS for name in names} - own

    def fieldsets(self) -> list[dict[str, Any]]:
        return [{"legend": legend, "triggers": " ".join(kinds), "fields": [self[name] for name in names]}
                for legend, kinds, names in self.FIELDSETS]  # fmt: skip

    def clean_hours(self) -> Any:
        hours = self.cleaned_data.get("hours")
        if hours is not None and hours > HOLD_MAX_HOURS:
            raise ValidationError(
                _("At most %(hours)s hours (%(days)s days): the plan looks %(days)s days ahead, so a longer Hold or "
                  "breakdown takes the work center out of the whole plan just the same. Enter %(hours)s for a longer "
                  "one."), code="beyond_horizon", params={"hours": HOLD_MAX_HOURS, "days": HORIZON.days},
            )  # fmt: skip
        return hours

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, message in self.NEEDED.get(data.get("kind", ""), {}).items():
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, message)
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
        "scenario_sets": selectors.scenario_sets(),
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
    asked = f"asked by {person_name(request.user)}"  # a planner's question, not a fact: said in every summary
    # A question, not a report: its Hold/Down window, short material and rush job are assumptions of its scenarios
    # only, made real when one of them is released (planning.release); a real Hold comes from Plex or the Andon
    # board, a real shortage from the materials app.
    if kind in ("hold", "down"):
        trigger = hold_trigger(work_center=data["work_center"], kind=DowntimeKind(kind), now=now,
                               hours=float(data["hours"] or HOLD_HOURS), note=asked)  # fmt: skip
        trigger.hypothetical = True
    elif kind == "rush":
        number = stamp = f"RUSH-{now:%m%d%H%M%S}"
        if taken := PlanJob.objects.filter(number__startswith=stamp).count():  # two questions in one second
            number = f"{stamp}-{taken + 1}"
        due = now + datetime.timedelta(hours=data["due_hours"] or 24)
        job = PlanJob.objects.create(
            number=number, part=data["part"], quantity=data["quantity"], due=due, priority=3, open=False
        )
        trigger = Trigger(kind="rush", summary=f"Rush order {number}: {data['quantity']} × {data['part'].number} "
                          f"due {timezone.localtime(due):%a %H:%M} ({asked})", hypothetical=True, extra_job_ids={job.pk},
                          key=f"asked:rush:{data['part'].number}")  # fmt: skip
    elif kind == "shortage":
        ready_at = now + datetime.timedelta(hours=float(data["available_hours"]))
        jobs = list(PlanJob.objects.filter(open=True, part=data["short_part"]).order_by("due"))
        if not jobs:
            form.add_error("short_part", _("No open job of %(part)s is planned: nothing would wait for it.")
                           % {"part": data["short_part"].number})  # fmt: skip
            return render(request, "planning/board.html", _board_context(now) | {"form": form}, status=422)
        numbers = ", ".join(j.number for j in jobs[:5]) + ("…" if len(jobs) > 5 else "")
        trigger = Trigger(kind="shortage", summary=f"Material for {data['short_part'].number} short until "
                          f"{timezone.localtime(ready_at):%a %H:%M} ({numbers}; {asked})", hypothetical=True,
                          material_ready={j.pk: ready_at for j in jobs},
                          key=f"asked:shortage:{data['short_part'].number}")  # fmt: skip
    else:
        employee = data["employee"]
        trigger = Trigger(
            kind="absence",
            summary=f"{employee.full_name} absent today ({asked})",
            absent_ids={employee.pk},
            key=f"asked:absence:{employee.pk}",
        )
    replaced = selectors.scenarios_open().filter(trigger_key=trigger.group()).first()
    if scenarios_generate(trigger, now=now, time_limit=WHATIF_SECONDS):
        messages.success(request, f'Three scenarios for "{trigger.summary}" are on the board'
                         + (f'; they replace the open scenarios of the same question, "{replaced.trigger}".'
                            if replaced else "; the scenarios of other what-ifs stay open beside them."))  # fmt: skip
    return redirect("planning-board")


@role_required(*BOARD_ROLES)
def scenario(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=plan_id)
    return render(request, "planning/scenario.html", _scenario_context(plan, SignForm()))


def _scenario_context(plan: Plan, form: SignForm, error: str = "", badge: str = "") -> dict:
    """`badge`: the badge number typed before a refused signature, kept (never the password or PIN)."""
    missing = plan_without_operator(plan)
    return {"plan": plan, "rows": kpi_rows(plan), "svg": gantt_svg(plan, now=timezone.now()), "form": form,
            "error": error, "badge": badge, "open": plan.status == PlanStatus.DRAFT, "plex_on": plex_integration_on(),
            "writeback": writeback_said(),
            "closed": "" if plan.status == PlanStatus.DRAFT else plan_closed_message(plan),
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
        context = _scenario_context(plan, SignForm(), str(error), badge=data.get("badge", ""))
        return render(request, "planning/scenario.html", context, status=422)
    messages.success(request, f"Schedule v{released.version} released: {released.label}.")
    return redirect("planning-board")


@login_required
def dispatch(request: HttpRequest, code: str) -> HttpResponse:
    """The floor's list: what runs next at a work center (any signed-in role)."""
    work_center = get_object_or_404(WorkCenter, code=code)
    slots = selectors.dispatch_list(work_center.pk, limit=20)
    return render(request, "planning/dispatch.html", {"work_center": work_center, "slots": slots,
                                                       "plan": selectors.plan_released()})  # fmt: skip
