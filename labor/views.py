import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from instructions.models import WorkOrder
from instructions.station_pages import station_required, station_step_return, station_step_return_say
from labor import andon, punch_checks, punch_flags, punches, selectors
from labor import certifications as certs
from labor import handover as shift_handover
from labor.errors import LaborError, local_time
from labor.forms import AndonForm, AndonResolveForm, FlagResolveForm, HandoverSignForm
from labor.models import (
    AndonCall,
    AndonCategory,
    FlagStatus,
    Handover,
    LaborFlag,
    PunchKind,
)
from plexcopilot.idempotency import idempotency_key
from plexcopilot.roles import MATERIAL_HANDLER, QUALITY, SUPERVISOR, role_required, user_has_role

# --- Station: clock, jobs, Andon -------------------------------------------------------------------


def _station_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    station, employee = request.station, request.employee  # type: ignore[attr-defined]
    context = {
        "state": selectors.punch_state(employee),
        "work_orders": selectors.station_work_orders(station),
        "categories": AndonCategory.choices,
        "calls": selectors.andon_for_station(station.pk),
        **extra,
    }
    template = "labor/station.html#labor-station" if request.htmx else "labor/station.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


@require_GET
@station_required
def station(request: HttpRequest) -> HttpResponse:
    return _station_page(request)


@require_POST
@station_required
def station_clock(request: HttpRequest, direction: str) -> HttpResponse:
    if direction not in ("in", "out"):
        raise Http404
    action = punches.clock_in if direction == "in" else punches.clock_out
    # The run page's "not clocked in" button comes back to its step, where the warning is gone once clocked in
    # here (after a double tap's "already clocked in" too) and what the clock-in said is shown once.
    back = station_step_return(request) if direction == "in" else None
    try:
        message = action(employee=request.employee, station=request.station)  # type: ignore[attr-defined]
    except LaborError as error:
        if back is None:
            return _station_page(request, status=422, error=str(error))
        return redirect(back)
    if back is not None:
        station_step_return_say(request, text=message)
        return redirect(back)
    return _station_page(request, notice=message)


