"""Call-offs approved and sent to Plex through the outbox, kanban cards called from a station, kanban size
changes signed by a supervisor, and who may open which page."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from instructions.models import Station
from materials.models import CallOff, CallOffStatus, KanbanChange, KanbanLoop, OpenSupply
from materials.services import MaterialsError, call_off_approve, kanban_change_sign
from plex.fake_server import FakePlex
from plex.models import OutboxItem
from plex.outbox import outbox_drain
from plexcopilot.models import Employee
from plexcopilot.signatures import SignatureRefused
from tests.actors import desk_login
from tests.materials.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_plex(settings):
    with FakePlex() as fake:
        settings.PLEX_BASE_URL = fake.url
        settings.PLEX_API_KEY = fake.api_key
        yield fake


def desk(username: str) -> Client:
    client = Client()
    assert desk_login(client, username, "northfield-demo")
    return client


def test_an_approved_call_off_becomes_open_supply_and_a_plex_request(
    demo_materials, fake_plex, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    handler = get_user_model().objects.get(username="500501")
    call = CallOff.objects.get(status=CallOffStatus.DRAFT)  # only the weld nut is in trouble in the demo
    with django_capture_on_commit_callbacks(execute=True):  # plex hears the request after commit
        call_off_approve(call_off=call, user=handler, now=NOW)
    call.refresh_from_db()
    assert call.status == CallOffStatus.REQUESTED
    supply = OpenSupply.objects.get(source=f"call-off {call.pk}")
    assert supply.eta == NOW + datetime.timedelta(hours=4)
    item = OutboxItem.objects.get(kind="material_request")
    assert "NUT-M10-WP" in item.payload["title"]
    outbox_drain()
    sent = fake_plex.received["activity"][0]["body"]
    assert sent["activityType"] == "Material"
    assert "LS-WLD-PW2" in sent["description"]
    with pytest.raises(MaterialsError):
        call_off_approve(call_off=call, user=handler, now=NOW)  # twice: refused, one request only
    assert OutboxItem.objects.filter(kind="material_request").count() == 1


def test_the_plex_request_is_queued_after_commit_and_never_for_a_rolled_back_approval(
    demo_materials, settings, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # queued only; nothing is sent here
    handler = get_user_model().objects.get(username="500501")
    call = CallOff.objects.get(status=CallOffStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        call_off_approve(call_off=call, user=handler, now=NOW)
        raise RuntimeError("the surrounding work failed")
    assert CallOff.objects.get(pk=call.pk).status == CallOffStatus.DRAFT
    assert not OutboxItem.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as delivered, transaction.atomic():
        call_off_approve(call_off=call, user=handler, now=NOW)
        assert not OutboxItem.objects.exists()  # not before the approval commits
    assert delivered
    item = OutboxItem.objects.get(kind="material_request")
    assert item.idempotency_key == f"material-call-off-{call.pk}"
    assert item.payload["reference"] == f"call-off {call.pk}" and item.payload["priority"] == 1
    assert item.payload["body"].startswith("Bring ") and "NUT-M10-WP" in item.payload["body"]


def test_operators_cannot_approve_call_offs(demo_materials):
    operator = Employee.objects.get(badge_id="100111").user
    call = CallOff.objects.filter(status=CallOffStatus.DRAFT).first()
    with pytest.raises(MaterialsError):
        call_off_approve(call_off=call, user=operator, now=NOW)


def test_a_scanned_kanban_card_requests_one_card_and_shows_on_the_station(demo_materials):
    from tests.actors import station_client

    operator = Employee.objects.get(badge_id="100111")
    operator.set_pin("1638")
    operator.save()
    station = Station.objects.get(code="ST-INS-LT1")
    loop = KanbanLoop.objects.get(component__number="PLG-M12-OR")
    tablet = station_client(station, operator, pin="1638")
    page = tablet.get("/station/home/")
    assert b"Call material" in page.content
    response = tablet.post("/materials/station/call/", {"card": loop.card_barcode(2).lower()})
    assert response.status_code == 200
    assert b"Requested 500 of PLG-M12-OR" in response.content
    call = CallOff.objects.get(kanban_card=loop.card_barcode(2))
    assert call.status == CallOffStatus.REQUESTED and call.quantity == 500
    # The same card again while it is open: the same request, not a second one.
    again = tablet.post("/materials/station/call/", {"card": loop.card_barcode(2)}).content.decode()
    assert CallOff.objects.filter(kanban_card=loop.card_barcode(2)).count() == 1
    at = timezone.localtime(call.created_at).strftime("%H:%M")
    assert f"This card was already requested at {at}: 500 of PLG-M12-OR is on its way." in again
    assert "Requested 500" not in again
    assert b"PLG-M12-OR" in tablet.get("/station/home/").content
    # A card of another work center's loop, or a card number beyond the loop, is refused.
    other = KanbanLoop.objects.get(component__number="NUT-M10-WP")
    refused = tablet.post("/materials/station/call/", {"card": other.card_barcode(1)})
    assert refused.status_code == 422
    refused = tablet.post("/materials/station/call/", {"card": loop.card_barcode(99)})
    assert refused.status_code == 422


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "This card was already requested on Mon 30 Nov at 00:20: 500 of PLG-M12-OR is on its way."),
        ("es", "Esta tarjeta ya se solicitó el lun 30 Nov a las 00:20: 500 de PLG-M12-OR está en camino."),
    ],
)
def test_a_card_requested_on_an_earlier_plant_day_is_said_with_its_day(demo_materials, clock, language, said):
    """The review's case: "already requested at 00:20", read on Tuesday, was Monday's 00:20."""
    from tests.actors import station_client

    operator = Employee.objects.get(badge_id="100111")
    operator.set_pin("1638")
    operator.language = language
    operator.save()
    station = Station.objects.get(code="ST-INS-LT1")
    card = KanbanLoop.objects.get(component__number="PLG-M12-OR").card_barcode(2)
    station_client(station, operator, pin="1638").post("/materials/station/call/", {"card": card})
    clock.move_to(NOW + datetime.timedelta(hours=23, minutes=50))  # Tuesday 00:10: another plant day
    tablet = station_client(station, operator, pin="1638")
    again = tablet.post("/materials/station/call/", {"card": card}).content.decode()
    assert said in again
    assert CallOff.objects.filter(kanban_card=card).count() == 1


@pytest.mark.parametrize(
    ("language", "bad", "unused", "elsewhere"),
    [
        (
            "es",
            "Eso no es un código de tarjeta kanban",
            "no está en uso",
            "no el centro de trabajo de esta estación",
        ),
        ("pl", "To nie jest kod karty kanban", "nie jest w użyciu", "nie gniazdo tego stanowiska"),
        (
            "pt",
            "Isso não é um código de cartão kanban",
            "não está em uso",
            "não o centro de trabalho desta estação",
        ),
        (
            "vi",
            "Đây không phải mã vạch thẻ kanban",
            "không được sử dụng",
            "không phải trung tâm sản xuất của trạm",
        ),
    ],
)
def test_a_refused_kanban_card_is_explained_in_the_operators_language(demo_materials, language, bad, unused,
                                                                       elsewhere):  # fmt: skip
    from tests.actors import station_client

    operator = Employee.objects.get(badge_id="100111")
    operator.set_pin("1638")
    operator.language = language
    operator.save()
    tablet = station_client(Station.objects.get(code="ST-INS-LT1"), operator, pin="1638")
    loop = KanbanLoop.objects.get(component__number="PLG-M12-OR")
    other = KanbanLoop.objects.get(component__number="NUT-M10-WP")
    for card, said in [("12345", bad), (loop.card_barcode(99), unused), (other.card_barcode(1), elsewhere)]:
        response = tablet.post("/materials/station/call/", {"card": card})
        assert response.status_code == 422
        page = response.content.decode()
        assert said in page, card
        assert "Scan the card again" not in page and "Give it to the material handler" not in page
        assert "Check the card" not in page
    assert other.location.code in page  # the location the card feeds is named


def test_kanban_size_change_needs_a_supervisor_signature(demo_materials):
    from django.contrib.auth import get_user_model

    loop = KanbanLoop.objects.get(component__number="PLG-M12-OR")
    change = KanbanChange.objects.create(
        loop=loop, old_card_count=6, old_quantity_per_card=500, card_count=8, quantity_per_card=500,
        reason="test", created_at=NOW,
    )  # fmt: skip
    users = get_user_model().objects
    with pytest.raises(SignatureRefused):
        kanban_change_sign(
            change=change, user=users.get(username="500501"), now=NOW, password="northfield-demo"
        )
    supervisor = users.get(username="200201")
    with pytest.raises(SignatureRefused):
        kanban_change_sign(change=change, user=supervisor, now=NOW, password="wrong")
    loop.refresh_from_db()
    assert loop.card_count == 6
    kanban_change_sign(change=change, user=supervisor, now=NOW, badge="200201", pin="5729")
    loop.refresh_from_db()
    change.refresh_from_db()
    assert loop.card_count == 8
    assert change.signed_name == "Rosa Delgado" and change.signed_method == "badge_pin"


def test_persistently_red_loop_gets_a_card_suggestion(demo_materials):
    from materials.buffers import buffers_evaluate
    from materials.models import BufferStatus

    status = BufferStatus.objects.get(component__number="NUT-M10-WP")
    status.zone_history = [
        {"day": (NOW - datetime.timedelta(days=d)).date().isoformat(), "zone": "red"} for d in range(9, 0, -1)
    ]
    status.save()
    buffers_evaluate(now=NOW + datetime.timedelta(hours=1))
    change = KanbanChange.objects.get(loop__component__number="NUT-M10-WP")
    assert change.card_count > change.old_card_count
    assert change.reason.startswith("Red on ") and " of the last 10 days" in change.reason


def test_a_decided_suggestion_is_not_proposed_again_from_the_same_days(demo_materials):
    """The review's case: with days of history and an evaluation every 15 minutes, a rejected suggestion came back
    at the next evaluation. Only the days after the decision count."""
    from materials.buffers import buffers_evaluate
    from materials.models import BufferStatus
    from materials.services import kanban_change_reject

    status = BufferStatus.objects.get(component__number="NUT-M10-WP")
    status.zone_history = [
        {"day": (NOW - datetime.timedelta(days=d)).date().isoformat(), "zone": "red"} for d in range(9, 0, -1)
    ]
    status.save()
    buffers_evaluate(now=NOW + datetime.timedelta(hours=1))
    change = KanbanChange.objects.get(loop__component__number="NUT-M10-WP")
    kanban_change_reject(change=change, user=Employee.objects.get(badge_id="200201").user)
    for minutes in (75, 90, 105):
        buffers_evaluate(now=NOW + datetime.timedelta(minutes=minutes))
    assert KanbanChange.objects.filter(loop__component__number="NUT-M10-WP").count() == 1
    # Five red days after the decision: proposed again.
    status.refresh_from_db()
    status.zone_history = [
        {"day": (NOW + datetime.timedelta(days=d)).date().isoformat(), "zone": "red"} for d in range(1, 6)
    ]
    status.save()
    buffers_evaluate(now=NOW + datetime.timedelta(days=5, hours=1))
    assert KanbanChange.objects.filter(loop__component__number="NUT-M10-WP", status="proposed").count() == 1


def test_many_evaluations_in_one_day_are_not_a_persistent_zone(demo_materials):
    """The walkthrough's case: a few presses of "Re-evaluate now" (and the 15-minute background evaluation) within
    minutes of loading suggested smaller kanbans ("green in 100% of the last 5 evaluations"). A day counts once."""
    from materials.buffers import buffers_evaluate
    from materials.models import BufferStatus

    for minutes in range(1, 40):
        buffers_evaluate(now=NOW + datetime.timedelta(minutes=minutes))
    assert not KanbanChange.objects.exists()
    histories = {len(s.zone_history) for s in BufferStatus.objects.all()}
    assert histories == {1}  # one day so far, for every buffer


def test_a_day_counts_by_its_worst_zone():
    from materials.buffers import zone_days_add

    history = zone_days_add(["green", "red"], "green", now=NOW)  # the old form (no day) is dropped
    history = zone_days_add(history, "red", now=NOW + datetime.timedelta(hours=1))
    history = zone_days_add(history, "over", now=NOW + datetime.timedelta(hours=2))
    assert history == [{"day": "2026-11-30", "zone": "red"}]
    history = zone_days_add(history, "green", now=NOW + datetime.timedelta(days=1))
    assert [entry["zone"] for entry in history] == ["red", "green"]


@pytest.mark.parametrize(
    ("username", "status"),
    [("500501", 200), ("200201", 200), ("900901", 200), ("300301", 403), ("100111", 403)],
)
def test_who_opens_the_materials_page(demo_materials, username, status):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    response = client.get("/materials/")
    assert response.status_code == status
    if status == 200:
        assert b"NUT-M10-WP" in response.content


def test_the_material_handler_lands_on_the_materials_page(demo_materials):
    response = desk("500501").get("/")
    assert response.status_code == 302 and response["Location"] == "/materials/"
