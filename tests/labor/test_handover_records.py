"""The handover says what happened: a later in-spec reading is a re-check, each work order once, no "open (open)"."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from instructions.models import Execution, ExecutionStatus, Measurement, StepCompletion
from instructions.publishing import version_publish
from instructions.readings import measurement_record
from labor.handover import handover_items
from quality.models import NCR, DefectReport

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def window():
    with time_machine.travel(NOON, tick=False):
        yield NOON - datetime.timedelta(hours=4), NOON + datetime.timedelta(hours=1)


def _text(window):
    return "\n".join(item["text"] for item in handover_items(start=window[0], end=window[1]))


def reading(execution, step, value, minutes_ago, in_spec):
    Measurement.objects.create(execution=execution, step=step, value=Decimal(value), raw_value=value,
                               in_spec=in_spec, entered_by=execution.started_by)  # fmt: skip
    Measurement.objects.filter(pk=Measurement.objects.latest("id").pk).update(
        entered_at=NOON - datetime.timedelta(minutes=minutes_ago)
    )


def test_a_later_in_spec_reading_counts_as_the_re_check(plant, window):
    run = Execution.objects.create(
        work_order=plant.work_order, version=plant.version, started_by=plant.certified
    )
    step = plant.version.steps.get(order=2)
    reading(run, step, "31", 30, False)
    reading(run, step, "26", 20, True)
    text = _text(window)
    assert "(re-checked in spec)" in text and "NOT re-checked" not in text


def test_a_bad_reading_with_no_later_good_one_is_not_re_checked(plant, window):
    run = Execution.objects.create(
        work_order=plant.work_order, version=plant.version, started_by=plant.certified
    )
    step = plant.version.steps.get(order=2)
    reading(run, step, "26", 30, True)
    reading(run, step, "31", 20, False)
    assert "NOT re-checked" in _text(window)


def test_a_bad_reading_is_handed_over_as_a_number_not_as_typed(plant, window):
    run = Execution.objects.create(
        work_order=plant.work_order, version=plant.version, started_by=plant.certified
    )
    step = plant.version.steps.get(order=2)
    Measurement.objects.create(execution=run, step=step, value=Decimal("1000"), raw_value="1e3", in_spec=False,
                               entered_by=plant.certified)  # fmt: skip  # kept as typed before "1e3" was refused
    measurement_record(execution=run, step=step, raw="+031.50", employee=plant.certified, station=None)
    text = _text(window)
    assert "step 2 Torque the clamp bolts: 1000 N·m by" in text
    assert "step 2 Torque the clamp bolts: 31.5 N·m by" in text
    assert "1e3" not in text and "031.50" not in text


def test_each_completed_work_order_is_named_once_with_its_runs(plant, window):
    for _ in range(2):
        Execution.objects.create(work_order=plant.work_order, version=plant.version, started_by=plant.certified,
                                 status=ExecutionStatus.COMPLETE, completed_at=timezone.now())  # fmt: skip
    text = _text(window)
    assert "(WO-1-10 ×2)" in text and "WO-1-10, WO-1-10" not in text


def test_an_open_ncr_is_not_open_open(plant, window):
    NCR.objects.create(number="NCR-T1", part=plant.work_order.part, operation=plant.work_order.operation,
                       description="Burr on the flange", opened_at=timezone.now())  # fmt: skip
    text = _text(window)
    assert "NCR NCR-T1 (open): Burr on the flange" in text and "open (open)" not in text


def test_quality_hands_over_the_shifts_defects_then_its_open_ncrs(plant, window):
    """quality adds its section to labor's handover (registered in QualityConfig.ready(); labor never imports it)."""
    DefectReport.objects.create(work_order=plant.work_order, part=plant.work_order.part,
                                operation=plant.work_order.operation, reported_by=plant.certified,
                                category="dimensional", description="Bore oversize", quantity=2,
                                created_at=timezone.now())  # fmt: skip
    NCR.objects.create(number="NCR-T2", part=plant.work_order.part, operation=plant.work_order.operation,
                       description="Bore oversize on two parts", opened_at=timezone.now())  # fmt: skip
    NCR.objects.create(number="NCR-T3", part=plant.work_order.part, operation=plant.work_order.operation,
                       description="Closed already", opened_at=timezone.now(), status="closed")  # fmt: skip
    items = handover_items(start=window[0], end=window[1])
    defects = [item["text"] for item in items if item["kind"] == "defect"]
    assert defects[0].startswith("Defect ") and "qty 2: Bore oversize" in defects[0]
    assert defects[1:] == ["NCR NCR-T2 (open): Bore oversize on two parts"]


def test_a_step_carried_over_by_a_version_switch_is_counted_once(plant, window):
    run = Execution.objects.create(
        work_order=plant.work_order, version=plant.version, started_by=plant.certified
    )
    first = StepCompletion.objects.create(execution=run, step=plant.version.steps.get(order=1),
                                          completed_by=plant.certified, completed_at=NOON - datetime.timedelta(hours=1))  # fmt: skip
    steps = [s.content() for s in plant.version.steps.order_by("order")]
    v2 = version_publish(instruction=plant.instruction, steps=[dict(steps[0]), *steps[1:2]], published_by=None,
                         base_version=plant.version, change_note="Shorter")  # fmt: skip
    StepCompletion.objects.create(execution=run, step=v2.steps.get(order=1), completed_by=plant.certified,
                                  completed_at=first.completed_at, carried_from=first)  # fmt: skip
    assert "1 step(s) signed off this shift" in _text(window)
