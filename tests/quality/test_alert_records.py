"""One trend alert per run of bad readings, and quality_scan(now=…) means that instant."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from instructions.models import Execution
from instructions.readings import measurement_record
from plexcopilot.models import AuditEvent
from quality.alerts import out_of_spec_check, quality_scan
from quality.models import QualityAlert, QualityAlertKind

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def reading(plant, settings):
    settings.QUALITY_OOS_WINDOW, settings.QUALITY_OOS_LIMIT = 10, 3
    settings.QUALITY_FEEDBACK_THRESHOLD = 50
    execution = Execution.objects.create(
        work_order=plant.work_order, version=plant.version, started_by=plant.certified
    )
    step = plant.version.steps.get(order=2)
    minutes = iter(range(1, 1000))

    def record(raw: str):
        with time_machine.travel(START + datetime.timedelta(minutes=next(minutes)), tick=False):
            measurement_record(
                execution=execution, step=step, raw=raw, employee=plant.certified, station=None
            )
            return out_of_spec_check(instruction=plant.instruction, step_key=step.key)

    return record


def test_new_readings_after_an_alert_do_not_repeat_it(reading):
    assert [reading(v) for v in ("31", "22")] == [None, None]
    assert reading("29") is not None  # three out of spec: one alert
    assert reading("26") is None  # in spec, still 3 bad in the window: no second alert
    assert reading("30") is None  # one new bad reading is not a new run
    assert reading("21") is None
    assert QualityAlert.objects.filter(kind=QualityAlertKind.OUT_OF_SPEC).count() == 1
    first = QualityAlert.objects.get(kind=QualityAlertKind.OUT_OF_SPEC)
    first.acknowledged_at = first.raised_at  # the engineer has seen it
    first.save()
    assert reading("33") is not None  # three new bad readings since the alert: a new run, a new alert
    assert QualityAlert.objects.filter(kind=QualityAlertKind.OUT_OF_SPEC).count() == 2


def test_a_new_run_updates_the_open_alert_instead_of_adding_a_second(reading):
    assert [reading(v) for v in ("31", "32", "29")][-1] is not None
    first = QualityAlert.objects.get(kind=QualityAlertKind.OUT_OF_SPEC)
    assert first.summary.startswith("3 of the last 3 readings")
    assert [reading(v) for v in ("30", "26", "21")] == [None, None, None]
    updated = reading("33")  # three new bad readings, the first alert not acknowledged yet
    assert updated is not None and updated.pk == first.pk
    assert QualityAlert.objects.filter(kind=QualityAlertKind.OUT_OF_SPEC).count() == 1
    assert (
        updated.summary.startswith("6 of the last 7 readings") and len(updated.evidence["out_of_spec"]) == 6
    )
    assert updated.raised_at > first.raised_at and updated.window_start == first.window_start
    assert AuditEvent.objects.filter(action="quality.out_of_spec_trend").count() == 2


def test_quality_scan_raises_its_alerts_at_the_now_it_is_given(plant, settings):
    settings.QUALITY_OOS_WINDOW, settings.QUALITY_OOS_LIMIT = 10, 3
    settings.QUALITY_FEEDBACK_THRESHOLD = 3
    execution = Execution.objects.create(
        work_order=plant.work_order, version=plant.version, started_by=plant.certified
    )
    step = plant.version.steps.get(order=2)
    for raw in ("31", "22", "29"):
        measurement_record(execution=execution, step=step, raw=raw, employee=plant.certified, station=None)
    later = timezone.now() + datetime.timedelta(hours=2)
    alerts = quality_scan(now=later)
    assert {a.kind for a in alerts} == {QualityAlertKind.OUT_OF_SPEC, QualityAlertKind.FEEDBACK}
    assert all(a.raised_at == later for a in alerts)
