"""An open call-off follows the latest evaluation: "Re-evaluate now" on the materials desk refreshes a draft's
needed-by, quantity and net flow; a requested one keeps its quantity (a person acted on it) but shows the new
needed-by and says when it is needed earlier than when it was requested, or no longer needed. The desk row and the
station's materials panel show the same time, and every change is in the audit trail."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from instructions.models import Operation, Station, WorkOrder, WorkOrderStatus
from materials.models import CallOff, CallOffStatus, Lot, RunRate, ShortageAlert
from plexcopilot.models import AuditEvent, Employee
from tests.actors import desk_login, station_client

pytestmark = pytest.mark.django_db

NUT = "NUT-M10-WP"


def desk() -> Client:
    client = Client()
    assert desk_login(client, "500501", "northfield-demo")  # the demo material handler
    return client


def welder_tablet() -> Client:
    operator = Employee.objects.get(badge_id="100111")
    operator.set_pin("1638")
    operator.save()
    return station_client(Station.objects.get(code="ST-WLD-PW2"), operator, pin="1638")


def rows(html: bytes, testid: str) -> list[str]:
    return re.findall(rf'<tr data-testid="{testid}".*?</tr>', html.decode(), flags=re.S)


def panel(html: bytes) -> str:
    found = re.search(
        r'<section class="card" data-testid="material-calls">.*?</section>', html.decode(), re.S
    )
    assert found, "the station's materials panel is on the page"
    return found.group(0)


def desk_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime(
        "%Y-%m-%d %H:%M"
    )  # the row's "D Y-m-d H:i" without the day name


def station_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def the_welder_runs_twice_as_fast() -> None:
    """The plan moves earlier: the projection welder's bracket operation now runs at 400/h instead of 200/h."""
    RunRate.objects.filter(operation=Operation.objects.get(part__number="BRK-2040", sequence=20)).update(
        units_per_hour=400
    )


def test_re_evaluate_now_refreshes_an_open_draft_on_the_desk_and_the_station(demo_materials, clock):
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    old_needed, old_quantity = call.needed_by, call.quantity
    assert station_time(old_needed) in panel(welder_tablet().get("/materials/station/").content)
    # The plan moves earlier and 1000 nuts are scrapped off the rack: the nut runs out hours sooner, and more is
    # needed to get back to the top of green.
    the_welder_runs_twice_as_fast()
    lot = Lot.objects.get(component__number=NUT)
    Lot.objects.filter(pk=lot.pk).update(quantity=lot.quantity - 1000)
    clock.shift(datetime.timedelta(minutes=10))
    client = desk()
    assert client.post("/materials/evaluate/").status_code == 302

    alert = ShortageAlert.objects.get(component__number=NUT, status="open")
    assert alert.shortage_at < old_needed - datetime.timedelta(hours=3)
    call.refresh_from_db()
    assert call.status == CallOffStatus.DRAFT
    assert CallOff.objects.filter(component__number=NUT).count() == 1  # refreshed, not a second one
    assert call.needed_by == alert.shortage_at
    assert call.quantity == old_quantity + 1000  # net flow 1000 lower, whole cards of 500
    page = client.get("/materials/")
    [row] = rows(page.content, "draft-call-off")
    assert desk_time(call.needed_by) in row and desk_time(old_needed) not in row
    assert f"{int(call.quantity)} ea" in row
    from materials.models import BufferStatus

    buffer = BufferStatus.objects.get(component__number=NUT)
    assert f"Net flow {buffer.net_flow:.0f} " in row
    # Signed in again: the tablet idled out while the handler re-evaluated.
    station = panel(welder_tablet().get("/materials/station/").content)
    assert station_time(call.needed_by) in station and station_time(old_needed) not in station
    # The change is in the audit trail, attributed to the person who pressed "Re-evaluate now".
    event = AuditEvent.objects.get(action="materials.call_off.reevaluated", object_id=str(call.pk))
    assert event.actor_name == "Owen Brandt"
    assert event.data["needed_by"] == [old_needed.isoformat(), call.needed_by.isoformat()]
    assert event.data["quantity"] == [str(int(old_quantity)), str(int(call.quantity))]
    # Pressing it again with nothing changed changes nothing and audits nothing more.
    client.post("/materials/evaluate/")
    assert AuditEvent.objects.filter(action="materials.call_off.reevaluated").count() == 1


