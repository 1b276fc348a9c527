"""Shortage prediction: each component's projected line-side position over the next shifts, and an alert raised
while there is still at least one replenishment lead time left, naming the jobs the shortage would stop."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from instructions.models import WorkOrder
from materials.demand import Need, component_needs, shift_hours
from materials.models import (
    AlertStatus,
    Component,
    LineSideLocation,
    Lot,
    OpenSupply,
    ShortageAlert,
    SupplyStatus,
)
from plexcopilot import events


@dataclass
class Projection:
    component_id: int
    location_id: int
    on_hand: float
    lead_hours: float
    points: list[tuple[datetime.datetime, float]] = field(default_factory=list)
    shortage_at: datetime.datetime | None = None
    shortfall: float = 0.0
    stopped: list[str] = field(default_factory=list)  # jobs (numbers) it would stop
    stopped_orders: list[WorkOrder] = field(default_factory=list)


def lead_hours(component: Component, location: LineSideLocation) -> float:
    """Replenishment lead time of a line-side location: supplier lead time + warehouse-to-line transit."""
    return float(component.supplier_lead_hours + location.transit_hours)


def horizon_shifts() -> int:
    return int(getattr(settings, "MATERIALS_HORIZON_SHIFTS", 6))


def project(
    *,
    component: Component,
    location: LineSideLocation,
    now: datetime.datetime,
    needs: list[Need],
    on_hand: float,
    supplies: list[tuple[datetime.datetime, float]],
    step_hours: float = 1.0,
) -> Projection:
    """Position hour by hour = on hand + supply arrived by then - consumption by then. The horizon is N shifts,
    stretched to the lead time plus one shift so a shortage is always seen at least one lead time ahead."""
    lead = lead_hours(component, location)
    hours = max(horizon_shifts() * shift_hours(), lead + shift_hours())
    projection = Projection(component.pk, location.pk, on_hand, lead)
    steps = int(hours / step_hours) + 1
    for index in range(steps + 1):
        moment = now + datetime.timedelta(hours=index * step_hours)
        arrived = sum(quantity for eta, quantity in supplies if eta <= moment)
        used = sum(need.consumed_by(moment) for need in needs)
        position = on_hand + arrived - used
        projection.points.append((moment, position))
        if position < -1e-9 and projection.shortage_at is None:
            projection.shortage_at = _crossing(projection.points, step_hours)
    if projection.shortage_at is not None:
        projection.shortfall = max(0.0, -min(position for _, position in projection.points))
        cut = projection.shortage_at
        hit = [need for need in needs if need.end > cut and need.quantity > 0]
        projection.stopped = sorted({need.label for need in hit})
        projection.stopped_orders = sorted(
            {need.work_order for need in hit if need.work_order is not None}, key=lambda o: o.barcode
        )
    return projection


def _crossing(points: list[tuple[datetime.datetime, float]], step_hours: float) -> datetime.datetime:
    """When the position crosses zero between the last two points (linear between hourly points)."""
    if len(points) < 2:
        return points[-1][0]
    (t0, p0), (_t1, p1) = points[-2], points[-1]
    share = p0 / (p0 - p1) if p0 > 0 and p0 != p1 else 0.0
    return t0 + datetime.timedelta(hours=step_hours * share)


def projections(now: datetime.datetime) -> list[Projection]:
    """Every component at every location that stocks or will consume it."""
    needs = component_needs(now)
    by_place: dict[tuple[int, int], list[Need]] = defaultdict(list)
    for need in needs:
        by_place[(need.component_id, need.location_id)].append(need)
    stock = {
        (row["component_id"], row["location_id"]): float(row["total"] or 0)
        for row in Lot.objects.values("component_id", "location_id").annotate(total=Sum("quantity"))
    }
    incoming: dict[tuple[int, int], list[tuple[datetime.datetime, float]]] = defaultdict(list)
    for supply in OpenSupply.objects.filter(status=SupplyStatus.OPEN):
        incoming[(supply.component_id, supply.location_id)].append((supply.eta, float(supply.quantity)))
    places = set(by_place) | set(stock)
    components = Component.objects.in_bulk({c for c, _ in places})
    locations = LineSideLocation.objects.in_bulk({loc for _, loc in places})
    return [
        project(
            component=components[c],
            location=locations[loc],
            now=now,
            needs=by_place.get((c, loc), []),
            on_hand=stock.get((c, loc), 0.0),
            supplies=incoming.get((c, loc), []),
        )
        for c, loc in sorted(places)
    ]


def shortages_predict(*, now: datetime.datetime) -> list[ShortageAlert]:
    """Open, move or resolve shortage alerts; announce MATERIAL_SHORTAGE_PREDICTED for new or earlier ones and
    MATERIAL_SHORTAGE_RESOLVED for each alert no longer predicted."""
    raised = []
    with transaction.atomic():
        seen = set()
        for projection in projections(now):
            place = (projection.component_id, projection.location_id)
            alert = ShortageAlert.objects.filter(
                component_id=place[0], location_id=place[1], status=AlertStatus.OPEN
            ).first()
            if projection.shortage_at is None:
                continue
            seen.add(place)
            announce = alert is None or projection.shortage_at < alert.shortage_at - datetime.timedelta(
                minutes=30
            )
            if alert is None:
                alert = ShortageAlert(component_id=place[0], location_id=place[1])
            alert.predicted_at = now
            alert.shortage_at = projection.shortage_at
            alert.lead_hours = projection.lead_hours
            alert.shortfall = round(projection.shortfall, 3)
            alert.jobs = projection.stopped
            alert.save()
            alert.work_orders.set(projection.stopped_orders)
            raised.append(alert)
            if announce:
                # One announcement per job it would stop: planning holds the job until the material can be there
                # (now + the replenishment lead time) and builds what-if scenarios.
                available = now + datetime.timedelta(hours=projection.lead_hours)
                orders = {order.number: order for order in projection.stopped_orders}
                for job in projection.stopped:
                    events.publish(
                        events.MATERIAL_SHORTAGE_PREDICTED,
                        alert_id=alert.pk,
                        component_id=place[0],
                        location_id=place[1],
                        shortage_at=projection.shortage_at.isoformat(),
                        available_at=available.isoformat(),
                        lead_hours=projection.lead_hours,
                        job_number=job,
                        work_order_id=orders[job].pk if job in orders else None,
                    )
        for alert in ShortageAlert.objects.filter(status=AlertStatus.OPEN).select_related(
            "component", "location"
        ):
            if (alert.component_id, alert.location_id) not in seen:
                alert.status = AlertStatus.RESOLVED
                alert.save(update_fields=["status"])
                # Planning withdraws the what-ifs this shortage raised: they answer a problem that is gone.
                events.publish(
                    events.MATERIAL_SHORTAGE_RESOLVED,
                    alert_id=alert.pk,
                    component_id=alert.component_id,
                    component=alert.component.number,
                    location_id=alert.location_id,
                    location=alert.location.code,
                    job_numbers=list(alert.jobs),
                    resolved_at=now.isoformat(),
                )
    return raised
