"""Materials from Plex: BOM components (engineering/v1/boms, per part) and inventory containers
(inventory/v1/inventory-tracking/containers) at the line-side locations plexcopilot knows; they replace the local
receipts of deliveries confirmed on the desk."""

import datetime
from decimal import Decimal
from typing import Any

from instructions.models import Operation, Part
from materials.models import RECEIPT_LOT_PREFIX, BomLine, Component, LineSideLocation, Lot
from plex.client import PlexClient
from plex.models import SyncState
from plex.sync_records import Context, Malformed, read_number, read_text, record_list, records_apply
from plexcopilot import events


def fetch_boms(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
    return {
        part_id: client.get("engineering/v1/boms", params={"partId": part_id})
        for part_id in Part.objects.exclude(plex_part_id="").values_list("plex_part_id", flat=True)
    }


def fetch_containers(client: PlexClient, state: SyncState, now: datetime.datetime) -> Any:
    return client.get("inventory/v1/inventory-tracking/containers")


def apply_boms(body: Any, ctx: Context) -> None:
    for part_plex_id, records in body.items():
        part = Part.objects.filter(plex_part_id=part_plex_id).first()
        if part is None:
            continue

        def apply(rec: dict[str, Any], part: Part = part) -> None:
            component_id = read_text(rec, "componentPartId", max_len=64) or read_text(
                rec, "componentSupplyItemId", max_len=64
            )
            number = read_text(rec, "componentPartNumber", max_len=40) or read_text(
                rec, "componentSupplyItemNumber", max_len=40
            )
            if not component_id or not number:
                raise Malformed("componentPartId / componentPartNumber missing")
            quantity = read_number(rec, "quantity")
            if quantity is None or quantity <= 0:
                raise Malformed("quantity should be a positive number")
            component = Component.objects.filter(plex_part_id=component_id).first()
            component = (
                component or Component.objects.filter(number=number).first() or Component(number=number)
            )
            component.plex_part_id = component_id
            component.name = component.name or number
            component.unit = read_text(rec, "componentUnitOfMeasure", max_len=12) or component.unit or "ea"
            component.save()
            if rec.get("active") is False:
                BomLine.objects.filter(part=part, component=component).delete()
                return
            operation = (
                Operation.objects.filter(
                    plex_operation_id=read_text(rec, "partOperationId", max_len=64) or "-"
                ).first()
                or Operation.objects.filter(part=part, sequence=rec.get("partOperationNumber") or -1).first()
            )
            BomLine.objects.update_or_create(
                part=part,
                component=component,
                defaults={"quantity_per": quantity, "operation": operation, "plex_bom_id": rec["id"]},
            )

        records_apply(ctx, "bom", record_list(records, "boms"), "id", apply)


def apply_containers(body: Any, ctx: Context) -> None:
    """Containers at known line-side locations become lots; lots whose container is gone are removed. INVENTORY_SYNCED
    is announced only when stock moved (a lot came, went or changed quantity, place or lot number): Plex is synced
    every few minutes and mostly says the same, and each announcement queues a materials evaluation."""
    records = record_list(body, "containers")
    locations = {}
    for location in LineSideLocation.objects.exclude(plex_location=""):
        locations[location.plex_location] = location
    seen: set[str] = set()
    moved = False

    def apply(rec: dict[str, Any]) -> None:
        nonlocal moved
        location = locations.get(read_text(rec, "locationId", max_len=64)) or locations.get(
            read_text(rec, "location", max_len=64)
        )
        component = Component.objects.filter(plex_part_id=read_text(rec, "partId", max_len=64) or "-").first()
        if location is None or component is None:
            return  # not line-side, or not a component we track
        quantity = read_number(rec, "quantity")
        if quantity is None or quantity < 0:
            raise Malformed("quantity should be a number >= 0")
        serial = rec["serialNo"]
        seen.add(serial)
        lot_number = read_text(rec, "lotNo", max_len=60) or serial
        lot = Lot.objects.filter(plex_container_id=serial).first()
        kept = quantity.quantize(Decimal("0.001"))  # as the lot stores it: Plex may send more decimals
        plex_says = (component.pk, location.pk, lot_number, kept)
        if lot is None or (lot.component_id, lot.location_id, lot.lot_number, lot.quantity) != plex_says:
            moved = True
        Lot.objects.update_or_create(
            plex_container_id=serial,
            defaults={
                "component": component,
                "location": location,
                "lot_number": lot_number,
                "quantity": kept,
                "updated_at": ctx.now,
            },
        )

    records_apply(ctx, "container", records, "serialNo", apply)
    seen |= {r["serialNo"] for r in records if isinstance(r, dict) and isinstance(r.get("serialNo"), str)}
    gone, _ = Lot.objects.exclude(plex_container_id="").exclude(plex_container_id__in=seen).delete()
    # Plex is the truth for the racks it knows: a delivery confirmed on the desk before this sync started is in
    # Plex's containers by now (or Plex says it is not there), so its local receipt goes and is never counted twice.
    # One confirmed since may be missing from this answer: it stays until the next sync (docs/materials.md).
    replaced, _ = Lot.objects.filter(
        plex_container_id="",
        lot_number__startswith=RECEIPT_LOT_PREFIX,
        location__in=list(locations.values()),
        updated_at__lte=ctx.now,
    ).delete()
    if moved or gone or replaced:
        events.publish(events.INVENTORY_SYNCED, locations=len(locations))  # materials re-evaluates shortly
