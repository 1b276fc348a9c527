"""The material handler's page, the supervisor's kanban signatures, and the station's "call material" screen."""

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from instructions.station_pages import station_required
from materials import selectors, services
from materials.models import CallOff, KanbanChange
from materials.services import MaterialsError
from materials.tasks import materials_evaluate_now, materials_evaluate_schedule
from plexcopilot.roles import ADMIN, MATERIAL_HANDLER, SUPERVISOR, role_required, user_role
from plexcopilot.signatures import SignatureRefused

logger = logging.getLogger(__name__)

DESK_ROLES = (MATERIAL_HANDLER, SUPERVISOR)


def _home(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        **selectors.handler_overview(),
        "can_sign": user_role(request.user) in (SUPERVISOR, ADMIN),
        **extra,
    }
    return render(request, "materials/home.html", context, status=status)


@require_GET
@role_required(*DESK_ROLES)
def materials_home(request: HttpRequest) -> HttpResponse:
    return _home(request)


@require_POST
@role_required(*DESK_ROLES)
def materials_evaluate(request: HttpRequest) -> HttpResponse:
    materials_evaluate_now(now=timezone.now(), actor=request.user)
    return redirect("materials-home")


@require_POST
@role_required(*DESK_ROLES)
def call_off_approve(request: HttpRequest, pk: int) -> HttpResponse:
    call_off = get_object_or_404(CallOff, pk=pk)
    raw = request.POST.get("quantity", "")
    try:
        seen = Decimal(raw) if raw else None
    except InvalidOperation:
        seen = Decimal("NaN")
    if seen is not None and not seen.is_finite():
        # A garbled quantity is refused like any other the page did not show, never approved unchecked.
        return _home(request, status=409, error=f"The quantity sent ({raw[:20]}) is not the one shown. "
                     "Reload the page, check the call-off and approve again.")  # fmt: skip
    try:
        services.call_off_approve(
            call_off=call_off, user=request.user, now=timezone.now(), seen_quantity=seen
        )
    except MaterialsError as error:
        return _home(request, status=409, error=str(error))
    messages.success(
        request,
        f"Requested: {floatformat(call_off.quantity, '-3')} {call_off.component.number} to "
        f"{call_off.location.code} (call-off {call_off.pk}); the Delivered button confirms it when it arrives.",
    )
    return redirect("materials-home")


@require_POST
@role_required(*DESK_ROLES)
def call_off_expedite(request: HttpRequest, pk: int) -> HttpResponse:
    call_off = get_object_or_404(CallOff, pk=pk)
    raw = request.POST.get("needed_by", "")
    try:
        seen = parse_datetime(raw) if raw else None
    except ValueError:  # a well-formed but impossible time (Feb 30): as if the page had shown none
        seen = None
    if seen is not None and timezone.is_naive(seen):
        seen = timezone.make_aware(seen)
    try:
        services.call_off_expedite(
            call_off=call_off, user=request.user, now=timezone.now(), seen_needed_by=seen
        )
    except MaterialsError as error:
        return _home(request, status=409, error=str(error))
    return redirect("materials-home")


@require_POST
@role_required(*DESK_ROLES)
def call_off_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    call_off = get_object_or_404(CallOff, pk=pk)
    now = timezone.now()
    try:
        services.call_off_deliver(call_off=call_off, user=request.user, now=now)
    except MaterialsError as error:
        return _home(request, status=409, error=str(error))
    # The figures on the page the handler comes back to count the delivery (the evaluation names no one: the
    # handler confirmed a delivery, not a re-evaluation). The delivery is saved: an evaluation that fails here (a
    # lock conflict with a concurrent one) is logged and queued for the worker, never shown as an error.
    try:
        materials_evaluate_now(now=now)
        counted = "the figures below count it"
    except DatabaseError:
        logger.exception("Evaluation after delivering call-off %s failed; queued for the worker", call_off.pk)
        materials_evaluate_schedule(delay_seconds=0)
        counted = "the figures count it at the next evaluation, within a minute"
    messages.success(
        request,
        f"Delivered: {floatformat(call_off.quantity, '-3')} {call_off.component.number} on hand at {call_off.location.code} "
        f"(call-off {call_off.pk}); {counted}.",
    )
    return redirect("materials-home")


@require_POST
@role_required(SUPERVISOR)
def kanban_change_sign(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(KanbanChange, pk=pk)
    try:
        services.kanban_change_sign(
            change=change,
            user=request.user,
            now=timezone.now(),
            password=request.POST.get("password", ""),
            badge=request.POST.get("badge", ""),
            pin=request.POST.get("pin", ""),
        )
    except (SignatureRefused, MaterialsError) as error:
        return _home(request, status=422, error=str(error))
    return redirect("materials-home")


@require_POST
@role_required(SUPERVISOR)
def kanban_change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(KanbanChange, pk=pk)
    try:
        services.kanban_change_reject(change=change, user=request.user)
    except MaterialsError as error:
        return _home(request, status=409, error=str(error))
    return redirect("materials-home")


def _station_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"calls": selectors.station_call_offs(request.station.work_center_id), **extra}  # type: ignore[attr-defined]
    return render(request, "materials/station.html", context, status=status)


@require_GET
@station_required
def station_material(request: HttpRequest) -> HttpResponse:
    return _station_page(request)


@require_POST
@station_required
def station_material_call(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("card", "")[:60]
    try:
        call_off = services.call_off_from_card(
            raw=raw,
            station=request.station,  # type: ignore[attr-defined]
            employee=request.employee,  # type: ignore[attr-defined]
            now=timezone.now(),
        )
    except MaterialsError as error:
        return _station_page(request, status=422, error=str(error), scanned=raw)
    # Scanning a card that is still open returns its request: say so, not "Requested" as if it were new.
    return _station_page(request, called=call_off, already_open=getattr(call_off, "already_open", False))