@require_POST
@station_required
def station_clock_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The run page's "not clocked in" button: clock in here and put the run's work order on, in one tap."""
    work_order = get_object_or_404(WorkOrder.objects.select_related("operation__work_center"), pk=pk)
    back = station_step_return(request)
    try:
        message = punches.clock_in(employee=request.employee, station=request.station, work_order=work_order)  # type: ignore[attr-defined]
    except LaborError as error:
        if back is None:
            return _station_page(request, status=422, error=str(error))
        return redirect(back)  # a double tap: already clocked in here, the job on
    if back is None:
        return _station_page(request, notice=message)
    station_step_return_say(request, text=message)
    return redirect(back)


@require_POST
@station_required
def station_job(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    actions = {"on": punches.job_on, "off": punches.job_off, "switch": punches.job_switch}
    if direction not in actions:
        raise Http404
    work_order = get_object_or_404(WorkOrder.objects.select_related("operation__work_center"), pk=pk)
    action = actions[direction]
    # the run page's "Start job" / "Switch to" buttons come back to the step
    back = station_step_return(request) if direction != "off" else None
    try:
        message = action(employee=request.employee, station=request.station, work_order=work_order)  # type: ignore[attr-defined]
    except LaborError as error:
        if back is None:
            return _station_page(request, status=422, error=str(error))
        station_step_return_say(request, text=str(error), error=True)
        return redirect(back)
    if back is not None:
        station_step_return_say(request, text=message)
        return redirect(back)
    return _station_page(request, notice=message)


@require_POST
@station_required
def station_andon(request: HttpRequest) -> HttpResponse:
    form = AndonForm(request.POST)
    typed = request.POST.get("note", "").replace("\r\n", "\n").strip()
    cut = form.has_error("note", "max_length")
    if cut:  # a stopped machine is not refused over its note: the call goes, with the note's start
        form = AndonForm({**request.POST.dict(), "note": typed[: AndonForm.NOTE_MAX]})
    if not form.is_valid():
        note = request.POST.get("note", "")
        return _station_page(request, status=422, andon_error=gettext("Choose maintenance, quality, material or safety."),
                             andon_note=note)  # fmt: skip
    tapped_at = timezone.now()
    call = andon.andon_raise(station=request.station, employee=request.employee,  # type: ignore[attr-defined]
                                idempotency_key=idempotency_key(request), **form.cleaned_data)  # fmt: skip
    facts = {"category": str(call.get_category_display()).lower(), "urgency": str(call.get_urgency_display()).lower(),
             "time": local_time(call.raised_at)}  # fmt: skip
    if call.raised_at < tapped_at:  # a repeat tap (or a retry): the call it joined, not an error
        notice = gettext("Andon %(category)s was already raised at %(time)s. Help is on the way.") % facts
    else:
        notice = gettext("Andon %(category)s raised (%(urgency)s). Help is on the way.") % facts
    said_cut = ""
    if cut:  # inside the call's status, which the run page's Andon sheet shows too
        said_cut = gettext(
            "Your note was %(length)s characters long: its first %(limit)s went with the call; tell the rest "
            "to whoever comes."
        ) % {"length": f"{len(typed):,}", "limit": f"{AndonForm.NOTE_MAX:,}"}
    # Said under the buttons, not at the top of the page: a message above them would push them down under a
    # gloved second tap (the next button would take it).
    return _station_page(request, andon_notice=notice, andon_note_cut=said_cut)


# --- Supervisor hub ----------------------------------------------------------------------------------


@require_GET
@role_required(SUPERVISOR, QUALITY)
def home(request: HttpRequest) -> HttpResponse:
    (now_day, now_shift), (next_day, next_shift) = selectors.current_and_next_shift()
    context = {
        "now_day": now_day, "now_shift": now_shift, "next_day": next_day, "next_shift": next_shift,
        "open_flags": selectors.open_flag_count(),
        "open_calls": selectors.open_andon_count(),
        "expiring": certs.certifications_needing_action(timezone.localdate()),
        "plan": selectors.crew_plan_for(next_day, next_shift),
        "handover": selectors.handover_for(now_day, now_shift),
        "supervisor": user_has_role(request.user, SUPERVISOR),
    }  # fmt: skip
    return render(request, "labor/home.html", context)


# --- Punch flags ---------------------------------------------------------------------------------------


@require_GET
@role_required(SUPERVISOR)
def flags(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", FlagStatus.OPEN)
    status = status if status in FlagStatus.values else FlagStatus.OPEN
    context = {"flags": selectors.flag_queue(status)[:200], "status": status, "statuses": FlagStatus.choices,
               "kinds": PunchKind.choices}  # fmt: skip
    return render(request, "labor/flags.html", context)


@require_POST
@role_required(SUPERVISOR)
def flags_validate(request: HttpRequest) -> HttpResponse:
    created = punch_checks.punches_recheck()
    return redirect(f"{reverse('labor-flags')}?checked={created}")


@require_POST
@role_required(SUPERVISOR)
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(LaborFlag.objects.select_related("employee", "punch"), pk=pk)
    form = FlagResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise LaborError(
                "Check the correction: "
                + "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
            )
        data = form.cleaned_data
        if data["action"] == "accept":
            punch_flags.flag_accept(flag=flag, user=request.user, note=data["note"])
        elif data["action"] == "dismiss":
            punch_flags.flag_dismiss(flag=flag, user=request.user, note=data["note"])
        else:
            punch_flags.flag_correct(flag=flag, user=request.user, mode=data["mode"], at=data["at"], kind=data["kind"],
                                  note=data["note"])  # fmt: skip
    except LaborError as error:
        flag.refresh_from_db()
        # What the supervisor typed stays in the row, the "Correct…" section open, so a refusal costs no retyping.
        kept = {"flag": flag.pk, "note": request.POST.get("note", ""), "mode": request.POST.get("mode", ""),
                "kind": request.POST.get("kind", ""), "at": request.POST.get("at", "")[:30],
                "correcting": request.POST.get("action") == "correct"}  # fmt: skip
        if request.htmx:  # type: ignore[attr-defined]
            context = {"flag": flag, "error": str(error), "error_flag": flag.pk, "kinds": PunchKind.choices,
                       "kept": kept}  # fmt: skip
            return render(request, "labor/flags.html#flag-row", context, status=422)
        context = {"flags": selectors.flag_queue(FlagStatus.OPEN)[:200], "status": FlagStatus.OPEN,
                   "statuses": FlagStatus.choices, "kinds": PunchKind.choices, "error": str(error),
                   "kept": kept}  # fmt: skip
        return render(request, "labor/flags.html", context, status=422)
    flag.refresh_from_db()
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "labor/flags.html#flag-row", {"flag": flag, "kinds": PunchKind.choices})
    return redirect("labor-flags")


# --- Certifications and skill gaps ------------------------------------------------------------------------


@require_GET
@role_required(SUPERVISOR, QUALITY)
def certifications(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    types, rows = certs.certification_matrix(today)
    context = {
        "types": types,
        "rows": rows,
        "expiries": certs.certification_expiries(today),
        "today": today,
    }
    return render(request, "labor/certifications.html", context)


@require_GET
@role_required(SUPERVISOR)
def skill_gaps(request: HttpRequest) -> HttpResponse:
    return render(request, "labor/skill_gaps.html", {"gaps": certs.skill_gaps(timezone.localdate())})


# --- Shift handover -----------------------------------------------------------------------------------------------


@require_GET
@role_required(SUPERVISOR)
def handover(request: HttpRequest) -> HttpResponse:
    (now_day, now_shift), _next = selectors.current_and_next_shift()
    pk = request.GET.get("pk", "")
    current = (
        selectors.handover_get(int(pk))
        if pk.isascii() and pk.isdigit()
        else selectors.handover_for(now_day, now_shift)
    )
    return render(request, "labor/handover.html", _handover_context(current, now_day, now_shift))


def _handover_context(
    current: Handover | None, now_day: datetime.date, now_shift: Any, **extra: Any
) -> dict[str, Any]:
    recent = selectors.handovers_recent()
    form = HandoverSignForm(initial={"text": current.text}) if current else None
    # This shift's handover: once signed it is not offered for drafting again.
    now_handover = selectors.handover_for(now_day, now_shift)
    news = shift_handover.handover_news(current, now=timezone.now()) if current else []
    return {"current": current, "recent": recent, "now_day": now_day, "now_shift": now_shift, "news": news,
            "now_handover": now_handover, "form": extra.pop("form", form), **extra}  # fmt: skip


@require_POST
@role_required(SUPERVISOR)
def handover_draft(request: HttpRequest) -> HttpResponse:
    (now_day, now_shift), _next = selectors.current_and_next_shift()
    # The Draft button sends the text in the box with it (and the handover it is for), so edits are not lost unasked.
    typed, typed_for = request.POST.get("text"), request.POST.get("pk", "")
    try:
        draft = shift_handover.handover_draft(day=now_day, shift=now_shift, user=request.user, typed_text=typed,
                                              typed_for=int(typed_for) if typed_for.isascii() and typed_for.isdigit() else None,
                                              replace_edits=request.POST.get("replace") == "1")  # fmt: skip
    except shift_handover.HandoverEdited as error:
        shown = (
            selectors.handover_get(int(typed_for)) if typed_for.isascii() and typed_for.isdigit() else None
        )
        shown = shown or selectors.handover_for(now_day, now_shift)
        form = HandoverSignForm(initial={"text": typed})
        context = _handover_context(
            shown, now_day, now_shift, error=str(error), form=form, confirm_redraft=True
        )
        return render(request, "labor/handover.html", context, status=409)
    except LaborError as error:
        current = selectors.handover_for(now_day, now_shift)
        return render(request, "labor/handover.html", _handover_context(current, now_day, now_shift, error=str(error)),
                      status=422)  # fmt: skip
    return redirect(f"{reverse('labor-handover')}?pk={draft.pk}")


@require_POST
@role_required(SUPERVISOR)
def handover_sign(request: HttpRequest, pk: int) -> HttpResponse:
    current = get_object_or_404(Handover, pk=pk)
    form = HandoverSignForm(request.POST)
    (now_day, now_shift), _next = selectors.current_and_next_shift()
    try:
        if not form.is_valid():
            raise LaborError("The handover text is empty or too long (20,000 characters at most).")
        shift_handover.handover_sign(handover=current, user=request.user, text=form.cleaned_data["text"])
    except LaborError as error:
        return render(request, "labor/handover.html",
                      _handover_context(current, now_day, now_shift, error=str(error), form=form), status=422)  # fmt: skip
    return redirect(f"{reverse('labor-handover')}?pk={current.pk}")


@require_POST
@role_required(SUPERVISOR)
def handover_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    current = get_object_or_404(Handover, pk=pk)
    (now_day, now_shift), _next = selectors.current_and_next_shift()
    try:
        shift_handover.handover_acknowledge(handover=current, user=request.user)
    except LaborError as error:
        return render(request, "labor/handover.html", _handover_context(current, now_day, now_shift, error=str(error)),
                      status=422)  # fmt: skip
    return redirect(f"{reverse('labor-handover')}?pk={current.pk}")


# --- Andon board ----------------------------------------------------------------------------------------------------


@require_GET
@role_required(SUPERVISOR, QUALITY, MATERIAL_HANDLER)
def andon_board(request: HttpRequest) -> HttpResponse:
    return _andon_board_page(request)


@require_POST
@role_required(SUPERVISOR, QUALITY, MATERIAL_HANDLER)
def andon_update(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("acknowledge", "resolve"):
        raise Http404
    call = get_object_or_404(AndonCall.objects.select_related("work_center"), pk=pk)
    role = selectors.board_role(request.user)
    if role != SUPERVISOR and role not in call.routed_to:  # a call not on this role's board
        raise Http404
    typed = request.POST.get("resolution", "")
    try:
        if action == "acknowledge":
            andon.andon_acknowledge(call=call, user=request.user)
        else:
            form = AndonResolveForm(request.POST)
            if form.has_error("resolution", "max_length"):
                raise LaborError(f"Resolution: {form.errors['resolution'][0]}")
            andon.andon_resolve(call=call, user=request.user,
                                resolution=form.cleaned_data["resolution"] if form.is_valid() else "")  # fmt: skip
    except LaborError as error:  # the board again, the refused resolution back in its row
        return _andon_board_page(request, status=422, error=str(error), error_call=pk, kept_resolution=typed)
    if request.htmx:  # type: ignore[attr-defined]
        return _andon_board_page(request)
    # Without htmx: back to the board's own address, so a reload shows it and does not post the decision again.
    done = "acknowledged" if action == "acknowledge" else "resolved"
    messages.success(request, f"{call.get_category_display()} call at {call.work_center.code} {done}.")
    return redirect("labor-andon")


def _andon_board_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    role = selectors.board_role(request.user)
    open_calls, recent = selectors.andon_board_calls(role)
    context = {"open_calls": open_calls, "recent": recent, "board_role": role, **extra}
    template = "labor/andon_board.html#andon-board" if request.htmx else "labor/andon_board.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)
