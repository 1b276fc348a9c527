"""Andon calls: raised at the station (triaged and routed by role), acknowledged, resolved; the live boards."""

import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from instructions.models import Measurement, Station
from labor.errors import LaborError, local_time
from labor.models import AndonCall, AndonCategory, Urgency
from labor.selectors import andon_board_calls
from plexcopilot import events
from plexcopilot.broadcast import group_send_after_commit
from plexcopilot.models import Employee
from plexcopilot.roles import MATERIAL_HANDLER, QUALITY, SUPERVISOR
from plexcopilot.services import audit_record

ROUTES = {
    AndonCategory.SAFETY: [SUPERVISOR],
    AndonCategory.QUALITY: [QUALITY, SUPERVISOR],
    AndonCategory.MAINTENANCE: [SUPERVISOR],
    AndonCategory.MATERIAL: [MATERIAL_HANDLER, SUPERVISOR],  # the material handler brings it
}
DANGER_WORDS = ("injur", "hurt", "blood", "fire", "smoke", "burn", "fell", "fall", "trapped", "pinch", "gas",
                "spill", "shock", "herida", "fuego", "humo")  # fmt: skip
# A second tap of the same button this soon after the first, while its call is open, asks for the same help.
ANDON_REPEAT_WINDOW = datetime.timedelta(seconds=60)


def andon_triage(
    *, category: str, note: str, line_down: bool, work_center_id: int
) -> tuple[str, list[str], str]:
    """(urgency, roles to route to, why). Safety and danger words are critical; a stopped line is high;
    a quality call after out-of-spec entries here in the last 2 h, or a repeat call, is high."""
    routes = list(ROUTES.get(category, [SUPERVISOR]))  # type: ignore[call-overload]
    lowered = note.lower()
    if category == AndonCategory.SAFETY:
        return Urgency.CRITICAL, routes, "safety call"
    danger = next((w for w in DANGER_WORDS if w in lowered), None)
    if danger:
        return Urgency.CRITICAL, sorted({*routes, SUPERVISOR}), f'the note mentions "{danger}"'
    if line_down:
        return Urgency.HIGH, routes, "the work center is down"
    since = timezone.now() - datetime.timedelta(hours=2)
    if category == AndonCategory.QUALITY:
        bad = Measurement.objects.filter(
            in_spec=False,
            entered_at__gte=since,
            execution__work_order__operation__work_center_id=work_center_id,
        ).count()
        if bad:
            return (
                Urgency.HIGH,
                routes,
                f"{bad} out-of-spec entr{'y' if bad == 1 else 'ies'} here in the last 2 h",
            )
    repeats = AndonCall.objects.filter(
        work_center_id=work_center_id,
        category=category,
        raised_at__gte=timezone.now() - datetime.timedelta(hours=8),
    ).count()
    if repeats >= 2:
        return Urgency.HIGH, routes, f"call number {repeats + 1} of this kind here in 8 h"
    return Urgency.NORMAL, routes, "no escalation signals"


def andon_raise(
    *,
    station: Station,
    employee: Employee,
    category: str,
    note: str = "",
    line_down: bool = False,
    idempotency_key: str = "",
) -> AndonCall:
    """Raise a call. A retry with the same idempotency key returns the call already raised, never a second one;
    so does a repeat tap (a gloved double tap, a neighbour pressing the same button) that adds nothing: see
    `andon_repeat_of`. A returned call is announced, audited and broadcast once, when it was raised."""
    if idempotency_key:
        existing = AndonCall.objects.filter(idempotency_key=idempotency_key, raised_by=employee).first()
        if existing is not None:
            return existing
    if category not in AndonCategory.values:
        raise LaborError(
            gettext("Choose what kind of help is needed: maintenance, quality, material or safety.")
        )
    note = note.strip()[:500]
    try:
        with transaction.atomic():
            # One raise at a time per station, so two taps cannot both miss each other: a row lock on
            # PostgreSQL; SQLite's IMMEDIATE transactions (settings) already serialize every write.
            Station.objects.select_for_update(no_key=True).only("pk").get(pk=station.pk)
            repeat = andon_repeat_of(station=station, category=category, note=note, line_down=line_down)
            if repeat is not None:
                return repeat
            urgency, routes, why = andon_triage(category=category, note=note, line_down=line_down,
                                                work_center_id=station.work_center_id)  # fmt: skip
            call = AndonCall.objects.create(station=station, work_center_id=station.work_center_id,
                                            category=category, note=note, line_down=line_down, urgency=urgency,
                                            triage_reason=why, routed_to=routes, raised_by=employee,
                                            raised_at=timezone.now(), idempotency_key=idempotency_key)  # fmt: skip
            audit_record(actor=employee.user, action="andon.raise", obj=call,
                         summary=f"Andon {category} at {station.work_center.code} by {employee.full_name} "
                         f"({urgency}: {why})", data={"line_down": line_down, "routed_to": routes})  # fmt: skip
            andon_broadcast(call=call)  # after commit, never failing the raise
            events.publish(events.ANDON_RAISED, call_id=call.pk, work_center_id=call.work_center_id,
                           category=category, line_down=line_down)  # fmt: skip
    except IntegrityError:
        if not idempotency_key:
            raise
        return AndonCall.objects.get(idempotency_key=idempotency_key)  # the same retry raced in first
    return call


