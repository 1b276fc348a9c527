"""Materials in a real browser against daphne on a controlled clock (Monday 00:20 plant time): the demo predicts
the weld-nut shortage at the projection welder in the second shift, the material handler sees the drafted
call-off and approves it, and the welder's station shows the material on its way."""

import datetime

import pytest
import time_machine

from materials.models import CallOff, CallOffStatus, ShortageAlert
from plex.models import OutboxItem
from tests.materials.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plant_clock():
    """Ticking from a fixed Monday just after midnight; started before daphne so the forked server shares it."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def materials_demo(plant_clock, transactional_db, settings):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # requests queue in the outbox; nothing is drained here
    from instructions.demo import demo_plant_load
    from materials.demo import demo_materials_load

    demo_plant_load()
    demo_materials_load(now=NOW)


def test_shortage_predicted_call_off_approved_and_shown_on_the_station(
    materials_demo, asgi_server, tablet, desk, screenshot
):
    alert = ShortageAlert.objects.get(status="open")
    ahead = alert.shortage_at - NOW
    assert datetime.timedelta(hours=8) <= ahead < datetime.timedelta(hours=16)
    assert ahead >= datetime.timedelta(hours=alert.lead_hours)

    page = desk
    page.goto(f"{asgi_server}/accounts/login/")
    page.locator("input[name=username]").fill("500501")
    page.locator("input[name=password]").fill("northfield-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("shortage").filter(has_text="NUT-M10-WP").wait_for()
    assert "WO-24123-20" in page.get_by_test_id("shortage").inner_text()
    draft = page.get_by_test_id("draft-call-off").filter(has_text="NUT-M10-WP")
    assert "Prevents the shortage" in draft.inner_text()
    screenshot(page, "materials-handler-shortage")
    draft.get_by_test_id("approve-call-off").click()
    page.get_by_test_id("requested-call-off").filter(has_text="NUT-M10-WP").wait_for()
    call = CallOff.objects.get(component__number="NUT-M10-WP")
    assert call.status == CallOffStatus.REQUESTED
    assert OutboxItem.objects.filter(kind="material_request").count() == 1

    station = tablet
    station.goto(f"{asgi_server}/station/ST-WLD-PW2/")
    station.get_by_test_id("badge").fill("100111")
    station.get_by_test_id("pin").fill("1638")
    station.get_by_role("button", name="Sign in").click()
    calls = station.get_by_test_id("material-call")
    calls.filter(has_text="NUT-M10-WP").wait_for()
    assert "requested" in calls.filter(has_text="NUT-M10-WP").inner_text()
    screenshot(station, "materials-station-on-its-way")
