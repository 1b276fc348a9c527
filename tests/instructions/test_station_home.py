"""The station home's open work: what can be started is a tile to tap, what has no released instruction says so."""

import pytest

from instructions.models import Operation, Part, WorkOrder
from tests.actors import station_client

pytestmark = pytest.mark.django_db


def test_a_work_order_without_a_released_instruction_is_listed_as_waiting_for_one_not_as_a_tile_to_tap(plant):
    """Three of the demo's five open work orders at PRS-400 only said 'no released work instruction' after a tap
    (walkthrough finding)."""
    part = Part.objects.create(number="BRK-2041", revision="A", name="Bracket, left")
    operation = Operation.objects.create(
        part=part, sequence=10, name="Stamp", work_center=plant.station.work_center
    )
    WorkOrder.objects.create(number="WO-9", barcode="WO-9-10", part=part, operation=operation, quantity=5)
    page = station_client(plant.station, plant.certified).get("/station/home/").content.decode()
    waiting = page[page.index('data-testid="work-order-not-startable"') :]
    waiting = waiting[: waiting.index("</li>")]
    assert "WO-9-10" in waiting and "There is no released work instruction for BRK-2041" in waiting
    assert 'value="WO-9-10"' not in page  # no form to tap
    assert 'name="code" value="WO-1-10"' in page  # the one with its instruction is still a tile to tap
