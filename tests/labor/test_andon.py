import asyncio
import concurrent.futures
import datetime

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from labor.andon import andon_acknowledge, andon_raise, andon_resolve
from labor.errors import LaborError
from labor.models import AndonCall
from plexcopilot.asgi import application
from plexcopilot.models import AuditEvent
from tests.actors import build_plant, station_client
from tests.labor.conftest import desk_client


def run_async(coroutine_function, *args):
    """Run an async test body in its own thread and event loop: Playwright's sync API keeps an event loop
    running in the main thread for the rest of the session once a browser test has run."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine_function(*args)).result()


def ws_for(employee) -> WebsocketCommunicator:
    """A browser's websocket to the Andon board, with the desk user's session cookie."""
    client = Client()
    client.force_login(employee.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return WebsocketCommunicator(
        application,
        "/ws/labor/andon/",
        headers=[(b"cookie", cookie.encode()), (b"origin", b"http://localhost")],
    )


def test_it_raises_an_andon_call_from_the_station_with_triage(plant):
    client = station_client(plant.station, plant.certified)
    response = client.post("/labor/station/andon/", {"category": "maintenance", "note": "Die clamp leaking oil",
                                                     "line_down": "1"})  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200 and "Andon maintenance raised (high)" in body
    # said under the buttons (a message above them would move them under a second tap), which a tap disables
    assert body.index('data-testid="andon-safety"') < body.index('data-testid="andon-notice"')
    assert 'hx-disabled-elt="#andon .andon-buttons button"' in body
    call = AndonCall.objects.get()
    assert (call.urgency, call.routed_to, call.line_down) == ("high", ["supervisor"], True)
    assert call.work_center == plant.station.work_center and call.raised_by == plant.certified
    assert AuditEvent.objects.filter(action="andon.raise").exists()


def test_it_refuses_an_andon_without_a_category_and_keeps_the_note(plant):
    client = station_client(plant.station, plant.certified)
    response = client.post("/labor/station/andon/", {"category": "coffee", "note": "Nothing <b>works</b>"})
    assert response.status_code == 422
    assert b"Choose maintenance, quality, material or safety" in response.content
    assert b"Nothing &lt;b&gt;works&lt;/b&gt;" in response.content
    assert not AndonCall.objects.exists()


@pytest.mark.parametrize(
    ("category", "note", "urgency", "routes"),
    [
        ("safety", "", "critical", ["supervisor"]),
        ("material", "out of nuts", "normal", ["material_handler", "supervisor"]),
        ("quality", "burr on holes", "normal", ["quality", "supervisor"]),
        ("material", "smoke from the coil cart", "critical", ["material_handler", "supervisor"]),
    ],
)
def test_it_routes_each_category_to_the_right_role(plant, category, note, urgency, routes):
    call = andon_raise(station=plant.station, employee=plant.certified, category=category, note=note)
    assert (call.urgency, call.routed_to) == (urgency, routes)


def test_it_records_acknowledge_and_resolve_times(plant):
    call = andon_raise(station=plant.station, employee=plant.certified, category="material")
    call = andon_acknowledge(call=call, user=plant.supervisor.user)
    assert call.acknowledged_at >= call.raised_at and call.state == "acknowledged"
    with pytest.raises(LaborError, match="Already acknowledged"):
        andon_acknowledge(call=call, user=plant.supervisor.user)
    with pytest.raises(LaborError, match="what was done"):
        andon_resolve(call=call, user=plant.supervisor.user, resolution="  ")
    call = andon_resolve(call=call, user=plant.supervisor.user, resolution="Nuts delivered")
    assert call.resolved_at >= call.acknowledged_at and call.state == "resolved"


def test_it_lets_the_supervisor_acknowledge_and_resolve_on_the_board(plant):
    call = andon_raise(
        station=plant.station, employee=plant.certified, category="quality", note="<script>x</script>"
    )
    board = desk_client(plant.supervisor)
    page = board.get("/labor/andon/")
    assert b"&lt;script&gt;x&lt;/script&gt;" in page.content and b"<script>x" not in page.content
    assert b'ws-connect="/ws/labor/andon/"' in page.content
    response = board.post(f"/labor/andon/{call.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Acknowledged" in response.content
    response = board.post(f"/labor/andon/{call.pk}/resolve/", {"resolution": ""})
    assert response.status_code == 422 and b"Write what was done" in response.content
    board.post(f"/labor/andon/{call.pk}/resolve/", {"resolution": "Punch replaced"})
    call.refresh_from_db()
    assert call.resolution == "Punch replaced" and call.resolved_by == plant.supervisor.user


def test_it_keeps_operators_off_the_board(plant):
    assert desk_client(plant.certified).get("/labor/andon/").status_code == 403


def test_it_pushes_a_new_call_to_the_supervisor_board_live(transactional_db):
    run_async(_pushes_a_new_call, build_plant())


async def _pushes_a_new_call(plant):
    communicator = await sync_to_async(ws_for)(plant.supervisor)
    connected, _ = await communicator.connect()
    assert connected
    assert "No open calls" in await communicator.receive_from(timeout=5)  # the board as it is, on connect
    await sync_to_async(andon_raise)(station=plant.station, employee=plant.certified, category="safety",
                                     note="Guard door latch broken")  # fmt: skip
    html = await communicator.receive_from(timeout=5)
    assert 'id="andon-board"' in html and 'hx-swap-oob="true"' in html
    assert "Guard door latch broken" in html and "Critical" in html
    await communicator.disconnect()


def test_it_routes_quality_calls_to_quality_and_not_maintenance_calls(transactional_db):
    run_async(_routes_quality_calls, build_plant())


async def _routes_quality_calls(plant):
    communicator = await sync_to_async(ws_for)(plant.quality)
    connected, _ = await communicator.connect()
    assert connected
    assert 'id="andon-board"' in await communicator.receive_from(timeout=5)
    await sync_to_async(andon_raise)(station=plant.station, employee=plant.certified, category="maintenance",
                                     note="Hydraulic leak")  # fmt: skip
    assert await communicator.receive_nothing(timeout=0.5)
    await sync_to_async(andon_raise)(station=plant.station, employee=plant.certified, category="quality",
                                     note="Burr on the anchor hole")  # fmt: skip
    html = await communicator.receive_from(timeout=5)
    assert "Burr on the anchor hole" in html and "Hydraulic leak" not in html
    await communicator.disconnect()


def test_it_refuses_the_board_socket_to_operators_and_strangers(transactional_db):
    run_async(_refuses_operators, build_plant())


async def _refuses_operators(plant):
    communicator = await sync_to_async(ws_for)(plant.certified)
    connected, _ = await communicator.connect()
    assert not connected
    anonymous = WebsocketCommunicator(
        application, "/ws/labor/andon/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await anonymous.connect()
    assert not connected


def _field(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    return page[page.rindex("<", 0, start) : page.index(">", start) + 1]


def test_an_over_long_andon_note_does_not_stop_the_call_and_says_what_went(plant):
    """A stopped machine is never refused over its note: the call goes with the note's first 500 characters and
    the operator is told so (the rest is said to whoever comes)."""
    client = station_client(plant.station, plant.certified)
    note = "Die clamp leaking oil onto the coil, the drip tray is full and the floor is slippery. " * 7
    response = client.post("/labor/station/andon/", {"category": "maintenance", "note": note, "line_down": "on"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "Help is on the way" in page
    assert "Your note was 601 characters long: its first 500 went with the call" in page
    call = AndonCall.objects.get()
    assert call.note == note.strip()[:500] and call.line_down


def test_the_andon_sheet_note_has_a_count_not_a_cut(plant):
    page = station_client(plant.station, plant.certified).get("/station/home/").content.decode()
    sheet = page[page.index('id="andon-sheet"') :]
    field = _field(sheet, "note")
    assert "maxlength" not in field and 'data-limit="500"' in field


def test_it_refuses_an_over_long_resolution_and_keeps_it_in_the_row(plant):
    call = andon_raise(station=plant.station, employee=plant.certified, category="material")
    board = desk_client(plant.supervisor)
    typed = "Nuts delivered from the second rack; the kanban card for the welder was missing. " * 7
    response = board.post(f"/labor/andon/{call.pk}/resolve/", {"resolution": typed})
    page = response.content.decode()
    assert response.status_code == 422
    assert "Resolution: 566 characters; 500 at most. Nothing was cut" in page
    assert "Write what was done" not in page
    row = page[page.index(f'id="andon-call-{call.pk}"') :]
    field = _field(row, "resolution")
    assert f'value="{typed.strip()}' in field and "maxlength" not in field and 'data-limit="500"' in field
    call.refresh_from_db()
    assert call.resolved_at is None


@pytest.mark.parametrize(
    ("action", "data", "said"),
    [("acknowledge", {}, "acknowledged"), ("resolve", {"resolution": "Punch replaced"}, "resolved")],
)
def test_a_board_decision_without_htmx_redirects_to_the_board_and_says_what_was_done(
    plant, action, data, said
):
    call = andon_raise(station=plant.station, employee=plant.certified, category="quality")
    board = desk_client(plant.supervisor)
    response = board.post(f"/labor/andon/{call.pk}/{action}/", data)
    assert response.status_code == 302 and response["Location"] == "/labor/andon/"
    page = board.get(response["Location"]).content.decode()
    assert f"Quality call at {call.work_center.code} {said}." in page
    call.refresh_from_db()
    assert (call.acknowledged_at is not None) and (call.resolved_at is not None) == (action == "resolve")


def test_a_board_decision_with_htmx_still_answers_with_the_board(plant):
    call = andon_raise(station=plant.station, employee=plant.certified, category="quality")
    board = desk_client(plant.supervisor)
    response = board.post(f"/labor/andon/{call.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="andon-board"' in response.content.decode()
    # the board it swapped in was the answer: no message waits to be shown on the next page loaded
    assert "acknowledged." not in board.get("/labor/andon/").content.decode()


def test_material_calls_reach_the_material_handlers_board_and_only_theirs(plant):
    """A material Andon went to supervisors only: the material handler, who brings the parts, never saw it. Now
    it is on the material handler's board (linked from the materials desk), where they acknowledge and resolve
    it; other calls are not on their board and cannot be decided there."""
    from tests.actors import make_employee

    handler = make_employee("800501", "material_handler", first="Owen")
    material = andon_raise(
        station=plant.station, employee=plant.certified, category="material", note="out of nuts"
    )
    maintenance = andon_raise(
        station=plant.station, employee=plant.certified, category="maintenance", note="leak"
    )
    board = desk_client(handler)
    page = board.get("/labor/andon/").content.decode()
    assert "out of nuts" in page and "leak" not in page
    assert "→ Material handler, Supervisor" in page and "material_handler" not in page
    assert 'href="/labor/andon/"' in board.get("/materials/").content.decode()
    assert board.post(f"/labor/andon/{maintenance.pk}/acknowledge/").status_code == 404
    board.post(f"/labor/andon/{material.pk}/acknowledge/")
    board.post(f"/labor/andon/{material.pk}/resolve/", {"resolution": "Nuts delivered to PRS-T1"})
    material.refresh_from_db()
    maintenance.refresh_from_db()
    assert material.state == "resolved" and material.resolved_by == handler.user
    assert maintenance.acknowledged_at is None
    assert AuditEvent.objects.filter(action="andon.resolve", actor=handler.user).count() == 1


def test_the_board_shows_the_waiting_time_as_its_live_timer_writes_it(plant):
    """The board's "Waiting" reads "0 h 12 min" when it loads, as labor/timer.js keeps writing it every 15 s
    (it read "12 minutes" on load and "0 h 12 min" a moment later)."""
    call = andon_raise(station=plant.station, employee=plant.certified, category="maintenance")
    AndonCall.objects.filter(pk=call.pk).update(raised_at=call.raised_at - datetime.timedelta(minutes=12))
    page = desk_client(plant.supervisor).get("/labor/andon/").content.decode()
    assert ">0 h 12 min</span>" in page and "12\xa0minutes" not in page
