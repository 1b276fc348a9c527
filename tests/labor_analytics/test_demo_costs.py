"""The demo plant's job costs look like a plant's: actual labor hours within a plausible factor of standard."""

import pytest
from django.test import Client

from instructions.models import WorkOrderStatus
from labor.demo import labor_demo_load
from labor.models import AndonCall
from labor_analytics.demo import labor_analytics_demo_load
from labor_analytics.models import JobCost
from tests.actors import desk_login
from tests.conftest import AWKWARD


@pytest.mark.parametrize("plant_at", ["2026-12-01T09:30", *AWKWARD], indirect=True)
def test_the_demos_jobs_have_actual_hours_near_their_standard(plant_at, demo_plant):
    labor_demo_load()
    labor_analytics_demo_load()
    client = Client()
    assert desk_login(client, "200201", "northfield-demo")  # Rosa Delgado, supervisor
    response = client.get("/labor/analytics/")
    assert response.status_code == 200
    open_jobs = response.context["open_jobs"]
    # Every shift of the labor demo's two weeks used to go on one open order per work center: 87–348 h
    # actual against 10–40 h standard.
    assert len(open_jobs) >= 6
    for cost in open_jobs:
        assert 0.7 <= cost.actual_hours / cost.standard_hours <= 1.6, (
            str(cost.work_order), cost.actual_hours, cost.standard_hours)  # fmt: skip
    # The two weeks before went on finished orders of the same operations, each near its standard too.
    finished = JobCost.objects.filter(
        work_order__number__startswith="WO-L", work_order__status=WorkOrderStatus.COMPLETE
    )
    assert finished.count() >= 6
    for cost in finished:
        assert 0.7 <= cost.actual_hours / cost.standard_hours <= 1.6, (
            str(cost.work_order), cost.actual_hours, cost.standard_hours)  # fmt: skip
    # Its breakdowns (downtime not charged to the crew) say who resolved them, as the board's history does.
    assert not AndonCall.objects.exclude(resolved_at=None).filter(resolved_by=None).exists()