def test_a_requested_call_keeps_its_quantity_but_shows_it_is_needed_earlier(demo_materials, clock):
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    assert client.post(f"/materials/call-offs/{call.pk}/approve/").status_code == 302
    call.refresh_from_db()
    requested_for, quantity = call.needed_by, call.quantity
    the_welder_runs_twice_as_fast()
    clock.shift(datetime.timedelta(minutes=10))
    client.post("/materials/evaluate/")

    call.refresh_from_db()
    assert call.status == CallOffStatus.REQUESTED and call.quantity == quantity  # what was picked stays
    assert call.requested_needed_by == requested_for
    # Without this call's own delivery the nut would run out about 5 h from the first evaluation (400/h).
    assert call.needed_by < requested_for - datetime.timedelta(hours=3)
    assert call.needed_earlier
    [row] = rows(client.get("/materials/").content, "requested-call-off")
    assert desk_time(call.needed_by) in row
    assert "Needed earlier than when requested" in row and desk_time(requested_for) in row
    assert f"{int(quantity)} ea" in row
    station = panel(welder_tablet().get("/materials/station/").content)
    assert station_time(call.needed_by) in station and "needed earlier than requested" in station
    event = AuditEvent.objects.get(action="materials.call_off.reevaluated", object_id=str(call.pk))
    assert event.data["needed_by"] == [requested_for.isoformat(), call.needed_by.isoformat()]
    assert "quantity" not in event.data


def test_the_handler_asks_plex_again_for_the_earlier_time_once(
    demo_materials, clock, settings, django_capture_on_commit_callbacks
):
    from plex.models import OutboxItem

    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # queued only; nothing is sent here
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/materials/call-offs/{call.pk}/approve/").status_code == 302
    call.refresh_from_db()
    requested_for = call.needed_by
    the_welder_runs_twice_as_fast()
    clock.shift(datetime.timedelta(minutes=10))
    client.post("/materials/evaluate/")
    call.refresh_from_db()
    assert call.needed_earlier and OutboxItem.objects.filter(kind="material_request").count() == 1
    # The evaluation alone re-sends nothing: the row offers the handler to ask for the earlier time.
    [row] = rows(client.get("/materials/").content, "requested-call-off")
    assert 'data-testid="expedite-call-off"' in row
    seen = re.search(r'name="needed_by" value="([^"]+)"', row).group(1)

    # A time the evaluation moved since the page was shown is not requested unseen.
    stale = (call.needed_by - datetime.timedelta(hours=1)).isoformat()
    refused = client.post(f"/materials/call-offs/{call.pk}/expedite/", {"needed_by": stale})
    assert refused.status_code == 409 and "changed since the page was shown" in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/materials/call-offs/{call.pk}/expedite/", {"needed_by": seen})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.requested_needed_by == call.needed_by and not call.needed_earlier
    first, again = OutboxItem.objects.filter(kind="material_request").order_by("pk")
    assert again.payload["title"].startswith("Needed earlier: ") and again.payload["priority"] == 1
    assert (
        desk_time(call.needed_by) in again.payload["body"]
        and desk_time(requested_for) in again.payload["body"]
    )
    assert again.idempotency_key != first.idempotency_key
    event = AuditEvent.objects.get(action="materials.call_off.expedite", object_id=str(call.pk))
    assert event.data == {
        "needed_by": call.needed_by.isoformat(),
        "previous_needed_by": requested_for.isoformat(),
    }

    # A double click: the second is told it is already requested for that time; nothing more goes to Plex.
    with django_capture_on_commit_callbacks(execute=True):
        twice = client.post(f"/materials/call-offs/{call.pk}/expedite/", {"needed_by": seen})
    assert twice.status_code == 409 and "already requested for when it is needed" in twice.content.decode()
    assert OutboxItem.objects.filter(kind="material_request").count() == 2
    [row] = rows(client.get("/materials/").content, "requested-call-off")
    assert "expedite-call-off" not in row and "Needed earlier" not in row
    # A crafted time (an impossible date, no time zone) is a clear refusal, not a 500.
    for crafted in ("2026-02-30T10:00:00+00:00", call.needed_by.replace(tzinfo=None).isoformat()):
        refused = client.post(f"/materials/call-offs/{call.pk}/expedite/", {"needed_by": crafted})
        assert refused.status_code == 409, crafted


