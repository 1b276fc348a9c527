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


def _first_starts(plan) -> dict[PlanJob, datetime.datetime]:
    first: dict[PlanJob, datetime.datetime] = {}
    for slot in plan.slots.select_related("job", "job__work_order").order_by("start"):
        first.setdefault(slot.job, slot.start)
    return first


def test_it_puts_the_first_planned_job_on_the_floor_and_keeps_later_ones_planned(demo_schedule, clock):
    """Whichever work centers the solver chose (a 3-s solve on a busy machine varies): a job is on the floor
    exactly when the released plan starts it on the first working day, and a station shows the difference."""
    plan = selectors.plan_released()
    first = _first_starts(plan)
    monday = datetime.date(2026, 3, 9)
    on_floor = {job for job, start in first.items() if timezone.localtime(start).date() == monday}
    assert on_floor and len(on_floor) < len(first)  # some jobs on the floor, some still planned
    for job, begins in first.items():
        assert (job.work_order is not None) == (job in on_floor), (job.number, begins)
    job = min(on_floor, key=lambda j: j.number)
    order = job.work_order
    assert (order.number, order.barcode, order.part, order.quantity, order.status) == (
        job.number, f"{job.number}-10", job.part, job.quantity, WorkOrderStatus.RELEASED,
    )  # fmt: skip
    # Plex: one work order number with a row per routed operation; the job links its first operation's row.
    assert [o.barcode for o in WorkOrder.objects.filter(number=job.number).order_by("barcode")] == [
        f"{job.number}-10", f"{job.number}-20",
    ]  # fmt: skip

    # A station whose next jobs include a job on the floor: its tile starts the work order.
    stations = {st.work_center_id: st for st in Station.objects.all()}
    slot = next(s for s in plan.slots.order_by("start") if s.job in on_floor and s.work_center_id in stations)
    station = stations[slot.work_center_id]
    clock.move_to(slot.start - datetime.timedelta(minutes=1))
    client = station_client(station, Employee.objects.get(badge_id=PRESS_OPERATOR), PIN)
    row = _rows(client)[slot.job.number]
    floor_order = WorkOrder.objects.get(number=slot.job.number, operation=slot.operation)
    assert 'data-testid="next-job-open"' in row and f'name="code" value="{floor_order.barcode}"' in row

    # A later job at a station: information only.
    later = next(
        s for s in plan.slots.order_by("start") if s.job not in on_floor and s.work_center_id in stations
    )
    clock.move_to(later.start - datetime.timedelta(minutes=1))
    client = station_client(
        stations[later.work_center_id], Employee.objects.get(badge_id=PRESS_OPERATOR), PIN
    )
    rows = _rows(client)
    assert f"Planned job {later.job.number}: not released to the floor yet." in rows[later.job.number]


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
