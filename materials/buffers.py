"""Demand-driven buffers per component and line-side location, the call-offs they draft, kanban size suggestions.

Zones (docs/materials.md), with ADU the average daily usage, DLT the lead time in days, LTF the lead-time factor
and VF the variability factor:
  yellow = ADU x DLT
  red    = ADU x DLT x LTF x (1 + VF)
  green  = max(ADU x DLT x LTF, ADU x order cycle, minimum order / card quantity)
Net flow = on hand + open supply - qualified demand (scheduled demand due within the next day, plus later
spikes within the lead time larger than half the red zone). Net flow <= top of yellow drafts a call-off up to the
top of green (rounded up to whole cards); an open call-off follows each evaluation (`_reconcile_call_offs`). A
loop in red (or over green) in most of the last evaluations gets a card-count suggestion, applied only with a
supervisor's signature.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from materials.demand import Need, component_needs, daily_usage, forward_adu
from materials.models import (
    BufferStatus,
    BufferZone,
    CallOff,
    CallOffStatus,
    Component,
    KanbanChange,
    KanbanChangeStatus,
    KanbanLoop,
    LineSideLocation,
    Lot,
    OpenSupply,
    ShortageAlert,
    SupplyStatus,
    quantity_said,
)
from materials.services import requested_said
from materials.shortages import lead_hours, project
from plexcopilot.services import audit_record

ORDER_CYCLE_DAYS = 1.0
HISTORY = 10  # plant days kept per buffer for the persistence rule (the day's worst zone each)
PERSISTENT_SHARE = 0.7
# A call-off's needed-by moves only when an evaluation moves it at least this much (a call without a predicted
# shortage is needed by now + lead time: pressing "Re-evaluate now" a few minutes later is no change).
NEEDED_BY_DRIFT = datetime.timedelta(minutes=15)
Audits = list[Callable[[], object]]  # audit appends an evaluation makes at its end (buffers_evaluate)


def lead_time_factor(lead_days: float) -> float:
    return 0.6 if lead_days <= 1 else (0.4 if lead_days <= 5 else 0.25)


def variability_factor(cv: float) -> float:
    return 0.25 if cv < 0.5 else (0.5 if cv < 1.0 else 0.75)


def zones(*, adu: float, lead_days: float, cv: float, minimum_order: float) -> tuple[float, float, float]:
    ltf = lead_time_factor(lead_days)
    yellow = adu * lead_days
    red = adu * lead_days * ltf * (1 + variability_factor(cv))
    green = max(adu * lead_days * ltf, adu * ORDER_CYCLE_DAYS, minimum_order)
    return red, yellow, green


def zone_of(net_flow: float, red: float, yellow: float, green: float) -> str:
    if net_flow <= red:
        return BufferZone.RED
    if net_flow <= red + yellow:
        return BufferZone.YELLOW
    if net_flow <= red + yellow + green:
        return BufferZone.GREEN
    return BufferZone.OVER


def qualified_demand(needs: list[Need], *, now: datetime.datetime, lead_days: float, red: float) -> float:
    """Demand due within a day, plus any later day within the lead time whose demand exceeds half the red zone."""

    def window(start_days: float, end_days: float) -> float:
        start = now + datetime.timedelta(days=start_days)
        end = now + datetime.timedelta(days=end_days)
        return sum(need.consumed_by(end) - need.consumed_by(start) for need in needs)

    total = window(0, 1)
    for day in range(1, math.ceil(lead_days)):
        spike = window(day, day + 1)
        if spike > 0.5 * red:
            total += spike
    return total


def buffers_evaluate(*, now: datetime.datetime, actor: Any = None) -> list[BufferStatus]:
    """Recompute every buffer (places with a loop, lots or demand), draft or refresh call-offs, suggest kanban
    changes. `actor` (who pressed "Re-evaluate now"; None for the command) is named on audited call-off changes."""
    needs = component_needs(now)
    by_place: dict[tuple[int, int], list[Need]] = defaultdict(list)
    for need in needs:
        by_place[(need.component_id, need.location_id)].append(need)
    stock = {
        (r["component_id"], r["location_id"]): float(r["total"] or 0)
        for r in Lot.objects.values("component_id", "location_id").annotate(total=Sum("quantity"))
    }
    incoming = {
        (r["component_id"], r["location_id"]): float(r["total"] or 0)
        for r in OpenSupply.objects.filter(status=SupplyStatus.OPEN)
        .values("component_id", "location_id")
        .annotate(total=Sum("quantity"))
    }
    supplies: dict[tuple[int, int], list[OpenSupply]] = defaultdict(list)
    for open_supply in OpenSupply.objects.filter(status=SupplyStatus.OPEN):
        supplies[(open_supply.component_id, open_supply.location_id)].append(open_supply)
    loops = {(loop.component_id, loop.location_id): loop for loop in KanbanLoop.objects.all()}
    places = sorted(set(by_place) | set(stock) | set(loops))
    components = Component.objects.in_bulk({c for c, _ in places})
    locations = LineSideLocation.objects.in_bulk({loc for _, loc in places})
    results = []
    audits: Audits = []
    with transaction.atomic():
        for component_id, location_id in places:
            component, location = components[component_id], locations[location_id]
            place_needs = by_place.get((component_id, location_id), [])
            usage = daily_usage(component_id=component_id, location_id=location_id, now=now)
            lead_days = lead_hours(component, location) / 24
            adu = usage.adu or forward_adu(place_needs, now=now, days=max(lead_days, 1.0))
            loop = loops.get((component_id, location_id))
            card = float(loop.quantity_per_card) if loop else 0.0
            red, yellow, green = zones(adu=adu, lead_days=lead_days, cv=usage.variability, minimum_order=card)
            on_hand = stock.get((component_id, location_id), 0.0)
            supply = incoming.get((component_id, location_id), 0.0)
            demand = qualified_demand(place_needs, now=now, lead_days=lead_days, red=red)
            net_flow = on_hand + supply - demand
            zone = zone_of(net_flow, red, yellow, green)
            status, _ = BufferStatus.objects.get_or_create(
                component=component,
                location=location,
                defaults={"adu": 0, "variability": 0, "lead_days": 0, "red": 0, "yellow": 0, "green": 0,
                          "on_hand": 0, "incoming": 0, "qualified_demand": 0, "net_flow": 0,
                          "zone": zone, "computed_at": now},
            )  # fmt: skip
            status.adu, status.variability, status.lead_days = adu, usage.variability, lead_days
            status.red, status.yellow, status.green = red, yellow, green
            status.on_hand, status.incoming, status.qualified_demand = on_hand, supply, demand
            status.net_flow, status.zone, status.computed_at = net_flow, zone, now
            status.zone_history = zone_days_add(status.zone_history, zone, now=now)
            status.save()
            _reconcile_call_offs(
                status,
                card=card,
                needed=zone in (BufferZone.RED, BufferZone.YELLOW) and adu > 0,
                needs=place_needs,
                supplies=supplies.get((component_id, location_id), []),
                now=now,
                actor=actor,
                audits=audits,
            )
            if loop is not None:
                _suggest_kanban(status, loop, now=now)
            results.append(status)
        # Last: the audit chain's lock (every audited write in the plant waits for it) is held from the first append
        # to the commit, so only for these appends, not for the evaluation (materials_evaluate_now).
        for append in audits:
            append()
    return results


def _reconcile_call_offs(
    status: BufferStatus,
    *,
    card: float,
    needed: bool,
    needs: list[Need],
    supplies: list[OpenSupply],
    now: datetime.datetime,
    actor: Any,
    audits: Audits,
) -> None:
    """Make the place's open call-offs say what this evaluation says (docs/materials.md "Call-offs follow the
    evaluation"). One open call-off per place at a time (no new request every day while one is on its way):

    - a draft (nobody has acted on it) takes the new quantity, needed-by, net flow and shortage; when the place no
      longer needs it, it is withdrawn (cancelled, listed on the desk as no longer needed);
    - a requested call keeps its quantity (it is being picked or is on its way) but its needed-by becomes when the
      place would run out without it; the page flags it when that is earlier than when it was requested, and
      when the place is covered without it (no longer needed; the material handler decides).

    Every change of needed-by, quantity or need is audited (appended to `audits`, written at the evaluation's end)."""
    open_calls = list(
        CallOff.objects.filter(
            component_id=status.component_id,
            location_id=status.location_id,
            status__in=[CallOffStatus.DRAFT, CallOffStatus.REQUESTED],
        ).order_by("created_at", "id")
    )
    for call in open_calls:
        if call.status == CallOffStatus.REQUESTED:
            _refresh_requested(
                call, status, needs=needs, supplies=supplies, now=now, actor=actor, audits=audits
            )
    drafts = [call for call in open_calls if call.status == CallOffStatus.DRAFT]
    if not needed:
        for draft in drafts:
            _withdraw(draft, status, now=now, actor=actor, audits=audits)
        return
    alert = ShortageAlert.objects.filter(
        component_id=status.component_id, location_id=status.location_id, status="open"
    ).first()
    wanted = status.top_of_green - status.net_flow
    if card > 0:
        wanted = math.ceil(wanted / card) * card
    quantity = Decimal(str(round(wanted, 3)))
    needed_by = alert.shortage_at if alert else now + datetime.timedelta(days=status.lead_days)
    reason = (
        f"Net flow {status.net_flow:.0f} in {status.get_zone_display().lower()} "
        f"(top of yellow {status.red + status.yellow:.0f}); up to top of green {status.top_of_green:.0f}"
    )
    if not open_calls:
        CallOff.objects.create(
            component_id=status.component_id,
            location_id=status.location_id,
            quantity=quantity,
            reason=reason,
            needed_by=needed_by,
            created_at=now,
            evaluated_at=now,
            shortage=alert,
        )
        return
    for draft in drafts:
        changes: dict[str, list[str]] = {}
        if draft.quantity != quantity:
            changes["quantity"] = [f"{draft.quantity.normalize():f}", f"{quantity.normalize():f}"]
        target = draft.needed_by
        # Without a predicted shortage the time is "now + lead time": kept while it is still ahead, or it would
        # move (and be audited) at every evaluation and never arrive.
        if _moved(draft.needed_by, needed_by) and (
            alert is not None or not draft.needed_by or draft.needed_by <= now
        ):
            changes["needed_by"] = [
                draft.needed_by.isoformat() if draft.needed_by else "",
                needed_by.isoformat(),
            ]
            target = needed_by
        # Only while it is still a draft: a handler who approved it meanwhile asked for the quantity they saw.
        updated = CallOff.objects.filter(pk=draft.pk, status=CallOffStatus.DRAFT).update(
            quantity=quantity,
            needed_by=target,
            reason=reason,
            shortage=alert,
            evaluated_at=now,
            still_needed=True,
        )
        if updated and changes:
            draft.quantity, draft.needed_by = quantity, target
            _audit_change(draft, changes, status, actor=actor, audits=audits)


def _moved(old: datetime.datetime | None, new: datetime.datetime) -> bool:
    return old is None or abs(new - old) >= NEEDED_BY_DRIFT


def _refresh_requested(
    call: CallOff,
    status: BufferStatus,
    *,
    needs: list[Need],
    supplies: list[OpenSupply],
    now: datetime.datetime,
    actor: Any,
    audits: Audits,
) -> None:
    """A requested call keeps its quantity; it is needed by when the place would run out without it (kept when the
    place does not run out over the horizon), and still needed while the place runs out or sits at or below the
    top of yellow without it."""
    own = f"call-off {call.pk}"
    others = [(supply.eta, float(supply.quantity)) for supply in supplies if supply.source != own]
    mine = sum(float(supply.quantity) for supply in supplies if supply.source == own)
    projection = project(
        component=status.component,
        location=status.location,
        now=now,
        needs=needs,
        on_hand=status.on_hand,
        supplies=others,
    )
    still_needed = projection.shortage_at is not None or status.net_flow - mine <= status.red + status.yellow
    changes: dict[str, Any] = {}
    if projection.shortage_at is not None and _moved(call.needed_by, projection.shortage_at):
        changes["needed_by"] = [
            call.needed_by.isoformat() if call.needed_by else "",
            projection.shortage_at.isoformat(),
        ]
        call.needed_by = projection.shortage_at
    if still_needed != call.still_needed:
        changes["still_needed"] = [call.still_needed, still_needed]
        call.still_needed = still_needed
    call.evaluated_at = now
    call.save(update_fields=["needed_by", "still_needed", "evaluated_at"])
    if changes:
        _audit_change(call, changes, status, actor=actor, audits=audits)


def _withdraw(
    draft: CallOff, status: BufferStatus, *, now: datetime.datetime, actor: Any, audits: Audits
) -> None:
    """A draft the place no longer needs is cancelled (nobody acted on it) and listed on the desk as such."""
    claimed = CallOff.objects.filter(pk=draft.pk, status=CallOffStatus.DRAFT).update(
        status=CallOffStatus.CANCELLED, still_needed=False, evaluated_at=now
    )
    if not claimed:
        return
    audits.append(partial(audit_record, actor=actor, action="materials.call_off.withdrawn", obj=draft,
                 summary=f"Call-off {draft.pk} withdrawn by the evaluation: no longer needed (net flow "
                 f"{status.net_flow:.0f} above top of yellow {status.red + status.yellow:.0f})",
                 data={"net_flow": round(status.net_flow, 3)}))  # fmt: skip


def _local(iso: str) -> str:
    """An audited instant as the plant reads it (the event's data keeps the exact ISO value)."""
    return f"{timezone.localtime(datetime.datetime.fromisoformat(iso)):%Y-%m-%d %H:%M}" if iso else "—"


def _audit_change(
    call: CallOff, changes: dict[str, Any], status: BufferStatus, *, actor: Any, audits: Audits
) -> None:
    said = []
    if "needed_by" in changes:
        said.append(f"needed by {_local(changes['needed_by'][0])} → {_local(changes['needed_by'][1])}")
    if "quantity" in changes:
        said.append(f"quantity {changes['quantity'][0]} → {changes['quantity'][1]}")
    if "still_needed" in changes:
        said.append("still needed" if changes["still_needed"][1] else "no longer needed")
    audits.append(partial(audit_record, actor=actor, action="materials.call_off.reevaluated", obj=call,
                 summary=f"Call-off {call.pk} ({_status_said(call)}) re-evaluated: "
                 + "; ".join(said) + f" (net flow {status.net_flow:.0f})",
                 data={**changes, "net_flow": round(status.net_flow, 3)}))  # fmt: skip


def _status_said(call: CallOff) -> str:
    # The status label says "sent to Plex"; what happened depends on whether the integration is on.
    return requested_said() if call.status == CallOffStatus.REQUESTED else call.get_status_display().lower()


ZONE_ORDER = [BufferZone.RED, BufferZone.YELLOW, BufferZone.GREEN, BufferZone.OVER]  # worst first


def zone_days_add(history: list[Any], zone: str, *, now: datetime.datetime) -> list[dict[str, str]]:
    """The buffer's zone history as one entry per plant day, the day's worst zone, the last HISTORY days.

    Persistence is measured in days, not evaluations: the background evaluation runs every 15 minutes and people
    press "Re-evaluate now", so counting evaluations would call a buffer "persistently green" after an hour.
    Entries of the old form (a bare zone per evaluation) are dropped: they carry no day."""
    day = timezone.localdate(now).isoformat()
    days = [entry for entry in history if isinstance(entry, dict) and {"day", "zone"} <= entry.keys()]
    if days and days[-1]["day"] == day:
        worst = min(days[-1]["zone"], zone, key=lambda z: ZONE_ORDER.index(z) if z in ZONE_ORDER else 0)
        days[-1] = {"day": day, "zone": worst}
    else:
        days.append({"day": day, "zone": zone})
    return days[-HISTORY:]


def _suggest_kanban(status: BufferStatus, loop: KanbanLoop, *, now: datetime.datetime) -> KanbanChange | None:
    if loop.changes.filter(status=KanbanChangeStatus.PROPOSED).exists():
        return None
    # Only the days after the loop's last decision count: a rejected suggestion is not proposed again from the same
    # days at the next (15-minute) evaluation, and an approved one's red days do not ask for yet another card.
    decided = (
        loop.changes.exclude(signed_at=None)
        .order_by("-signed_at")
        .values_list("signed_at", flat=True)
        .first()
    )
    after = timezone.localdate(decided).isoformat() if decided else ""
    zones = [
        entry["zone"]
        for entry in status.zone_history
        if isinstance(entry, dict) and "zone" in entry and str(entry.get("day", "")) > after
    ]
    if len(zones) < HISTORY // 2:
        return None
    red_share = zones.count(BufferZone.RED) / len(zones)
    high_share = (zones.count(BufferZone.GREEN) + zones.count(BufferZone.OVER)) / len(zones)
    if red_share < PERSISTENT_SHARE and high_share < PERSISTENT_SHARE:
        return None
    per_card = float(loop.quantity_per_card)
    cards = max(2, math.ceil(status.top_of_green / per_card)) if per_card > 0 else loop.card_count
    if red_share >= PERSISTENT_SHARE:
        cards = max(cards, loop.card_count + 1)
        why = f"Red on {red_share:.0%} of the last {len(zones)} days"
    else:
        cards = min(cards, loop.card_count - 1)
        why = f"Green or above all day on {high_share:.0%} of the last {len(zones)} days"
    if cards == loop.card_count or cards < 1:
        return None
    return KanbanChange.objects.create(
        loop=loop,
        old_card_count=loop.card_count,
        old_quantity_per_card=loop.quantity_per_card,
        card_count=cards,
        quantity_per_card=loop.quantity_per_card,
        reason=f"{why}; the buffer's top of green is {status.top_of_green:.0f} ({cards} cards of {quantity_said(per_card)}).",
        created_at=now,
    )
