"""The planner's board in a real browser: the what-if form shows the chosen trigger's fields only, and the links
to the per-work-center dispatch lists (and the links on a dispatch list) are touch targets of at least 44 px."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.actors import build_plant, make_employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY_7AM = datetime.datetime(2026, 3, 9, 7, 0, tzinfo=ZoneInfo("America/Detroit"))
TAP = 44
TRIGGER_FIELDS = {
    "hold": {"work_center", "hours"},
    "down": {"work_center", "hours"},
    "shortage": {"short_part", "available_hours"},
    "rush": {"part", "quantity", "due_hours"},
    "absence": {"employee"},
}
VISIBLE_FIELDS = """form => [...form.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.name !== 'kind' && e.getClientRects().length > 0).map(e => e.name)"""
SMALL_LINKS = """links => links.map(a => ({text: a.innerText.trim(), box: a.getBoundingClientRect()}))
  .filter(l => l.box.width < 44 || l.box.height < 44)
  .map(l => `${l.text} ${Math.round(l.box.width)}x${Math.round(l.box.height)}`)"""


@pytest.fixture
def planner_page(transactional_db, desk):
    with time_machine.travel(MONDAY_7AM, tick=True):
        build_plant()
        make_employee("970001", "planner", first="Pat")
        yield desk


def _sign_in(page, server) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.locator("input[name=username]").fill("970001")
    page.locator("input[name=password]").fill("desk-pass-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_the_whatif_form_shows_the_chosen_triggers_fields_only(planner_page, live_server):
    page = planner_page
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/planning/")
    form = page.get_by_test_id("whatif-form")
    assert set(form.evaluate(VISIBLE_FIELDS)) == TRIGGER_FIELDS["hold"]  # the first choice, before any choice
    for trigger, fields in [*TRIGGER_FIELDS.items(), ("hold", TRIGGER_FIELDS["hold"])]:
        form.locator("select[name=kind]").select_option(trigger)
        assert set(form.evaluate(VISIBLE_FIELDS)) == fields, trigger
    # The chosen trigger's missing field is named next to it, and the page still shows that trigger's fields.
    form.locator("select[name=kind]").select_option("absence")
    with page.expect_navigation():
        page.get_by_test_id("whatif-run").click()
    form = page.get_by_test_id("whatif-form")
    assert set(form.evaluate(VISIBLE_FIELDS)) == TRIGGER_FIELDS["absence"]
    assert "Choose the operator who is absent." in form.inner_text()


def test_the_dispatch_list_links_are_touch_targets(planner_page, live_server):
    page = planner_page
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/planning/")
    links = page.get_by_test_id("dispatch-links").locator("a")
    assert links.all_inner_texts() == ["PRS-T1", "WLD-T1"]
    assert links.evaluate_all(SMALL_LINKS) == []
    links.first.click()
    page.wait_for_url("**/planning/dispatch/PRS-T1/")
    assert page.locator("a").count() > 0
    assert page.locator("a").evaluate_all(SMALL_LINKS) == []
