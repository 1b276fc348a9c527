"""The demo week's near-term jobs are on the floor: the jobs the released plan starts on its first working day are
released work orders (one row per operation, the job's number, barcode `DEMO-001-10`), so a station's "Next jobs"
tile starts them; later jobs stay planned ("not released to the floor yet"). Reloading creates no duplicates."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from instructions.models import Execution, Station, WorkOrder, WorkOrderStatus
from planning import selectors
from planning.models import PlanJob
from plexcopilot.models import Employee
from tests.actors import start, station_client

pytestmark = pytest.mark.django_db

PRESS_OPERATOR, PIN = "100107", "3870"  # demo/plant.toml: Dwayne Porter, press operator


def _rows(client) -> dict[str, str]:
    html = client.get(reverse("station-home")).content.decode()
    return dict(re.findall(r'<li data-testid="next-job" data-job="([^"]+)"[^>]*>(.*?)</li>', html, re.S))


def test_it_puts_the_first_planned_job_on_the_floor_and_keeps_later_ones_planned(demo_schedule, clock):
    station = Station.objects.get(code="ST-PRS-400")
    client = station_client(station, Employee.objects.get(badge_id=PRESS_OPERATOR), PIN)
    first = selectors.next_jobs_for_station(station)[0]
    assert timezone.localtime(first.start).date() == datetime.date(2026, 3, 9)
    assert first.floor_open and first.floor_order.barcode == f"{first.job.number}-10"
    order = first.floor_order
    assert (order.number, order.part, order.operation, order.quantity, order.status) == (
        first.job.number, first.job.part, first.operation, first.job.quantity, WorkOrderStatus.RELEASED,
    )  # fmt: skip
    row = _rows(client)[first.job.number]
    assert 'data-testid="next-job-open"' in row and f'name="code" value="{order.barcode}"' in row
    # Plex: one work order number with a row per routed operation; the job links its first operation's row.
    assert [o.barcode for o in WorkOrder.objects.filter(number=first.job.number)] == [
        f"{first.job.number}-10", f"{first.job.number}-20",
    ]  # fmt: skip
    assert first.job.work_order == order

    second_day = datetime.datetime(2026, 3, 10, tzinfo=first.start.tzinfo)
    later = [s for s in selectors.dispatch_list(station.work_center_id) if s.start >= second_day]
    selectors.slots_floor_orders(later)
    assert later and all(s.floor_order is None and s.job.work_order is None for s in later)
    monday_night = datetime.datetime(
        2026, 3, 9, 22, 30, tzinfo=first.start.tzinfo
    )  # Monday's shifts are over
    clock.move_to(monday_night)
    client = station_client(station, Employee.objects.get(badge_id=PRESS_OPERATOR), PIN)
    rows = _rows(client)
    assert later[0].job.number in rows
    assert f"Planned job {later[0].job.number}: not released to the floor yet." in rows[later[0].job.number]


def test_the_first_bracket_job_starts_at_the_press(demo_schedule):
    """DEMO-001 (BRK-2040, due on the plan's second working day) is pressed on the first: its row for the press
    operation is a barcode the press station accepts, and the run starts on the published instruction."""
    order = WorkOrder.objects.get(barcode="DEMO-001-10")
    client = station_client(
        Station.objects.get(code="ST-PRS-400"), Employee.objects.get(badge_id=PRESS_OPERATOR), PIN
    )
    assert "/station/" in start(client, order.barcode)
    assert (
        Execution.objects.get(work_order=order).version == order.operation.instructions.get().current_version
    )


def test_a_released_job_without_a_work_instruction_says_so_at_the_station(demo_schedule):
    """The bracket variants (BRK-2041, BRK-2060) have no published work instruction: Plex releases their jobs
    all the same, and the scan tells the operator to call the supervisor instead of starting a run."""
    from planning.demo import _floor_release

    assert demo_schedule["jobs on the floor"] == PlanJob.objects.filter(work_order__isnull=False).count()
    # Whether the solver starts a variant on the first day varies; released over the whole week, one is there.
    _floor_release(selectors.plan_released(), until=timezone.now() + datetime.timedelta(days=30))
    order = WorkOrder.objects.select_related("operation").get(barcode="DEMO-002-10")  # BRK-2041, press
    assert order.part.number == "BRK-2041"
    station = Station.objects.get(code="ST-PRS-400", work_center=order.operation.work_center)
    client = station_client(station, Employee.objects.get(badge_id=PRESS_OPERATOR), PIN)
    response = client.post(reverse("station-scan"), {"code": order.barcode}, follow=True)
    assert f"There is no released work instruction for {order.part} op {order.operation.sequence}." in (
        response.content.decode()
    )
    assert not Execution.objects.filter(work_order=order).exists()


def test_it_creates_no_duplicates_on_reload_and_keeps_a_work_order_the_floor_used(demo_schedule):
    from planning.demo import demo_schedule_load

    before = sorted(WorkOrder.objects.values_list("barcode", flat=True))
    used = WorkOrder.objects.get(barcode="DEMO-001-10")
    Execution.objects.create(work_order=used, version=used.operation.instructions.get().current_version,
                             started_by=Employee.objects.get(badge_id=PRESS_OPERATOR),
                             operator=Employee.objects.get(badge_id=PRESS_OPERATOR))  # fmt: skip
    WorkOrder.objects.filter(pk=used.pk).update(status=WorkOrderStatus.IN_PROGRESS)

    demo_schedule_load(time_limit=3)

    # Each job on the floor has one row per operation (the solver's new plan may put other jobs on the first
    # day), plus the used row, and no other demo row is left behind.
    linked = PlanJob.objects.filter(work_order__isnull=False).values_list("number", flat=True)
    expected = {f"{n}-{seq}" for n in linked for seq in (10, 20)} | {"DEMO-001-10"}
    assert (
        set(WorkOrder.objects.filter(number__startswith="DEMO-").values_list("barcode", flat=True))
        == expected
    )
    assert set(WorkOrder.objects.exclude(number__startswith="DEMO-").values_list("barcode", flat=True)) == {
        b for b in before if not b.startswith("DEMO-")
    }
    kept = WorkOrder.objects.get(barcode="DEMO-001-10")
    assert kept.pk == used.pk and kept.status == WorkOrderStatus.IN_PROGRESS
    assert PlanJob.objects.get(number="DEMO-001").work_order == kept
