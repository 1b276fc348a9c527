"""Line-side consumption recorded from the station's close-out (PRODUCTION_RECORDED): good + scrap parts × the
BOM lines of that operation are issued from the work center's line-side lots and kept as history for the ADU."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from instructions.models import ProductionReport
from materials.demand import _locations
from materials.models import BomLine, Consumption, Lot


def produced(work_order_id: int) -> int:
    """Parts reported (good + scrap) on a work order so far."""
    totals = ProductionReport.objects.filter(work_order_id=work_order_id).aggregate(
        g=Sum("good"), s=Sum("scrap")
    )
    return int((totals["g"] or 0) + (totals["s"] or 0))


def on_production_recorded(*, report_id: int, **_: Any) -> None:
    report = ProductionReport.objects.select_related("work_order__operation").filter(pk=report_id).first()
    if report is None:
        return
    order = report.work_order
    parts = report.good + report.scrap
    lines = BomLine.objects.filter(part_id=order.part_id)
    first = order.part.operations.order_by("sequence").values_list("pk", flat=True).first()
    locations = _locations()
    center = order.operation.work_center_id
    with transaction.atomic():
        for line in lines:
            consumed_here = (
                line.operation_id == order.operation_id if line.operation_id else order.operation_id == first
            )
            location = locations.get((center, line.component_id)) or locations.get((center, None))
            if not consumed_here or location is None or parts <= 0:
                continue
            quantity = line.quantity_per * parts
            Consumption.objects.create(
                component_id=line.component_id, location_id=location, quantity=quantity, at=report.created_at,
                work_order=order,
            )  # fmt: skip
            _issue(component_id=line.component_id, location_id=location, quantity=quantity)


def _issue(*, component_id: int, location_id: int, quantity: Decimal) -> None:
    """Take `quantity` off the location's lots, oldest lot number first, never below zero."""
    left = quantity
    for lot in (
        Lot.objects.select_for_update(no_key=True)
        .filter(component_id=component_id, location_id=location_id, quantity__gt=0)
        .order_by("lot_number")
    ):
        take = min(lot.quantity, left)
        Lot.objects.filter(pk=lot.pk).update(quantity=lot.quantity - take)
        left -= take
        if left <= 0:
            break
