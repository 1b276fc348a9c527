"""Andon first: one tap from a station screen shows the call at once; while the server is away the call is kept
on the tablet and sent again with the same idempotency key, so it is raised exactly once."""

import pytest

from labor.models import AndonCall
from tests.browser.station_checks import PORTRAIT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_page(browser, live_server):
    """An operator at the PRS-400 press tablet, on a run's first step (the action bar's Andon is there)."""
    context = browser.new_context(viewport=PORTRAIT, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/station/ST-PRS-400/")
    page.get_by_test_id("badge").fill("100107")
    page.get_by_test_id("pin").fill("3870")
    page.get_by_test_id("pin").press("Enter")
    page.get_by_test_id("scan").fill("WO-24123-10")
    page.get_by_test_id("scan").press("Enter")
    page.wait_for_url("**/station/run/**/1/")
    return context, page


def test_an_andon_raised_while_the_server_is_away_is_queued_and_sent_once(
    live_server, demo_plant, browser, console, screenshot
):
    console.expect(r"Failed to load resource: net::ERR_FAILED  \[\S+/labor/station/andon/\]")  # dropped below
    context, page = run_page(browser, live_server)

    # The server is away: the first attempt never arrives, the second arrives but its answer is lost.
    attempts = []

    def flaky(route):
        attempts.append(route.request.headers.get("idempotency-key"))
        if len(attempts) == 1:
            route.abort()
        elif len(attempts) == 2:
            route.fetch()  # the server raises the call …
            route.abort()  # … and the tablet never hears back
        else:
            route.continue_()

    page.route("**/labor/station/andon/", flaky)
    page.get_by_test_id("andon").tap()
    page.get_by_test_id("andon-maintenance").tap()
    pending = page.get_by_test_id("andon-pending").first
    pending.wait_for(timeout=1_000)  # shown at once, before any answer
    assert "Maintenance" in pending.inner_text()
    screenshot(page, "station-portrait-andon-queued")

    page.locator("#andon-state .andon-state-raised:not(.andon-pending)").wait_for(timeout=20_000)
    assert "Raised — waiting for help" in page.get_by_test_id("andon-state").inner_text()
    assert page.get_by_test_id("andon-pending").count() == 0
    assert len(attempts) >= 3 and len(set(attempts)) == 1  # every retry carried the same key
    assert AndonCall.objects.filter(category="maintenance").count() == 1
    assert (
        page.evaluate("() => JSON.parse(localStorage.getItem('plexcopilot-andon-queue') || '[]').length") == 0
    )
    screenshot(page, "station-portrait-andon-raised")
    context.close()


def test_a_gloved_double_tap_raises_one_call_and_shows_it(live_server, demo_plant, browser, screenshot):
    context, page = run_page(browser, live_server)
    page.get_by_test_id("andon").tap()
    material = page.get_by_test_id("andon-material")
    material.tap()
    page.wait_for_timeout(250)
    material.tap()  # each tap is its own form submit, with its own idempotency key
    page.locator("#andon-state .andon-state-raised:not(.andon-pending)").wait_for(timeout=20_000)
    page.wait_for_function("() => !document.querySelector('#andon-state .andon-pending')")
    page.wait_for_function(
        "() => (JSON.parse(localStorage.getItem('plexcopilot-andon-queue') || '[]')).length === 0"
    )
    calls = page.locator("#andon-state .andon-call")
    assert calls.count() == 1 and "Material" in calls.first.inner_text()
    assert AndonCall.objects.filter(category="material").count() == 1
    screenshot(page, "station-portrait-andon-double-tap")
    context.close()
