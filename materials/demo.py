"""Demo materials for Northfield Plant 2: components on the demo parts' BOMs, line-side racks, stock, kanban
loops, four weeks of consumption, and a material handler. The M10 weld nut at the projection welder runs out in
the second shift from `now` (its stock covers the welder's scheduled draw until an hour into its first run after
9 hours: with the work orders alone, WO-24117-20 then WO-24123-20 at 200 brackets/h, one nut each)."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from instructions.demo import DESK_PASSWORD
from instructions.models import Operation, Part, WorkCenter
from materials.demand import component_needs
from materials.models import (
    BomLine,
    Component,
    Consumption,
    KanbanLoop,
    LineSideLocation,
    Lot,
    RunRate,
)
from materials.tasks import materials_evaluate_now
from plexcopilot.models import Employee
from plexcopilot.roles import MATERIAL_HANDLER

HANDLER_BADGE = "500501"
HANDLER_PIN = "7712"

# number, name, unit, unit cost, supplier lead hours, consumed by (part, operation), quantity per part
COMPONENTS = [
    ("CL-420-30", "HSLA 420 coil 3.0 mm", "kg", "1.35", 120, ("BRK-2040", 10), "0.42"),
    ("NUT-M10-WP", "M10x1.25 weld nut, projection", "ea", "0.06", 0, ("BRK-2040", 20), "1"),
    ("CST-3315", "A380 housing casting", "ea", "7.80", 72, ("HSG-3315", 10), "1"),
    ("PLG-M12-OR", "M12x1.5 drain plug with O-ring", "ea", "0.45", 48, ("HSG-3315", 20), "1"),
    ("BLT-M8-PV", "M8 pivot bolt", "ea", "0.22", 48, ("ASM-7730", 20), "1"),
]
# work center, on hand, transit hours, (cards, per card) or None
PLACES = {
    "CL-420-30": ("PRS-400", 14000, 8, None),
    "NUT-M10-WP": ("WLD-PW2", 3000, 4, (8, 500)),
    "CST-3315": ("MCH-VM2", 3800, 4, None),
    "PLG-M12-OR": ("INS-LT1", 4000, 2, (6, 500)),
    "BLT-M8-PV": ("ASM-L1", 3000, 2, (6, 400)),
}
RATES = {("BRK-2040", 10): 400, ("BRK-2040", 20): 200, ("HSG-3315", 10): 40, ("HSG-3315", 20): 60,
         ("ASM-7730", 10): 30, ("ASM-7730", 20): 40}  # fmt: skip


def demo_materials_load(*, now: datetime.datetime) -> dict[str, int]:
    """Create or refresh the demo materials (idempotent), then predict shortages and evaluate buffers at `now`."""
    rng = random.Random(16)
    with transaction.atomic():
        for (part_number, sequence), rate in RATES.items():
            operation = Operation.objects.get(part__number=part_number, sequence=sequence)
            RunRate.objects.update_or_create(operation=operation, defaults={"units_per_hour": rate})
        for number, name, unit, cost, lead, (part_number, sequence), per in COMPONENTS:
            component, _ = Component.objects.update_or_create(
                number=number,
                defaults={"name": name, "unit": unit, "unit_cost": Decimal(cost), "supplier_lead_hours": lead,
                          "supplier": "Warehouse" if lead == 0 else "Northfield purchasing"},
            )  # fmt: skip
            part = Part.objects.get(number=part_number)
            operation = Operation.objects.get(part=part, sequence=sequence)
            BomLine.objects.update_or_create(
                part=part,
                component=component,
                defaults={"quantity_per": Decimal(per), "operation": operation},
            )
            center_code, on_hand, transit, loop = PLACES[number]
            center = WorkCenter.objects.get(code=center_code)
            location, _ = LineSideLocation.objects.update_or_create(
                code=f"LS-{center_code}",
                defaults={"work_center": center, "name": f"Line-side rack at {center_code}",
                          "transit_hours": transit},
            )  # fmt: skip
            Lot.objects.update_or_create(
                component=component, location=location, lot_number=f"{number}-L1",
                defaults={"quantity": Decimal(on_hand), "updated_at": now},
            )  # fmt: skip
            if loop is not None:
                KanbanLoop.objects.update_or_create(
                    component=component, location=location,
                    defaults={"card_count": loop[0], "quantity_per_card": Decimal(loop[1])},
                )  # fmt: skip
            if not Consumption.objects.filter(component=component, location=location).exists():
                daily = RATES[(part_number, sequence)] * 14 * float(per)  # two shifts a day, some idle time
                Consumption.objects.bulk_create(
                    Consumption(component=component, location=location,
                                quantity=Decimal(round(daily * rng.uniform(0.6, 1.3), 1)),
                                at=now - datetime.timedelta(days=day, hours=rng.uniform(1, 10)))
                    for day in range(1, 29) if rng.random() < 0.9
                )  # fmt: skip
        _handler()
        _nut_runs_out_in_the_second_shift(now)
    alerts, buffers = materials_evaluate_now(now=now)
    return {"components": len(COMPONENTS), "alerts": alerts, "buffers": buffers}


def _nut_runs_out_in_the_second_shift(now: datetime.datetime) -> None:
    """Whatever schedule drives demand (planning's released plan, else the work orders), stock the weld nut so it
    runs out during the first welder run going on 9 hours from now: in the second shift, past its lead time."""
    nut = Component.objects.get(number="NUT-M10-WP")
    needs = sorted((n for n in component_needs(now) if n.component_id == nut.pk), key=lambda n: n.start)
    soonest = now + datetime.timedelta(hours=9)
    running = next((n for n in needs if n.end > soonest and n.quantity > 0), None)
    if running is None:
        return  # nothing scheduled at the welder after the first shift: keep the stock as listed
    begin = max(running.start, soonest)
    out_at = begin + min(datetime.timedelta(hours=1), (running.end - begin) / 2)
    drawn = sum(need.consumed_by(out_at) - need.consumed_by(now) for need in needs)
    Lot.objects.filter(component=nut, lot_number="NUT-M10-WP-L1").update(quantity=Decimal(int(drawn)))


def _handler() -> Employee:
    user, created = get_user_model().objects.get_or_create(
        username=HANDLER_BADGE, defaults={"first_name": "Owen", "last_name": "Brandt"}
    )
    if created:
        user.set_password(DESK_PASSWORD)
        user.save()
    employee = Employee.objects.filter(badge_id=HANDLER_BADGE).first()
    if employee is None:
        employee = Employee(badge_id=HANDLER_BADGE, user=user)
        employee.set_pin(HANDLER_PIN)
    employee.first_name, employee.last_name, employee.role = "Owen", "Brandt", MATERIAL_HANDLER
    employee.save()
    return employee
