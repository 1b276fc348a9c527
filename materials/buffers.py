"""Demand-driven buffers per component and line-side location, the call-offs they draft, kanban size suggestions.

Zones (docs/materials.md), with ADU the average daily usage, DLT the lead time in days, LTF the lead-time factor
and VF the variability factor:
  yellow = ADU x DLT
  red    = ADU x DLT x LTF x (1 + VF)
  green  = max(ADU x DLT x LTF, ADU x order cycle, minimum order / card quantity)
Net flow = on hand + open supply - qualified demand (scheduled demand due within the next day, plus later
spikes within the lead time larger than half the red zone). Net flow <= top of yellow drafts a call-off up to the
top of green (rounded up to whole cards). A loop in red (or over green) in most of the last evaluations gets a
card-count suggestion, applied only with a supervisor's signature.
"""

import datetime
import math
from collections import defaultdict

from django.db import transaction
from django.db.models import Sum

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
    SupplyStatus,
)
from materials.shortages import lead_hours

ORDER_CYCLE_DAYS = 1.0
HISTORY = 10  # evaluations kept per buffer for the persistence rule
PERSISTENT_SHARE = 0.7


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


def buffers_evaluate(*, now: datetime.datetime) -> list[BufferStatus]:
    """Recompute every buffer (places with a loop, lots or demand), draft call-offs, suggest kanban changes."""
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
    loops = {(loop.component_id, loop.location_id): loop for loop in KanbanLoop.objects.all()}
    places = sorted(set(by_place) | set(stock) | set(loops))
    components = Component.objects.in_bulk({c for c, _ in places})
    locations = LineSideLocation.objects.in_bulk({loc for _, loc in places})
    results = []
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
            status.zone_history = [*status.zone_history, zone][-HISTORY:]
            status.save()
            if zone in (BufferZone.RED, BufferZone.YELLOW) and adu > 0:
                _draft_call_off(status, card=card, now=now)
            if loop is not None:
                _suggest_kanban(status, loop, now=now)
            results.append(status)
    return results


def _draft_call_off(status: BufferStatus, *, card: float, now: datetime.datetime) -> CallOff | None:
    """One open call-off per place at a time (no new request every day while one is on its way)."""
    open_ = CallOff.objects.filter(
        component_id=status.component_id,
        location_id=status.location_id,
        status__in=[CallOffStatus.DRAFT, CallOffStatus.REQUESTED],
    )
    if open_.exists():
        return None
    quantity = status.top_of_green - status.net_flow
    if card > 0:
        quantity = math.ceil(quantity / card) * card
    from materials.models import ShortageAlert  # the open alert for this place, when there is one

    alert = ShortageAlert.objects.filter(
        component_id=status.component_id, location_id=status.location_id, status="open"
    ).first()
    return CallOff.objects.create(
        component_id=status.component_id,
        location_id=status.location_id,
        quantity=round(quantity, 3),
        reason=f"Net flow {status.net_flow:.0f} in {status.get_zone_display().lower()} "
        f"(top of yellow {status.red + status.yellow:.0f}); up to top of green {status.top_of_green:.0f}",
        needed_by=alert.shortage_at if alert else now + datetime.timedelta(days=status.lead_days),
        created_at=now,
        shortage=alert,
    )


def _suggest_kanban(status: BufferStatus, loop: KanbanLoop, *, now: datetime.datetime) -> KanbanChange | None:
    history = status.zone_history
    if len(history) < HISTORY // 2 or loop.changes.filter(status=KanbanChangeStatus.PROPOSED).exists():
        return None
    red_share = history.count(BufferZone.RED) / len(history)
    high_share = (history.count(BufferZone.GREEN) + history.count(BufferZone.OVER)) / len(history)
    if red_share < PERSISTENT_SHARE and high_share < PERSISTENT_SHARE:
        return None
    per_card = float(loop.quantity_per_card)
    cards = max(2, math.ceil(status.top_of_green / per_card)) if per_card > 0 else loop.card_count
    if red_share >= PERSISTENT_SHARE:
        cards = max(cards, loop.card_count + 1)
        why = f"Red in {red_share:.0%} of the last {len(history)} evaluations"
    else:
        cards = min(cards, loop.card_count - 1)
        why = f"Green or above in {high_share:.0%} of the last {len(history)} evaluations"
    if cards == loop.card_count or cards < 1:
        return None
    return KanbanChange.objects.create(
        loop=loop,
        old_card_count=loop.card_count,
        old_quantity_per_card=loop.quantity_per_card,
        card_count=cards,
        quantity_per_card=loop.quantity_per_card,
        reason=f"{why}; the buffer's top of green is {status.top_of_green:.0f} ({cards} cards of {per_card:g}).",
        created_at=now,
    )
