import datetime

import pytest

from instructions.models import WorkOrder
from materials.buffers import buffers_evaluate, zones
from materials.models import (
    BufferStatus,
    BufferZone,
    CallOff,
    CallOffStatus,
    Component,
    LineSideLocation,
    ShortageAlert,
)
from materials.shortages import shortages_predict
from plexcopilot import events
from tests.materials.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_demo_shortage_is_predicted_two_shifts_ahead_and_at_least_one_lead_time_early(demo_materials):
    alert = ShortageAlert.objects.get(status="open")
    assert alert.component.number == "NUT-M10-WP"
    assert alert.location.code == "LS-WLD-PW2"
    ahead = alert.shortage_at - NOW
    assert datetime.timedelta(hours=8) <= ahead < datetime.timedelta(hours=16)  # in the second shift from now
    assert ahead >= datetime.timedelta(hours=alert.lead_hours)
    # WO-24117-20 (1200) then WO-24123-20 (2400) at 200/h, stock for 10 h of draw (2000 nuts): out after 10 h,
    # stopping WO-24123-20, 1600 short by its end.
    assert ahead == pytest.approx(datetime.timedelta(hours=10), abs=datetime.timedelta(minutes=1))
    assert [wo.barcode for wo in alert.work_orders.all()] == ["WO-24123-20"]
    assert alert.jobs == ["WO-24123"]
    assert alert.shortfall == pytest.approx(1600)


def test_the_shortage_is_announced_once_for_planning(clock, demo_plant, django_capture_on_commit_callbacks):
    from materials.demo import demo_materials_load

    heard = []

    def listener(**payload):
        heard.append(payload)

    events.subscribe(events.MATERIAL_SHORTAGE_PREDICTED, listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            demo_materials_load(now=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            shortages_predict(
                now=NOW + datetime.timedelta(minutes=10)
            )  # same shortage: no second announcement
    finally:
        events._subscribers[events.MATERIAL_SHORTAGE_PREDICTED].remove(listener)
    assert len(heard) == 1
    assert heard[0]["work_order_id"] == WorkOrder.objects.get(barcode="WO-24123-20").pk
    assert heard[0]["job_number"] == "WO-24123"
    assert heard[0]["lead_hours"] == 4
    assert heard[0]["available_at"] == (NOW + datetime.timedelta(hours=4)).isoformat()


def test_a_call_off_is_drafted_when_net_flow_is_at_or_below_the_top_of_yellow(demo_materials):
    nut = BufferStatus.objects.get(component__number="NUT-M10-WP")
    assert nut.net_flow <= nut.red + nut.yellow
    assert nut.zone in (BufferZone.RED, BufferZone.YELLOW)
    call = CallOff.objects.get(component__number="NUT-M10-WP")
    assert call.status == CallOffStatus.DRAFT
    assert call.shortage is not None
    assert float(call.quantity) % 500 == 0  # whole kanban cards
    assert float(call.quantity) >= nut.top_of_green - nut.net_flow
    # Evaluating again does not draft a second request while one is open.
    buffers_evaluate(now=NOW + datetime.timedelta(hours=1))
    assert CallOff.objects.filter(component__number="NUT-M10-WP").count() == 1


def test_no_shortage_no_alert_and_resolved_when_supply_arrives(demo_materials):
    from materials.models import OpenSupply

    nut = Component.objects.get(number="NUT-M10-WP")
    rack = LineSideLocation.objects.get(code="LS-WLD-PW2")
    OpenSupply.objects.create(
        component=nut, location=rack, quantity=1700, eta=NOW + datetime.timedelta(hours=5)
    )
    shortages_predict(now=NOW)
    assert ShortageAlert.objects.get(component=nut).status == "resolved"


def test_it_announces_a_resolved_shortage_once_for_planning(
    demo_materials, django_capture_on_commit_callbacks
):
    from materials.models import OpenSupply

    alert = ShortageAlert.objects.get(status="open", component__number="NUT-M10-WP")
    heard = []

    def listener(**payload):
        heard.append(payload)

    events.subscribe(events.MATERIAL_SHORTAGE_RESOLVED, listener)
    try:
        OpenSupply.objects.create(component=alert.component, location=alert.location, quantity=1700,
                                  eta=NOW + datetime.timedelta(hours=5))  # fmt: skip
        later = NOW + datetime.timedelta(minutes=20)
        with django_capture_on_commit_callbacks(execute=True):
            shortages_predict(now=later)
        with django_capture_on_commit_callbacks(execute=True):
            shortages_predict(now=later)  # already resolved: not announced again
    finally:
        events._subscribers[events.MATERIAL_SHORTAGE_RESOLVED].remove(listener)
    assert heard == [
        {
            "alert_id": alert.pk,
            "component_id": alert.component_id,
            "component": "NUT-M10-WP",
            "location_id": alert.location_id,
            "location": "LS-WLD-PW2",
            "job_numbers": ["WO-24123"],
            "resolved_at": later.isoformat(),
        }
    ]


def test_planned_jobs_without_work_orders_drive_demand_too(clock, demo_plant):
    """With planning's released plan (its own demo jobs), the shortage names the planned jobs."""
    from materials.demo import demo_materials_load
    from planning.demo import demo_schedule_load

    demo_schedule_load(now=NOW, time_limit=4)
    demo_materials_load(now=NOW)
    alert = ShortageAlert.objects.get(status="open", component__number="NUT-M10-WP")
    ahead = alert.shortage_at - NOW
    assert ahead >= datetime.timedelta(
        hours=alert.lead_hours
    )  # when exactly depends on the time-limited plan
    assert alert.jobs and all(job.startswith("DEMO-") for job in alert.jobs)


def test_a_planned_job_released_to_the_floor_is_counted_once(clock, demo_plant):
    """The demo's first-day jobs are work orders on the floor too (one row per operation, the job's number):
    demand still counts each planned operation once, as its slot, and names the work order it runs as."""
    from materials.demand import scheduled_runs
    from planning.demo import demo_schedule_load
    from planning.selectors import plan_released

    demo_schedule_load(now=NOW, time_limit=2)
    runs = scheduled_runs(NOW)
    slots = plan_released().slots.filter(end__gt=NOW, job__open=True).select_related("job")
    assert sorted((r.label, r.operation.pk) for r in runs) == sorted(
        (s.job.number, s.operation_id) for s in slots
    )
    on_floor = [r for r in runs if r.work_order is not None]
    assert on_floor and all(
        (r.work_order.number, r.work_order.operation) == (r.label, r.operation) for r in on_floor
    )


def test_zone_formula():
    red, yellow, green = zones(adu=100, lead_days=2, cv=0.3, minimum_order=50)
    assert yellow == pytest.approx(200)
    assert red == pytest.approx(200 * 0.4 * 1.25)
    assert green == pytest.approx(100)  # max(200 x 0.4, 100 x 1 day, 50)
