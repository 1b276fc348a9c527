"""Labor in a real browser against a real ASGI server: an operator clocks in and books a job (the timer
survives a reload), raises an Andon call on the station, and the supervisor's board shows it live and
acknowledges it; then the supervisor's labor pages on the demo plant."""

import pytest

from labor.demo import labor_demo_load
from labor.models import AndonCall, Handover, Punch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fork_safe():
    """The daphne child is forked from this process. Threads do not survive a fork, so asgiref's
    one-thread executor (used by earlier websocket tests) would hang the child's first database call;
    and a Redis channel layer's pooled connections must not be shared. Start both afresh."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def desk_sign_in(page, server: str) -> None:
    page.goto(f"{server}/accounts/login/")
    page.locator("input[name=username]").fill("200201")
    page.locator("input[name=password]").fill("northfield-demo")
    page.get_by_role("button", name="Sign in").click()


def test_an_operator_clocks_in_and_an_andon_reaches_the_board_live(fork_safe, demo_plant, asgi_server, tablet, desk, screenshot):  # noqa: F811  # fmt: skip
    station = tablet
    station.goto(f"{asgi_server}/station/ST-PRS-400/")
    station.get_by_test_id("badge").fill("100111")
    station.get_by_test_id("pin").fill("1638")
    station.get_by_role("button", name="Sign in").click()
    station.get_by_test_id("labor-link").click()
    station.get_by_test_id("clock-in").click()
    station.get_by_text("Clocked in at PRS-400.").wait_for()
    station.get_by_test_id("job-on").filter(has_text="WO-24123-10").click()
    station.get_by_test_id("job-off").wait_for()
    station.reload()
    assert "Clocked in at PRS-400 since" in station.locator("#clock").inner_text()
    assert "0 h 00 min" in station.locator("#clock .timer").inner_text()
    assert "Job off WO-24123-10" in " ".join(
        station.get_by_test_id("job-off").inner_text().split()
    )  # code kept whole
    assert [p.kind for p in Punch.objects.order_by("id")] == ["clock_in", "job_on"]
    screenshot(station, "labor-station-clocked-in")

    # The supervisor opens the Andon board from the desk dashboard; its websocket connects.
    desk_sign_in(desk, asgi_server)
    desk.get_by_role("link", name="Labor, crew, handover, Andon").click()
    desk.add_init_script(
        "document.addEventListener('htmx:wsOpen', () => { window.andonSocketOpen = true; });"
    )
    with desk.expect_websocket(predicate=lambda ws: "/ws/labor/andon/" in ws.url):
        desk.get_by_role("link", name="Andon board").click()
    desk.wait_for_function("window.andonSocketOpen === true")  # accepted, so the board is in its group
    assert desk.get_by_test_id("open-count").inner_text() == "0"

    station.locator("#andon input[name=note]").fill("Die clamp leaking hydraulic oil")
    station.locator("#andon input[name=line_down]").check()
    station.locator("#andon").get_by_test_id("andon-maintenance").click()
    station.get_by_text("Andon maintenance raised (high)").wait_for()

    # No reload on the desk: the board updates over the websocket.
    row = desk.get_by_test_id("andon-call").filter(has_text="Die clamp leaking hydraulic oil")
    row.wait_for(timeout=5000)
    assert "LINE DOWN" in row.inner_text() and "Hannah Weber" in row.inner_text()
    assert desk.get_by_test_id("open-count").inner_text() == "1"
    screenshot(desk, "labor-andon-board-live")
    row.get_by_test_id("acknowledge").click()
    desk.get_by_test_id("andon-call").filter(has_text="Acknowledged").wait_for()
    call = AndonCall.objects.get()
    assert call.acknowledged_at is not None and call.acknowledged_at >= call.raised_at
    row = desk.get_by_test_id("andon-call").filter(has_text="Die clamp")
    row.locator("input[name=resolution]").fill("Hose fitting tightened, leak stopped")
    row.get_by_test_id("resolve").click()
    desk.get_by_text("No open calls.").wait_for()
    call.refresh_from_db()
    assert (
        call.resolution == "Hose fitting tightened, leak stopped" and call.resolved_at >= call.acknowledged_at
    )
    station.reload()
    assert "Resolved" in station.locator("#andon-status").inner_text()
    screenshot(station, "labor-station-andon-resolved")


def test_a_supervisor_reviews_flags_crew_and_signs_the_handover(fork_safe, demo_plant, asgi_server, desk, screenshot):  # noqa: F811  # fmt: skip
    labor_demo_load()
    desk_sign_in(desk, asgi_server)
    desk.get_by_role("link", name="Labor, crew, handover, Andon").click()
    desk.get_by_role("link", name="Punch flags").click()
    row = (
        desk.get_by_test_id("flag")
        .filter(has_text="Luis Hernández")
        .filter(has_text="Clock-out before clock-in")
    )
    assert "95 %" in row.inner_text()
    screenshot(desk, "labor-flags")
    row.locator("input[name=note]").fill("Terminal clock was wrong; told IT")
    row.get_by_role("button", name="Accept").click()
    desk.get_by_text("Terminal clock was wrong; told IT").wait_for()

    desk.goto(f"{asgi_server}/labor/crew/")
    assert desk.get_by_test_id("crew-row").count() > 0
    screenshot(desk, "labor-crew-plan")

    desk.goto(f"{asgi_server}/labor/certifications/")
    assert "EXPIRED" in desk.locator(".matrix").inner_text()
    screenshot(desk, "labor-certifications")

    desk.goto(f"{asgi_server}/labor/handover/")
    desk.locator("textarea[name=text]").fill(
        desk.locator("textarea[name=text]").input_value() + "\nNOTE: coil change at 02:00."
    )
    desk.get_by_test_id("handover-sign").click()
    text = desk.get_by_test_id("handover-text").inner_text()
    assert "NOTE: coil change at 02:00." in text and "ANDON" in text
    assert Handover.objects.get().signed_by.username == "200201"
    screenshot(desk, "labor-handover-signed")
