"""A station close-out issues material: good + scrap × BOM from the work center's line-side lots, kept as history,
and the work order's remaining quantity (not its whole quantity) drives demand."""

import pytest

from materials.demand import component_needs
from materials.models import BomLine, Component, Consumption, LineSideLocation, Lot
from tests.actors import station_client
from tests.instructions.test_closeout import finish_run
from tests.materials.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)  # PRODUCTION_RECORDED is delivered on commit


def test_a_close_out_issues_material_and_lowers_the_remaining_demand(clock, plant):
    # clock first: the plant's certifications are dated from the instant the plant is built.
    order = plant.work_order
    rod = Component.objects.create(number="ROD-8", name="Steel rod 8 mm", unit="ea")
    BomLine.objects.create(part=order.part, component=rod, quantity_per=2, operation=order.operation)
    rack = LineSideLocation.objects.create(work_center=order.operation.work_center, code="LS-1")
    Lot.objects.create(component=rod, location=rack, lot_number="A", quantity=100, updated_at=NOW)
    Lot.objects.create(component=rod, location=rack, lot_number="B", quantity=500, updated_at=NOW)
    before = sum(n.quantity for n in component_needs(NOW))

    client = station_client(plant.station, plant.expert)
    _url, execution = finish_run(client)
    client.post(
        f"/station/run/{execution.pk}/closeout/", {"good": "58", "scrap": "2", "scrap_reason": "split"}
    )

    issued = Consumption.objects.get()
    assert (issued.component, issued.location, issued.quantity, issued.work_order) == (rod, rack, 120, order)
    assert [float(q) for q in Lot.objects.order_by("lot_number").values_list("quantity", flat=True)] == [
        0,
        480,
    ]
    after = sum(n.quantity for n in component_needs(NOW))
    assert before - after == pytest.approx(120)
