import datetime
from decimal import Decimal

import pytest
from django.test import Client

from instructions.models import WorkOrder, WorkOrderStatus
from labor.models import AndonCall, AndonCategory, Punch, PunchKind, PunchSource, ScheduledJob
from labor_analytics.costs import job_costs_refresh
from labor_analytics.job_forecast import (
    MIN_TREES,
    job_model_current,
    job_model_fit,
    past_jobs,
)
from labor_analytics.models import ForecastModelRun, LaborSettings, OperationStandard
from labor_analytics.scores import scores_compute, trend_svg
from labor_analytics.tasks import job_model_retrain_schedule, job_model_retrain_task
from labor_analytics.upcoming import crew_overtime, job_forecasts

from .conftest import NOW, at


def _job(plant, n, hours, *, back, employee=None, quantity=100):
    wo = WorkOrder.objects.create(number=f"WO-P{n}", barcode=f"WO-P{n}", part=plant.work_order.part,
                                  operation=plant.work_order.operation, quantity=quantity,
                                  status=WorkOrderStatus.COMPLETE)  # fmt: skip
    who = employee or plant.certified
    Punch.objects.create(
        employee=who, kind=PunchKind.JOB_ON, at=at(back, 7), work_order=wo, source=PunchSource.IMPORT
    )
    Punch.objects.create(employee=who, kind=PunchKind.JOB_OFF, at=at(back, 7) + datetime.timedelta(hours=hours),
                         work_order=wo, source=PunchSource.IMPORT)  # fmt: skip
    return wo


@pytest.fixture
def standard(plant):
    return OperationStandard.objects.create(operation=plant.work_order.operation, setup_hours=Decimal("0"),
                                            hours_per_unit=Decimal("0.04"), standard_rate=Decimal("28"))  # fmt: skip


def test_few_jobs_use_similar_past_jobs_and_give_an_interval(plant, standard, clock):
    for i, hours in enumerate([4.0, 4.4, 5.0, 3.6, 4.2, 4.8]):
        _job(plant, i, hours, back=3 + i)
    job_costs_refresh()
    model = job_model_fit(past_jobs())
    assert model.kind == "similar"
    ScheduledJob.objects.create(day=NOW.date(), shift="A", work_order=plant.work_order, crew_size=1)
    plant.work_order.quantity = 100
    plant.work_order.save()
    [forecast] = job_forecasts(now=NOW, model=model)
    lo, mid, hi = forecast.hours
    assert lo <= mid <= hi and 3.5 <= mid <= 5.0  # actual/standard ratio around 1.1 of 4 h
    assert forecast.cost[1] == pytest.approx(mid * 28)
    [ot] = crew_overtime([forecast])
    assert ot.capacity_hours == 8 and ot.overtime_hours == (0.0, 0.0)


def test_many_jobs_train_quantile_trees_in_the_background_with_drivers(plant, standard, clock):
    for i in range(MIN_TREES + 5):
        quantity = 50 + 10 * (i % 9)
        _job(plant, i, 0.04 * quantity * (1.1 + 0.05 * (i % 3)), back=2 + i % 40, quantity=quantity)
    job_costs_refresh()
    assert job_model_retrain_schedule() is True
    assert job_model_retrain_schedule() is False  # one waiting is enough
    assert job_model_retrain_task.call().startswith("trees model on")
    run = ForecastModelRun.objects.get()
    assert run.kind == "trees" and run.jobs == MIN_TREES + 5
    model = job_model_current()
    ScheduledJob.objects.create(day=NOW.date(), shift="A", work_order=plant.work_order, crew_size=1)
    [forecast] = job_forecasts(now=NOW, model=model)
    assert forecast.hours[0] <= forecast.hours[1] <= forecast.hours[2]
    assert forecast.drivers and all(isinstance(name, str) for name, _effect in forecast.drivers)


def test_scores_do_not_charge_downtime_and_explain_their_inputs(plant, standard, clock):
    _job(plant, 1, 5.0, back=2, quantity=100)  # 4 h standard in 5 h
    AndonCall.objects.create(station=plant.station, work_center=plant.work_order.operation.work_center,
                             category=AndonCategory.MAINTENANCE, line_down=True, raised_by=plant.certified,
                             raised_at=at(2, 8), resolved_at=at(2, 9))  # fmt: skip
    scores = scores_compute(today=NOW.date())
    [person] = scores["people"]
    total = person.total
    assert (
        total.earned == pytest.approx(4.0) and total.clocked == pytest.approx(4.0) and total.downtime == 1.0
    )
    assert total.efficiency == pytest.approx(1.0)
    assert (
        "1.0 h of machine-stopped downtime not charged" in person.explain
        and "confidence low" in person.explain
    )
    svg = trend_svg(person)
    assert svg.startswith("<svg") and "<circle" in svg


def test_scores_page_is_for_supervisors_and_individual_scores_can_be_turned_off(plant, standard, clock):
    _job(plant, 1, 5.0, back=2)
    sup = Client()
    sup.force_login(plant.supervisor.user)
    page = sup.get("/labor/analytics/scores/").content.decode()
    assert plant.certified.full_name in page and "Shift" in page
    settings = LaborSettings.current()
    settings.individual_scores = False
    settings.save()
    page = sup.get("/labor/analytics/scores/").content.decode()
    assert plant.certified.full_name not in page and "turned off" in page
    for who in (plant.certified, plant.quality):
        c = Client()
        c.force_login(who.user)
        for url in ("/labor/analytics/", "/labor/analytics/forecast/", "/labor/analytics/scores/"):
            assert c.get(url).status_code == 403
    assert Client().get("/labor/analytics/scores/").status_code == 302  # to the sign-in page


def test_supervisor_pages_render(plant, standard, clock):
    _job(plant, 1, 9.0, back=2)
    job_costs_refresh()
    sup = Client()
    sup.force_login(plant.supervisor.user)
    for url in ("/labor/analytics/", "/labor/analytics/forecast/", "/labor/analytics/timecards/"):
        assert sup.get(url).status_code == 200
    assert sup.post("/labor/analytics/forecast/retrain/").status_code == 302
