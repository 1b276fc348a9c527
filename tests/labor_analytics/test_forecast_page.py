"""The forecast page: figures kept until their inputs change, from the current shift, overtime in shift units."""

import datetime
import math
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import Client, override_settings

from instructions.models import WorkOrder
from labor.models import ScheduledJob
from labor_analytics.job_forecast import JobHoursModel
from labor_analytics.models import OperationStandard

from .conftest import DETROIT, NOW

# A Tuesday evening, plant time: shifts A (06-14) and B (14-22) are over, C (22-06) is on.
TUESDAY_EVENING = datetime.datetime(2026, 12, 1, 22, 26, tzinfo=DETROIT)


@pytest.fixture
def standard(plant):
    return OperationStandard.objects.create(operation=plant.work_order.operation, setup_hours=Decimal("0"),
                                            hours_per_unit=Decimal("0.04"), standard_rate=Decimal("28"))  # fmt: skip


def _orders(plant, n: int) -> list[WorkOrder]:
    return [WorkOrder.objects.create(number=f"WO-F{i}", barcode=f"WO-F{i}", part=plant.work_order.part,
                                     operation=plant.work_order.operation, quantity=100)  # fmt: skip
            for i in range(n)]  # fmt: skip


def _supervisor(plant) -> Client:
    client = Client()
    client.force_login(plant.supervisor.user)
    return client


def _rows(page: str, testid: str) -> list[str]:
    return re.findall(rf'<tr data-testid="{testid}">(.*?)</tr>', page, re.S)


def test_it_renders_the_stored_figures_until_an_input_changes(plant, standard, django_assert_max_num_queries):
    with time_machine.travel(NOW, tick=False) as clock:
        for wo in _orders(plant, 10):
            ScheduledJob.objects.create(day=NOW.date(), shift="A", work_order=wo, crew_size=1)
        sup = _supervisor(plant)
        first = sup.get("/labor/analytics/forecast/").content.decode()
        assert len(_rows(first, "job-forecast")) == 10
        assert "Figures computed 2026-11-30 00:20" in first
        clock.shift(datetime.timedelta(minutes=7))
        with django_assert_max_num_queries(30):  # computing them takes 3+ queries per scheduled job (50+)
            again = sup.get("/labor/analytics/forecast/").content.decode()
        assert "Figures computed 2026-11-30 00:20" in again and _rows(again, "job-forecast") == _rows(
            first, "job-forecast"
        )
        ScheduledJob.objects.filter(work_order__number="WO-F0").update(crew_size=2)
        changed = sup.get("/labor/analytics/forecast/").content.decode()
        assert "Figures computed 2026-11-30 00:27" in changed and "crew 2" in changed


def test_it_starts_from_the_shift_running_now(plant, standard):
    first, second, third, fourth = _orders(plant, 4)
    wednesday = TUESDAY_EVENING.date() + datetime.timedelta(days=1)
    ScheduledJob.objects.create(day=TUESDAY_EVENING.date(), shift="A", work_order=first)
    ScheduledJob.objects.create(day=TUESDAY_EVENING.date(), shift="B", work_order=second)
    ScheduledJob.objects.create(day=TUESDAY_EVENING.date(), shift="C", work_order=third)
    ScheduledJob.objects.create(day=wednesday, shift="A", work_order=fourth)
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        page = _supervisor(plant).get("/labor/analytics/forecast/").content.decode()
    jobs = _rows(page, "job-forecast")
    assert [re.search(r"WO-F\d", row).group() for row in jobs] == ["WO-F2", "WO-F3"]  # type: ignore[union-attr]
    assert "Tue 12-01 C" in jobs[0] and "Wed 12-02 A" in jobs[1]
    crews = _rows(page, "overtime-row")
    assert len(crews) == 2 and "Shift C" in crews[0] and "Shift A" in crews[1]


def test_it_shares_a_work_orders_hours_among_the_shifts_it_is_scheduled_on(plant, standard):
    """A 40-hour work order on five one-person shifts is 8 hours a shift, not 40 h of work (32 h overtime) each."""
    (wo,) = _orders(plant, 1)
    wo.quantity = 1000  # 40 standard hours; no past jobs, so the forecast is 0.8 / 1 / 1.4 × standard
    wo.save()
    for ahead, shift in ((0, "A"), (0, "B"), (1, "A"), (1, "B"), (2, "A")):
        ScheduledJob.objects.create(
            day=NOW.date() + datetime.timedelta(days=ahead), shift=shift, work_order=wo
        )
    with time_machine.travel(NOW, tick=False):
        page = _supervisor(plant).get("/labor/analytics/forecast/").content.decode()
    crews = _rows(page, "overtime-row")
    assert len(crews) == 5
    for row in crews:
        assert "<td>1</td><td>8</td>" in row  # one person, 8 paid hours
        assert "8.0 (6.4–11.2)" in row and "none / 3.2 h" in row


