"""The planner's journey in a real browser against daphne, on a controlled clock (Monday 07:00 plant time):
a work center goes on Hold → three ranked scenarios → signature → the board (live) and the station's next-job
list change → the outbox holds the Plex write-back of the new sequence."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from planning.models import Plan, PlanStatus
from plex.models import OutboxItem
from tests.actors import make_employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY_7AM = datetime.datetime(2026, 3, 9, 7, 0, tzinfo=ZoneInfo("America/Detroit"))


@pytest.fixture
def plant_clock():
    """Ticking from a fixed Monday morning; started before daphne so the forked server shares it."""
    with time_machine.travel(MONDAY_7AM, tick=True) as traveller:
        yield traveller


@pytest.fixture
def week(plant_clock, transactional_db, settings):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # write-backs queue; nothing is drained in this test
    from instructions.demo import demo_plant_load
    from planning.demo import demo_schedule_load

    demo_plant_load()
    demo_schedule_load(time_limit=4)
    return make_employee("800001", "planner", first="Pat")


def _next_jobs(station) -> list[str]:
    return station.get_by_test_id("next-job").all_inner_texts()


def _in_view_and_focused(page, test_id: str) -> None:
    """Finding P2-e: a refused form's error was 1219 px down the page; it must be on screen and have the focus."""
    box = page.get_by_test_id(test_id).bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 80) <= height, (box, height)
    assert page.evaluate("document.activeElement.dataset.testid") == test_id


def test_hold_three_scenarios_sign_board_and_station_change(week, asgi_server, tablet, desk, screenshot):
    station = tablet
    station.goto(f"{asgi_server}/station/ST-PRS-400/")
    station.get_by_test_id("badge").fill("100107")
    station.get_by_test_id("pin").fill("3870")
    station.get_by_role("button", name="Sign in").click()
    before = _next_jobs(station)
    assert before, "the released demo plan gives PRS-400 a next-job list"

    page = desk
    page.goto(f"{asgi_server}/accounts/login/")
    page.locator("input[name=username]").fill("800001")
    page.locator("input[name=password]").fill("desk-pass-123")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Schedule board and what-if").click()
    assert "Released schedule v1" in page.get_by_test_id("board-version").inner_text()
    assert page.locator("svg.gantt rect.setup").count() > 0
    assert page.locator("svg.gantt rect.downtime-pm").count() == 1
    screenshot(page, "planner-board-v1")

    # A question without its work center is refused where the eye is: the form's error summary, in view and focused.
    form = page.get_by_test_id("whatif-form")
    form.locator("select[name=kind]").select_option("hold")
    page.get_by_test_id("whatif-run").click()
    _in_view_and_focused(page, "whatif-error")
    assert (
        "Choose the work center that would be on Hold or down."
        in page.get_by_test_id("whatif-error").inner_text()
    )

    # PRS-400 goes on Hold for 8 hours.
    form = page.get_by_test_id("whatif-form")
    form.locator("select[name=kind]").select_option("hold")
    form.locator("select[name=work_center]").select_option(label="PRS-400 — 400 t transfer press")
    form.locator("input[name=hours]").fill("8")
    with page.expect_navigation(timeout=60_000):
        page.get_by_test_id("whatif-run").click()
    cards = page.get_by_test_id("scenario")
    assert cards.count() == 3
    texts = cards.all_inner_texts()
    assert all("PRS-400 is on Hold" in t for t in texts)
    screenshot(page, "planner-three-scenarios")

    # A second screen keeps the board open: it must change live when the schedule is released.
    wall = page.context.new_page()
    with wall.expect_websocket(predicate=lambda ws: "/ws/planning/board/" in ws.url):
        wall.goto(f"{asgi_server}/planning/")
    assert "v1" in wall.get_by_test_id("board-version").inner_text()

    cards.first.get_by_test_id("open-scenario").click()
    assert "Today's plan" in page.get_by_test_id("kpis").inner_text()
    # the Hold the what-if assumes is drawn on PRS-400's row, labelled (it is not in the calendar until released)
    assumed = page.locator("svg.gantt rect.downtime-hold.assumed")
    assert assumed.count() == 1 and "Assumed by this what-if" in assumed.locator("title").text_content()
    assert page.locator("svg.gantt text.assumed-label").first.text_content().startswith("HOLD (what-if) 07:")
    assert "each job's sequence is queued for Plex" in page.get_by_test_id("sign-writeback").inner_text()
    expect(page.get_by_label("Badge")).to_be_visible()  # visible labels, not aria-labels
    expect(page.get_by_label("PIN")).to_be_visible()
    page.get_by_label("Badge").fill("800001")
    page.get_by_label("PIN").fill("0000")
    page.get_by_test_id("sign-release").click()
    _in_view_and_focused(page, "sign-error")
    expect(page.get_by_label("Badge")).to_have_value("800001")  # the badge typed is kept, never the PIN
    expect(page.get_by_label("PIN")).to_have_value("")
    page.get_by_label("Badge").fill("")  # now the password
    page.get_by_test_id("sign-password").fill("not-my-password")
    page.get_by_test_id("sign-release").click()
    assert "Password not recognised" in page.get_by_test_id("sign-error").inner_text()
    _in_view_and_focused(page, "sign-error")
    page.get_by_test_id("sign-password").fill("desk-pass-123")
    page.get_by_test_id("sign-release").click()
    page.wait_for_url("**/planning/")
    assert "Released schedule v2" in page.get_by_test_id("board-version").inner_text()
    screenshot(page, "planner-board-v2")
    expect(wall.get_by_test_id("board-version")).to_contain_text("Released schedule v2", timeout=10_000)

    released = Plan.objects.get(status=PlanStatus.RELEASED)
    assert released.version == 2 and released.released_by.username == "800001"
    station.reload()
    after = _next_jobs(station)
    assert after != before
    screenshot(station, "station-next-jobs-after-release")
    items = OutboxItem.objects.filter(kind="schedule_sequence", idempotency_key__startswith="schedule-v2-")
    assert items.exists()
    assert {"jobNo", "priority", "sequence", "scheduleVersion"} <= set(items.first().payload)
