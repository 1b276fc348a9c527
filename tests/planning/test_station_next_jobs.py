"""The station's "Next jobs" list shows what the operator can act on.

A planned job linked to a work order on the floor is that work order's tile: its barcode, and a tap scans it
(the same form as the "Open work" tiles). A planned job not released to the floor yet (no work order, or none
for this operation) is information only, says so, and offers no number to scan or tap.
"""

import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from instructions import runs
from instructions.models import Station, WorkOrder, WorkOrderStatus
from planning import selectors
from planning.models import PlanJob
from plexcopilot.models import Employee
from tests.actors import station_client

pytestmark = pytest.mark.django_db

PRESS_OPERATOR, PIN = "100107", "3870"  # demo/plant.toml: Dwayne Porter, press operator


def _home(station: Station) -> str:
    client = station_client(station, Employee.objects.get(badge_id=PRESS_OPERATOR), PIN)
    response = client.get(reverse("station-home"))
    assert response.status_code == 200
    return response.content.decode()


def _rows(html: str) -> dict[str, str]:
    """Each next-job row's HTML by its plan job number."""
    return dict(re.findall(r'<li data-testid="next-job" data-job="([^"]+)"[^>]*>(.*?)</li>', html, re.S))


def _unreleased() -> None:
    """The demo releases its first day's jobs to the floor (`planning.demo`); these tests start from jobs that
    are only planned, whichever the solver put first."""
    PlanJob.objects.update(work_order=None)


def test_a_planned_job_not_on_the_floor_is_information_only(demo_schedule):
    _unreleased()
    station = Station.objects.get(code="ST-PRS-400")
    slots = selectors.next_jobs_for_station(station)
    assert slots and all(s.floor_order is None and not s.floor_open for s in slots)
    rows = _rows(_home(station))
    assert list(rows) == [s.job.number for s in slots]
    for number, row in rows.items():
        assert "<form" not in row and "<button" not in row and "<a " not in row  # nothing to tap
        assert 'data-testid="next-job-info"' in row
        assert f"Planned job {number}: not released to the floor yet." in row


def _released(slot) -> None:
    """Give the slot's part and operation a released instruction if the demo has none (which part the solver puts
    first depends on the test's clock; BRK-2041 has no instruction in the demo)."""
    from instructions.models import WorkInstruction
    from instructions.publishing import version_publish
    from tests.actors import STEPS

    if not WorkInstruction.objects.filter(
        part=slot.job.part, operation=slot.operation, current_version__isnull=False
    ).exists():
        instruction = WorkInstruction.objects.create(
            part=slot.job.part, operation=slot.operation, title="Test"
        )
        version_publish(instruction=instruction, steps=STEPS, change_note="Test", published_by=None,
                        base_version=None)  # fmt: skip


def test_a_job_released_to_the_floor_opens_its_work_order_at_this_operation(demo_schedule):
    _unreleased()
    station = Station.objects.get(code="ST-PRS-400")
    slot = selectors.next_jobs_for_station(station)[0]
    _released(slot)
    job = slot.job
    # Plex: one work order number, one row (barcode) per operation; the job links another operation's row.
    at_this_op = WorkOrder.objects.create(number="WO-31001", barcode="WO-31001-10", part=job.part,
                                          operation=slot.operation, quantity=job.quantity)  # fmt: skip
    job.work_order = WorkOrder.objects.create(
        number="WO-31001", barcode="WO-31001-20", part=job.part,
        operation=job.part.operations.exclude(pk=slot.operation_id).first(), quantity=job.quantity,
    )  # fmt: skip
    job.save()
    html = _home(station)
    row = _rows(html)[job.number]
    assert 'data-testid="next-job-open"' in row and "WO-31001-10" in row
    assert '<input type="hidden" name="code" value="WO-31001-10">' in row
    assert f'action="{reverse("station-scan")}"' in row and "not released" not in row
    others = {n: r for n, r in _rows(html).items() if n != job.number}
    assert all("not released to the floor yet" in r for r in others.values())

    # The tap posts that barcode to the scan: it names this operation's row, at this station.
    assert runs.work_order_scan(raw="WO-31001-10", station=station) == at_this_op


