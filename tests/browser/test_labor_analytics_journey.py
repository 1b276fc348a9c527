"""Labor analytics in a real browser on the demo plant: the supervisor sees cost variances, the forecast with
its overtime per crew, and the timecard queue with the planted misapplied job code first; approving the
recoding records correction punches."""

import datetime
import zoneinfo

import pytest
import time_machine

from labor.demo import labor_demo_load
from labor.models import Punch, PunchSource
from labor_analytics.demo import labor_analytics_demo_load
from labor_analytics.models import TimecardApproval

from .test_labor_journey import desk_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Tuesday mid-morning plant time: the clock runs from here (tick) for the test and its server thread.
START = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("America/Detroit"))


@pytest.fixture
def plant_clock():
    with time_machine.travel(START, tick=True):
        yield


def test_variance_forecast_and_misapplied_code_views(plant_clock, demo_plant, live_server, desk, screenshot):
    """Served by the in-process ASGI live server. In a forked daphne child the forecast page (it loads
    scikit-learn on first use) did not answer within the 15 s timeout, alone or in the suite, on main too;
    likely native thread state inherited by the fork of this multi-threaded process."""
    labor_demo_load()
    labor_analytics_demo_load()
    desk_sign_in(desk, live_server.url)
    desk.goto(f"{live_server.url}/labor/")
    desk.get_by_role("link", name="Labor analytics").click()

    # Variances: job costs with rate and efficiency variance, alerts past the threshold.
    assert desk.get_by_test_id("cost-row").count() > 0
    assert "Rate var." in desk.get_by_test_id("cost-table").first.inner_text()
    assert desk.get_by_test_id("variance-alert").count() > 0
    screenshot(desk, "labor-analytics-variances")

    # Forecast: hours and cost with an 80 % interval and drivers per scheduled job, overtime per crew.
    desk.get_by_role("link", name="Forecast").click()
    assert desk.get_by_test_id("job-forecast").count() > 0
    assert "–" in desk.get_by_test_id("job-forecast").first.inner_text()
    assert desk.get_by_test_id("overtime-row").count() > 0
    screenshot(desk, "labor-analytics-forecast")

    # Timecards: the planted misbooking comes first, with its reasons and the suggested job preselected.
    desk.get_by_role("link", name="Timecards").click()
    first = desk.get_by_test_id("timecard-row").first
    assert "BRK-2040/10" in first.inner_text()
    first.get_by_role("link").click()
    suspect = desk.get_by_test_id("suspect").first
    assert "not on shift B's schedule" in suspect.inner_text()
    assert "suggested" in suspect.locator("select option:checked").inner_text()
    screenshot(desk, "labor-analytics-timecard")
    desk.get_by_test_id("approve").click()
    assert "1 job code corrected" in desk.get_by_test_id("approved").inner_text()
    assert TimecardApproval.objects.count() == 1
    assert Punch.objects.filter(source=PunchSource.CORRECTION, note__startswith="timecard").count() == 2

    desk.get_by_role("link", name="Scores").click()
    assert desk.locator("svg.trend").count() > 0
    screenshot(desk, "labor-analytics-scores")
