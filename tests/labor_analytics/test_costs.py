from decimal import Decimal

import pytest

from instructions.models import ProductionReport
from labor.models import Punch, PunchKind, PunchSource
from labor_analytics.costs import job_cost_update, on_punch_recorded
from labor_analytics.models import (
    EmployeeGrade,
    JobCost,
    LaborGrade,
    LaborSettings,
    OperationStandard,
    ShiftPremium,
    VarianceAlert,
)
from plexcopilot import events

from .conftest import at


def _punch(employee, kind, when, work_order=None, **extra):
    return Punch.objects.create(employee=employee, kind=kind, at=when, work_order=work_order,
                                source=PunchSource.IMPORT, **extra)  # fmt: skip


@pytest.fixture
def priced(plant):
    grade = LaborGrade.objects.create(code="OP2", name="Operator 2", hourly_rate=Decimal("30"))
    EmployeeGrade.objects.create(employee=plant.certified, grade=grade)
    ShiftPremium.objects.create(shift="B", premium_per_hour=Decimal("2"))
    OperationStandard.objects.create(operation=plant.work_order.operation, setup_hours=Decimal("0.5"),
                                     hours_per_unit=Decimal("0.01"), standard_rate=Decimal("28"))  # fmt: skip
    return plant


def test_rate_and_efficiency_variances_follow_the_documented_formulas(priced, clock):
    wo = priced.work_order
    # 06:00–16:00 on one day: 8 h regular (shift A), 2 h overtime at 1.5×; the standard is 0.5 + 0.01 × 500 = 5.5 h
    _punch(priced.certified, PunchKind.JOB_ON, at(2, 6), wo)
    _punch(priced.certified, PunchKind.JOB_OFF, at(2, 16), wo)
    ProductionReport.objects.create(execution=_execution(priced), work_order=wo, good=480, scrap=20, scrap_reason="setup",
                                    reported_by=priced.certified)  # fmt: skip
    cost = job_cost_update(wo)
    assert cost.units == 500 and cost.units_basis == "reported"
    assert cost.standard_hours == pytest.approx(5.5)
    assert cost.actual_hours == pytest.approx(10) and cost.overtime_hours == pytest.approx(2)
    assert cost.actual_cost == pytest.approx(8 * 30 + 2 * 30 * 1.5)
    assert cost.rate_variance == pytest.approx(330 - 28 * 10)
    assert cost.efficiency_variance == pytest.approx(28 * (10 - 5.5))
    assert cost.total_variance == pytest.approx(330 - 28 * 5.5)
    alert = VarianceAlert.objects.get(work_order=wo)
    assert "over standard" in alert.reason and "rate variance +50" in alert.reason


def test_shift_premium_and_default_rate(priced, clock):
    wo = priced.work_order
    wo.quantity = 500  # whole-job standard 5.5 h
    wo.save()
    _punch(priced.trainee, PunchKind.JOB_ON, at(3, 15), wo)  # shift B, no grade: default rate 28 + 2
    _punch(priced.trainee, PunchKind.JOB_OFF, at(3, 17), wo)
    cost = job_cost_update(wo)
    assert cost.actual_cost == pytest.approx(2 * 30)
    assert cost.units_basis == "planned"
    # within the whole job's standard: no alert before it is reported
    assert not VarianceAlert.objects.exists()


def test_open_job_counts_live_and_clock_out_closes_it(priced, clock):
    wo = priced.work_order
    _punch(priced.certified, PunchKind.JOB_ON, at(0, 0, 0), wo)  # 20 minutes ago
    assert job_cost_update(wo).actual_hours == pytest.approx(20 / 60)
    _punch(priced.certified, PunchKind.CLOCK_OUT, at(0, 0, 10))
    assert job_cost_update(wo).actual_hours == pytest.approx(10 / 60)


def test_corrections_replace_the_original_punch(priced, clock):
    wo = priced.work_order
    on = _punch(priced.certified, PunchKind.JOB_ON, at(2, 6), wo)
    _punch(priced.certified, PunchKind.JOB_OFF, at(2, 9), wo)
    _punch(priced.certified, PunchKind.JOB_ON, at(2, 8), wo, replaces=on)
    assert job_cost_update(wo).actual_hours == pytest.approx(1)


def test_punch_recorded_event_updates_the_job_live(priced, clock, django_capture_on_commit_callbacks):
    assert on_punch_recorded in events.subscribers(events.PUNCH_RECORDED)
    from labor.punches import clock_in, job_on

    with django_capture_on_commit_callbacks(execute=True):
        clock_in(employee=priced.certified, station=priced.station)
        job_on(employee=priced.certified, station=priced.station, work_order=priced.work_order)
    assert JobCost.objects.filter(work_order=priced.work_order).exists()


def test_alert_threshold_is_a_plant_setting(priced, clock):
    plant = LaborSettings.current()
    plant.variance_alert_pct = Decimal("500")
    plant.save()
    wo = priced.work_order
    wo.quantity = 500  # 10 h against 5.5 h standard: +114 %, under the 500 % threshold
    wo.save()
    _punch(priced.certified, PunchKind.JOB_ON, at(2, 6), wo)
    _punch(priced.certified, PunchKind.JOB_OFF, at(2, 16), wo)
    job_cost_update(wo)
    assert not VarianceAlert.objects.exists()


def _execution(plant):
    from instructions.models import Execution

    return Execution.objects.create(version=plant.version, work_order=plant.work_order,
                                    started_by=plant.certified)  # fmt: skip


def test_an_acknowledged_alert_is_not_raised_again_by_a_recompute_only_by_a_worse_variance(priced, clock):
    """Review finding: a rate or settings change recomputes every job, and each job over the threshold whose
    alert a supervisor had acknowledged was raised again."""
    from labor_analytics.costs import variance_acknowledge

    wo = priced.work_order
    _punch(priced.certified, PunchKind.JOB_ON, at(2, 6), wo)
    _punch(priced.certified, PunchKind.JOB_OFF, at(2, 16), wo)
    ProductionReport.objects.create(execution=_execution(priced), work_order=wo, good=480, scrap=20,
                                    scrap_reason="setup", reported_by=priced.certified)  # fmt: skip
    first = job_cost_update(wo)
    variance_acknowledge(alert=VarianceAlert.objects.get(work_order=wo), user=priced.supervisor.user)
    LaborGrade.objects.filter(code="OP2").update(hourly_rate=Decimal("31"))  # a small rate change
    job_cost_update(wo)
    assert VarianceAlert.objects.filter(work_order=wo).count() == 1
    _punch(priced.certified, PunchKind.JOB_ON, at(1, 6), wo)  # another 10 h on the same 500 units
    _punch(priced.certified, PunchKind.JOB_OFF, at(1, 16), wo)
    worse = job_cost_update(wo)
    assert worse.variance_pct > first.variance_pct + float(LaborSettings.current().variance_alert_pct)
    assert VarianceAlert.objects.filter(work_order=wo).count() == 2