def test_a_work_order_on_hold_is_shown_but_cannot_be_tapped(demo_schedule):
    station = Station.objects.get(code="ST-PRS-400")
    slot = selectors.next_jobs_for_station(station)[0]
    slot.job.work_order = WorkOrder.objects.create(
        number="WO-31002", barcode="WO-31002-10", part=slot.job.part, operation=slot.operation,
        quantity=slot.job.quantity, status=WorkOrderStatus.ON_HOLD,
    )  # fmt: skip
    slot.job.save()
    row = _rows(_home(station))[slot.job.number]
    assert "<form" not in row and "WO-31002-10 is on hold; it cannot be started." in strip_tags(row)


def test_a_linked_job_without_a_row_for_this_operation_is_not_on_the_floor_here(demo_schedule):
    station = Station.objects.get(code="ST-PRS-400")
    slot = selectors.next_jobs_for_station(station)[0]
    elsewhere = WorkOrder.objects.create(
        number="WO-31003", barcode="WO-31003-20", part=slot.job.part,
        operation=slot.job.part.operations.exclude(pk=slot.operation_id).first(), quantity=slot.job.quantity,
    )  # fmt: skip
    PlanJob.objects.filter(pk=slot.job.pk).update(work_order=elsewhere)  # another operation's row only
    row = _rows(_home(station))[slot.job.number]
    assert "<form" not in row and "not released to the floor yet" in row and "WO-31003" not in row


def _tile(html: str, barcode: str) -> str:
    return re.search(rf"<li><form[^>]*>(?:(?!</li>).)*{barcode}(?:(?!</li>).)*</li>", html, re.S)[0]


def test_open_work_the_released_schedule_runs_at_another_work_center_says_so(demo_schedule):
    """The walkthrough's ST-PRS-400 listed DEMO-002/009/014 under "Open work at PRS-400" though the released
    schedule ran them on PRS-200, and said nothing."""
    from instructions.models import WorkCenter

    station = Station.objects.get(code="ST-PRS-400")
    plan = selectors.plan_released()
    slot = plan.slots.filter(work_center_id=station.work_center_id).select_related("job", "operation").first()
    _released(slot)
    slot.job.work_order = WorkOrder.objects.create(
        number="WO-31005", barcode="WO-31005-10", part=slot.job.part, operation=slot.operation,
        quantity=slot.job.quantity, status=WorkOrderStatus.RELEASED,
    )  # fmt: skip
    slot.job.save()
    assert 'data-testid="planned-elsewhere"' not in _tile(
        _home(station), "WO-31005-10"
    )  # planned here: nothing to say
    other = WorkCenter.objects.exclude(pk=station.work_center_id).order_by("code").first()
    type(slot).objects.filter(pk=slot.pk).update(work_center=other)
    said = strip_tags(_tile(_home(station), "WO-31005-10"))
    assert f"The released schedule runs this on {other.code} ({slot.start:%a %H:%M})" in said or (
        f"The released schedule runs this on {other.code} (" in said
    ), said
    assert "Ask your supervisor before starting it here." in said


def test_a_next_job_whose_part_has_no_released_instruction_says_so_instead_of_a_tile_to_tap(demo_schedule):
    """The walkthrough's next-jobs list offered DEMO-002-10 as a tile to tap while the open work below said
    "There is no released work instruction for BRK-2041": the tap only said so afterwards."""
    from instructions.models import WorkInstruction

    station = Station.objects.get(code="ST-PRS-400")
    slot = selectors.next_jobs_for_station(station)[0]
    slot.job.work_order = WorkOrder.objects.create(
        number="WO-31004", barcode="WO-31004-10", part=slot.job.part, operation=slot.operation,
        quantity=slot.job.quantity,
    )  # fmt: skip
    slot.job.save()
    WorkInstruction.objects.filter(part=slot.job.part, operation=slot.operation).update(current_version=None)
    row = _rows(_home(station))[slot.job.number]
    assert "<form" not in row and 'data-testid="no-instruction"' in row
    assert (
        f"There is no released work instruction for {slot.job.part} op {slot.operation.sequence}. "
        "Call your supervisor." in strip_tags(row)
    )