def andon_repeat_of(*, station: Station, category: str, note: str, line_down: bool) -> AndonCall | None:
    """The open call this raise would only repeat: same station and category, raised within ANDON_REPEAT_WINDOW,
    by anyone. A raise that says more (a note the call lacks, a stopped machine it did not report) is not a
    repeat: it is raised as a call of its own, so the new fact is routed, triaged and announced."""
    call = (
        AndonCall.objects.filter(
            station=station,
            category=category,
            resolved_at__isnull=True,
            raised_at__gte=timezone.now() - ANDON_REPEAT_WINDOW,
        )
        .order_by("-raised_at", "-pk")
        .first()
    )
    if call is None or (note and note != call.note) or (line_down and not call.line_down):
        return None
    return call


def andon_acknowledge(*, call: AndonCall, user: Any) -> AndonCall:
    with transaction.atomic():
        locked = AndonCall.objects.select_for_update(no_key=True).get(pk=call.pk)
        if locked.acknowledged_at:
            raise LaborError(
                f"Already acknowledged by {_name(locked.acknowledged_by)} at {local_time(locked.acknowledged_at)}."
            )
        locked.acknowledged_by, locked.acknowledged_at = user, timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
        waited = (locked.acknowledged_at - locked.raised_at).total_seconds() / 60
        audit_record(actor=user, action="andon.acknowledge", obj=locked,
                     summary=f"Andon {locked.category} at {locked.work_center.code} acknowledged after {waited:.1f} min")  # fmt: skip
    andon_broadcast(call=locked)
    return locked


def andon_resolve(*, call: AndonCall, user: Any, resolution: str) -> AndonCall:
    if not resolution.strip():
        raise LaborError("Write what was done, so the next shift knows.")
    with transaction.atomic():
        locked = AndonCall.objects.select_for_update(no_key=True).get(pk=call.pk)
        if locked.resolved_at:
            raise LaborError("This call is already resolved.")
        now = timezone.now()
        if not locked.acknowledged_at:
            locked.acknowledged_by, locked.acknowledged_at = user, now
        locked.resolved_by, locked.resolved_at, locked.resolution = user, now, resolution.strip()[:500]
        locked.save(
            update_fields=["acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at", "resolution"]
        )
        minutes = (now - locked.raised_at).total_seconds() / 60
        audit_record(actor=user, action="andon.resolve", obj=locked,
                     summary=f"Andon {locked.category} at {locked.work_center.code} resolved after {minutes:.1f} min: "
                     f"{resolution.strip()[:200]}")  # fmt: skip
        events.publish(events.ANDON_RESOLVED, call_id=locked.pk, work_center_id=locked.work_center_id,
                       category=locked.category, line_down=locked.line_down)  # fmt: skip
    andon_broadcast(call=locked)
    return locked


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


def andon_group(role: str) -> str:
    return f"andon.{role}"


def andon_board_html(role: str) -> str:
    open_calls, recent = andon_board_calls(role)
    return render_to_string("labor/andon_board.html#andon-board",
                            {"open_calls": open_calls, "recent": recent, "oob": True, "board_role": role})  # fmt: skip


def andon_broadcast(*, call: AndonCall) -> None:
    """Push the re-rendered board to every role the call is routed to (supervisors always see all).

    After commit, and never raising: with Redis down the call is saved all the same and the boards catch up
    when their sockets reconnect (the consumer sends the whole board on connect)."""
    for role in sorted({*call.routed_to, SUPERVISOR}):
        group_send_after_commit(
            andon_group(role), partial(lambda r: {"type": "andon.update", "html": andon_board_html(r)}, role)
        )