class _Predicts:
    def __init__(self, hours: float) -> None:
        self.value = math.log1p(hours)

    def predict(self, x):  # the fitted regressor's interface, with a fixed answer
        return [self.value] * len(x)


def test_it_reorders_crossing_quantiles_instead_of_pinning_the_median_to_a_bound(plant):
    """Quantile models fitted apart can cross (90th below the median): the three answers are sorted, so the
    interval is not "29.6 (21.4–29.6)" with the upper model's own answer dropped."""
    model = JobHoursModel(kind="trees", jobs=[], models=[_Predicts(21.4), _Predicts(29.6), _Predicts(25.0)])  # type: ignore[list-item]
    lo, mid, hi = model.quantiles(_facts())
    assert (round(lo, 1), round(mid, 1), round(hi, 1)) == (21.4, 25.0, 29.6)


def _facts():
    from labor_analytics.job_forecast import JobFacts

    return JobFacts(work_order_id=1, label="x", x=[0.0] * 10, standard_hours=20.0)


UNREACHABLE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                           "LOCATION": "redis://127.0.0.1:1/0",
                           "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1}}}  # fmt: skip


def test_it_computes_the_figures_while_the_shared_cache_is_unreachable(plant, standard):
    (wo,) = _orders(plant, 1)
    ScheduledJob.objects.create(day=NOW.date(), shift="A", work_order=wo)
    with time_machine.travel(NOW, tick=False), override_settings(CACHES=UNREACHABLE):
        response = _supervisor(plant).get("/labor/analytics/forecast/")  # signed in at the page's hour
    assert response.status_code == 200 and len(_rows(response.content.decode(), "job-forecast")) == 1


def _eight_hours_and_a_two_hour_finish(plant) -> str:
    """The forecast page for one work order of 40 standard hours planned 8 h on shift A and 2 h on shift B."""
    (wo,) = _orders(plant, 1)
    wo.quantity = 1000  # 40 standard hours; no past jobs, so the forecast is 0.8 / 1 / 1.4 × standard
    wo.save()
    ScheduledJob.objects.create(day=NOW.date(), shift="A", work_order=wo, hours=Decimal("8"))
    ScheduledJob.objects.create(day=NOW.date(), shift="B", work_order=wo, hours=Decimal("2"))
    with time_machine.travel(NOW, tick=False):
        page = _supervisor(plant).get("/labor/analytics/forecast/").content.decode()
    return page


def test_a_short_finishing_slot_takes_its_share_of_the_hours_not_an_equal_part(plant, standard):
    """8 planned hours on shift A and a 2-hour finish on shift B: 80 % and 20 % of the work order's forecast
    (an equal split put 20 h on each: 12 h of overtime forecast on the finishing shift's one person)."""
    page = _eight_hours_and_a_two_hour_finish(plant)
    first, finish = _rows(page, "overtime-row")
    assert "Shift A" in first and "32.0 (25.6–44.8)" in first
    assert "Shift B" in finish and "8.0 (6.4–11.2)" in finish and "none / 3.2 h" in finish


def test_each_shift_row_shows_its_share_and_the_work_orders_total_is_labelled(plant, standard):
    """WO-24120 op 20 showed 21.0 h on Thu A and again 21.0 h on Fri A: read as twice the work."""
    page = _eight_hours_and_a_two_hour_finish(plant)
    first, finish = _rows(page, "job-forecast")
    assert "<strong>32.0</strong> (25.6–44.8)" in first and "<strong>8.0</strong> (6.4–11.2)" in finish
    assert "Work order: 40.0 h total (32.0–56.0)" in first and "this shift's part 80 %" in first


def test_a_work_order_under_way_forecasts_the_hours_still_to_go(plant, standard):
    """WO-24123 op 10: 11.2 h forecast for the whole work order while 11.5 h were already booked on it."""
    from labor.models import Punch, PunchKind, PunchSource
    from labor_analytics.costs import job_cost_update

    (wo,) = _orders(plant, 1)
    wo.quantity = 1000  # forecast 40 h (32–56)
    wo.save()
    ScheduledJob.objects.create(day=NOW.date(), shift="A", work_order=wo)
    with time_machine.travel(NOW, tick=False):
        for kind, hour in ((PunchKind.JOB_ON, 6), (PunchKind.JOB_OFF, 16)):  # 10 h booked the day before
            Punch.objects.create(employee=plant.certified, kind=kind, work_order=wo, source=PunchSource.IMPORT,
                                 at=datetime.datetime.combine(NOW.date() - datetime.timedelta(days=1),
                                                              datetime.time(hour), tzinfo=DETROIT))  # fmt: skip
        job_cost_update(wo)
        page = _supervisor(plant).get("/labor/analytics/forecast/").content.decode()
    (row,) = _rows(page, "job-forecast")
    assert "<strong>30.0</strong> (22.0–46.0)" in row
    assert "Work order: 40.0 h total (32.0–56.0), 10.0 h booked, ~30.0 h to go" in row
    (crew,) = _rows(page, "overtime-row")
    assert "30.0 (22.0–46.0)" in crew
