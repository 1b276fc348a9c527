"""A rate change in the admin recomputes the job costs in the background; meanwhile the page says so."""

from decimal import Decimal

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from labor.models import Punch, PunchKind, PunchSource
from labor_analytics.costs import job_cost_update
from labor_analytics.models import EmployeeGrade, JobCost, LaborGrade
from labor_analytics.tasks import job_costs_refresh_task

from .conftest import at


def test_changing_a_grades_rate_recomputes_the_job_costs(plant, clock, django_capture_on_commit_callbacks):
    grade = LaborGrade.objects.create(code="OP2", name="Operator 2", hourly_rate=Decimal("30"))
    EmployeeGrade.objects.create(employee=plant.certified, grade=grade)
    wo = plant.work_order
    for kind, hour in ((PunchKind.JOB_ON, 8), (PunchKind.JOB_OFF, 10)):
        Punch.objects.create(employee=plant.certified, kind=kind, at=at(2, hour), work_order=wo,
                             source=PunchSource.IMPORT)  # fmt: skip
    assert job_cost_update(wo).actual_cost == pytest.approx(60)
    DBTaskResult.objects.all().delete()

    client = Client()
    client.force_login(plant.supervisor.user)
    with django_capture_on_commit_callbacks(execute=True):
        grade.hourly_rate = Decimal("40")
        grade.save()
    assert (
        DBTaskResult.objects.filter(task_path=job_costs_refresh_task.module_path, status="READY").count() == 1
    )
    page = client.get("/labor/analytics/").content.decode()
    assert 'data-testid="costs-pending"' in page and "being recomputed" in page

    job_costs_refresh_task.call()
    DBTaskResult.objects.filter(task_path=job_costs_refresh_task.module_path).update(status="SUCCESSFUL")
    assert JobCost.objects.get(work_order=wo).actual_cost == pytest.approx(80)
    assert 'data-testid="costs-pending"' not in client.get("/labor/analytics/").content.decode()
