"""The planner's journey when an absence leaves work without anyone certified to run it, in a real browser on a
controlled clock (Monday 07:00 plant time): the what-if says so, the release form refuses until the planner
ticks the acknowledgement, and the board and the floor's dispatch list then carry the NO OPERATOR badge."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from planning.models import Plan, PlanStatus
from planning.release import plan_release_system
from planning.whatif import schedule_build
from plexcopilot.models import AuditEvent
from tests.actors import make_employee, one_operator_press

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY_7AM = datetime.datetime(2026, 3, 9, 7, 0, tzinfo=ZoneInfo("America/Detroit"))


@pytest.fixture
def plant_clock():
    """Ticking from a fixed Monday morning; started before the server so it shares it."""
    with time_machine.travel(MONDAY_7AM, tick=True) as traveller:
        yield traveller


@pytest.fixture
def press(plant_clock, transactional_db, settings):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # write-backs queue; nothing is sent in this test
    one_operator_press()
    plan_release_system(plan=schedule_build(time_limit=2), reason="test")
    return make_employee("800002", "planner", first="Pat")


def test_absence_of_the_only_holder_needs_an_acknowledged_release(press, asgi_server, desk, screenshot):
    page = desk
    page.goto(f"{asgi_server}/accounts/login/")
    page.locator("input[name=username]").fill("800002")
    page.locator("input[name=password]").fill("desk-pass-123")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{asgi_server}/planning/")
    assert page.get_by_test_id("board-no-operator").count() == 0

    form = page.get_by_test_id("whatif-form")
    form.locator("select[name=kind]").select_option("absence")
    form.locator("select[name=employee]").select_option(label="Ana Only")
    with page.expect_navigation(timeout=60_000):
        page.get_by_test_id("whatif-run").click()
    cards = page.get_by_test_id("scenario")
    assert cards.count() == 3
    assert all("Without an operator: 2 operation(s) need PRESS-X" in t for t in cards.all_inner_texts())
    assert page.get_by_test_id("scenario-no-operator").count() == 3

    cards.first.get_by_test_id("open-scenario").click()
    assert "NO OPERATOR" in page.get_by_test_id("no-operator-warning").inner_text()
    kpis = page.get_by_test_id("kpis").inner_text()
    assert "Operations without an operator\t2\t0" in kpis, kpis
    screenshot(page, "planner-scenario-no-operator")
    page.get_by_test_id("sign-password").fill("desk-pass-123")
    page.get_by_test_id("sign-release").click()
    assert "Tick the box to confirm" in page.get_by_test_id("sign-error").inner_text()
    assert Plan.objects.get(status=PlanStatus.RELEASED).version == 1

    page.get_by_test_id("sign-password").fill("desk-pass-123")
    page.get_by_test_id("acknowledge-no-operator").check()
    page.get_by_test_id("sign-release").click()
    page.wait_for_url("**/planning/")
    assert "Released schedule v2" in page.get_by_test_id("board-version").inner_text()
    assert "2 operation(s)" in page.get_by_test_id("board-no-operator").inner_text()
    audit = AuditEvent.objects.filter(action="schedule.release").latest("id")
    assert "acknowledged 2 operation(s) without an operator (PRESS-X)" in audit.summary

    page.goto(f"{asgi_server}/planning/dispatch/PRS-X/")
    badges = page.get_by_test_id("no-operator")
    assert badges.count() == 2 and badges.first.is_visible()
    assert "needs PRESS-X" in page.get_by_test_id("dispatch").inner_text()
    screenshot(page, "dispatch-no-operator")