def test_a_call_no_longer_needed_is_withdrawn_as_a_draft_and_flagged_once_requested(demo_materials, clock):
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    # The welder's jobs are finished elsewhere: nothing draws the nut any more.
    WorkOrder.objects.filter(operation__work_center__code="WLD-PW2").update(status=WorkOrderStatus.COMPLETE)
    clock.shift(datetime.timedelta(minutes=10))
    client.post("/materials/evaluate/")
    call.refresh_from_db()
    assert call.status == CallOffStatus.CANCELLED and not call.still_needed
    page = client.get("/materials/")
    assert not rows(page.content, "draft-call-off")
    [row] = rows(page.content, "withdrawn-call-off")
    assert NUT in row and "No longer needed" in row
    assert AuditEvent.objects.filter(action="materials.call_off.withdrawn", object_id=str(call.pk)).exists()
    assert not panel(welder_tablet().get("/materials/station/").content).count('data-testid="material-call"')


def test_a_requested_call_no_longer_needed_is_flagged_not_cancelled(demo_materials, clock):
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    client.post(f"/materials/call-offs/{call.pk}/approve/")
    WorkOrder.objects.filter(operation__work_center__code="WLD-PW2").update(status=WorkOrderStatus.COMPLETE)
    clock.shift(datetime.timedelta(minutes=10))
    client.post("/materials/evaluate/")
    call.refresh_from_db()
    assert call.status == CallOffStatus.REQUESTED and not call.still_needed
    [row] = rows(client.get("/materials/").content, "requested-call-off")
    assert "No longer needed at the last evaluation" in row
    assert AuditEvent.objects.filter(action="materials.call_off.reevaluated", object_id=str(call.pk)).exists()


def test_a_draft_changed_since_the_page_was_shown_is_not_approved_unseen(demo_materials, clock):
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    [row] = rows(client.get("/materials/").content, "draft-call-off")
    assert f'name="quantity" value="{call.quantity}"' in row  # the page posts what it shows
    shown = str(call.quantity)
    lot = Lot.objects.get(component__number=NUT)  # 1000 nuts scrapped: the evaluation raises the draft
    Lot.objects.filter(pk=lot.pk).update(quantity=lot.quantity - 1000)
    clock.shift(datetime.timedelta(minutes=10))
    client.post("/materials/evaluate/")
    call.refresh_from_db()
    assert str(call.quantity) != shown
    refused = client.post(f"/materials/call-offs/{call.pk}/approve/", {"quantity": shown})
    assert refused.status_code == 409
    assert "This call-off changed since the page was shown" in refused.content.decode()
    call.refresh_from_db()
    assert call.status == CallOffStatus.DRAFT
    approved = client.post(f"/materials/call-offs/{call.pk}/approve/", {"quantity": str(call.quantity)})
    assert approved.status_code == 302
    call.refresh_from_db()
    assert call.status == CallOffStatus.REQUESTED


def test_a_quantity_that_is_not_a_number_is_refused_like_a_negative_one(demo_materials, clock):
    """The page posts the quantity it shows; a tampered or garbled one never skips the stale-quantity check."""
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    for crafted in ("abc", "-5", "NaN", "Infinity"):
        refused = client.post(f"/materials/call-offs/{call.pk}/approve/", {"quantity": crafted})
        assert refused.status_code == 409, crafted
        call.refresh_from_db()
        assert call.status == CallOffStatus.DRAFT, crafted
