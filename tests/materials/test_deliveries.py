"""A delivery the material handler confirms ("Delivered") is on hand at its line-side location at once, as a local
receipt, so "Re-evaluate now" neither predicts the shortage it covered nor drafts the same call-off again; the
next Plex inventory sync is the truth and replaces the local receipt (the delivery is never counted twice). The
desk row keeps its two buttons apart, and the audit says what happened to a request (queued for Plex or local)."""

import datetime
import re

import pytest
from django.template.defaultfilters import floatformat
from django.utils import timezone

from instructions.models import WorkCenter
from materials.models import (
    BufferStatus,
    CallOff,
    CallOffStatus,
    Component,
    LineSideLocation,
    Lot,
    OpenSupply,
    ShortageAlert,
    SupplyStatus,
    quantity_said,
)
from plexcopilot.models import AuditEvent
from tests.materials.test_call_off_reevaluation import NUT, desk, rows, the_welder_runs_twice_as_fast

pytestmark = pytest.mark.django_db


def on_hand(component: str, location: str) -> float:
    return float(
        sum(lot.quantity for lot in Lot.objects.filter(component__number=component, location__code=location))
    )


def test_a_delivered_call_off_is_on_hand_at_once_and_is_not_drafted_again(demo_materials, clock):
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    place = call.location.code
    assert ShortageAlert.objects.filter(component__number=NUT, status="open").exists()
    before = on_hand(NUT, place)
    assert client.post(f"/materials/call-offs/{call.pk}/approve/").status_code == 302
    clock.shift(datetime.timedelta(hours=1))
    assert client.post(f"/materials/call-offs/{call.pk}/deliver/").status_code == 302
    call.refresh_from_db()
    assert call.status == CallOffStatus.DELIVERED
    assert on_hand(NUT, place) == before + float(call.quantity)  # on hand at once, before any evaluation
    assert not OpenSupply.objects.filter(source=f"call-off {call.pk}", status=SupplyStatus.OPEN).exists()
    event = AuditEvent.objects.get(action="materials.call_off.deliver", object_id=str(call.pk))
    assert f"{quantity_said(call.quantity)} {NUT}" in event.summary and place in event.summary
    assert f"{call.quantity.normalize():f} {NUT}" in event.summary  # 3500 NUT-…, not 3500.000 (walkthrough)
    assert (
        "local receipt; it stays until station close-outs use it up: the Plex integration is off"
        in event.summary
    )
    assert event.data["quantity"] == f"{call.quantity:f}" and event.data["lot"] == f"call-off {call.pk}"
    # The page the handler comes back to confirms it, and its figures already count the delivery.
    page = client.get("/materials/").content.decode()
    shown = floatformat(call.quantity, "-3")  # as the desk's tables show quantities: 500, not 500.000
    assert f"Delivered: {shown} {NUT} on hand at {place} (call-off {call.pk})" in page
    buffer = BufferStatus.objects.get(component__number=NUT, location__code=place)
    assert buffer.on_hand == before + float(call.quantity) and buffer.incoming == 0
    assert buffer.computed_at == timezone.now()

    clock.shift(datetime.timedelta(minutes=10))
    assert client.post("/materials/evaluate/").status_code == 302
    assert not ShortageAlert.objects.filter(component__number=NUT, status="open").exists()
    assert not CallOff.objects.filter(
        component__number=NUT, location__code=place, status__in=[CallOffStatus.DRAFT, CallOffStatus.REQUESTED]
    ).exists()
    buffer = BufferStatus.objects.get(component__number=NUT, location__code=place)
    assert buffer.on_hand == before + float(call.quantity) and buffer.incoming == 0
    page = client.get("/materials/").content.decode()
    assert 'data-testid="draft-call-off"' not in page and 'data-testid="shortage"' not in page


def test_the_next_plex_containers_sync_replaces_a_local_receipt_and_never_counts_it_twice(settings):
    from django.contrib.auth import get_user_model

    from materials.services import call_off_deliver
    from plex.fake_data import fake_id
    from plex.fake_server import FakePlex
    from plex.sync import plex_sync
    from tests.plex.conftest import make_client

    with FakePlex() as fake, make_client(fake) as client:
        settings.PLEX_BASE_URL = fake.url
        plex_sync(client=client, resources=["workcenters", "parts", "part_operations", "jobs"])
        rack = LineSideLocation.objects.create(
            work_center=WorkCenter.objects.get(code="PRS-250"),
            code="LS-PRS-250",
            plex_location=fake_id("location", "LS-PRS-250"),
        )
        local_rack = LineSideLocation.objects.create(  # a rack Plex does not know: the sync never touches it
            work_center=WorkCenter.objects.get(code="PRS-250"), code="LS-PRS-250-B"
        )
        plex_sync(client=client, resources=["boms", "containers"])
        coil = Component.objects.get(number="CL-340-2")
        assert on_hand("CL-340-2", "LS-PRS-250") == 1250.0
        handler = get_user_model().objects.create_superuser("plant-admin", "admin@example.com", "x")
        now = timezone.now()

        def delivered(location: LineSideLocation, quantity: int, at: datetime.datetime) -> CallOff:
            call = CallOff.objects.create(
                component=coil, location=location, quantity=quantity, status=CallOffStatus.REQUESTED,
                reason="test", created_at=at, needed_by=at,
            )  # fmt: skip
            return call_off_deliver(call_off=call, user=handler, now=at)

        first = delivered(rack, 500, now - datetime.timedelta(minutes=5))
        elsewhere = delivered(local_rack, 200, now - datetime.timedelta(minutes=5))
        assert on_hand("CL-340-2", "LS-PRS-250") == 1750.0  # counted locally until Plex says otherwise
        event = AuditEvent.objects.get(action="materials.call_off.deliver", object_id=str(first.pk))
        assert "next Plex inventory sync replaces it" in event.summary
        # No sync ever reaches a rack without a Plex location: its audit must not promise one.
        event = AuditEvent.objects.get(action="materials.call_off.deliver", object_id=str(elsewhere.pk))
        assert "sync replaces" not in event.summary
        assert (
            "it stays until station close-outs use it up: LS-PRS-250-B has no Plex location" in event.summary
        )

        # Plex received the 500 kg in a container of its own: the sync brings it in and the local receipt goes.
        fake.data.containers.append(
            {**fake.data.containers[0], "serialNo": "S0099999", "lotNo": "H24-0990", "quantity": 500}
        )
        # A delivery confirmed after this sync started may not be in Plex's answer yet: it stays until the next one.
        later = delivered(rack, 300, now + datetime.timedelta(minutes=1))
        run = plex_sync(client=client, resources=["containers"], now=now)
        assert run.status == "ok", run.errors.values_list("message", flat=True)
        assert on_hand("CL-340-2", "LS-PRS-250") == 1250.0 + 500 + 300  # 500 once (Plex), 300 still local
        assert not Lot.objects.filter(lot_number=f"call-off {first.pk}").exists()
        assert Lot.objects.filter(lot_number=f"call-off {later.pk}", plex_container_id="").exists()
        # Plex does not know that rack: its receipt stays.
        assert Lot.objects.filter(lot_number=f"call-off {elsewhere.pk}").exists()

        plex_sync(client=client, resources=["containers"], now=now + datetime.timedelta(minutes=10))
        assert on_hand("CL-340-2", "LS-PRS-250") == 1750.0  # Plex is the truth: the 300 is not in it
        assert on_hand("CL-340-2", "LS-PRS-250-B") == 200.0


def test_ask_for_it_and_delivered_are_kept_apart_and_re_evaluate_clears_the_first_card(demo_materials, clock):
    from pathlib import Path

    from django.conf import settings

    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    client.post(f"/materials/call-offs/{call.pk}/approve/")
    the_welder_runs_twice_as_fast()
    clock.shift(datetime.timedelta(minutes=10))
    client.post("/materials/evaluate/")
    page = client.get("/materials/").content
    [row] = rows(page, "requested-call-off")
    actions = re.search(r'<div class="cell-actions">(.*?)</div>', row, re.S)
    assert actions, "the row's buttons are in one spaced group"
    assert 'data-testid="expedite-call-off"' in actions.group(1) and ">Delivered<" in actions.group(1)
    assert re.search(r'<div class="row page-head">.*?data-testid="evaluate"', page.decode(), re.S)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "plexcopilot.css").read_text()
    gap = re.search(r"\.cell-actions \{[^}]*\bgap: (\d+)px", css)
    assert gap and int(gap.group(1)) >= 12
    margin = re.search(r"\.page-head \{[^}]*\bmargin-bottom: (\d+)px", css)
    assert margin and int(margin.group(1)) >= 12


@pytest.mark.parametrize("plex_on", [False, True])
def test_the_re_evaluation_audit_says_whether_a_request_went_to_plex(
    demo_materials, clock, settings, plex_on
):
    if plex_on:
        settings.PLEX_BASE_URL = "http://127.0.0.1:9/"  # queued only; nothing is sent here
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    client.post(f"/materials/call-offs/{call.pk}/approve/")
    call.refresh_from_db()
    requested_for = call.needed_by
    the_welder_runs_twice_as_fast()
    clock.shift(datetime.timedelta(minutes=10))
    client.post("/materials/evaluate/")
    call.refresh_from_db()
    event = AuditEvent.objects.get(action="materials.call_off.reevaluated", object_id=str(call.pk))
    assert "sent to plex" not in event.summary.lower()
    if plex_on:
        assert "(requested, queued for Plex)" in event.summary
    else:
        assert "(requested, kept local: the Plex integration is off)" in event.summary
    # Plant-local times, as in the expedite audit; the event's data keeps the exact instants.
    local = timezone.localtime
    assert f"{local(requested_for):%Y-%m-%d %H:%M} → {local(call.needed_by):%Y-%m-%d %H:%M}" in event.summary
    assert "+00:00" not in event.summary
    assert event.data["needed_by"] == [requested_for.isoformat(), call.needed_by.isoformat()]


def test_a_delivery_is_kept_and_confirmed_when_the_evaluation_after_it_fails(demo_materials, clock):
    """The review's case: the evaluation Delivered runs at once can lose a lock conflict with a concurrent one. The
    delivery is saved, the handler sees it confirmed (not a 500), and the evaluation is queued for the worker."""
    from django_tasks_db.models import DBTaskResult

    from materials.tasks import EVALUATE_TASK_PATH
    from tests.faults import database_blip

    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    assert client.post(f"/materials/call-offs/{call.pk}/approve/").status_code == 302
    DBTaskResult.objects.filter(task_path=EVALUATE_TASK_PATH).delete()
    with database_blip('UPDATE "materials_bufferstatus"') as failed:
        response = client.post(f"/materials/call-offs/{call.pk}/deliver/", follow=True)
    assert failed and response.status_code == 200
    call.refresh_from_db()
    assert call.status == CallOffStatus.DELIVERED
    assert "the figures count it at the next evaluation, within a minute" in response.content.decode()
    assert DBTaskResult.objects.filter(task_path=EVALUATE_TASK_PATH, status="READY").count() == 1


def test_the_delivered_section_keeps_the_shifts_deliveries_across_re_evaluations(demo_materials, clock):
    """ "Delivered" is a history of the shift: a re-evaluation (the desk's button or the worker's) does not empty it,
    as it did the one-off notice."""
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    assert client.post(f"/materials/call-offs/{call.pk}/approve/").status_code == 302
    assert client.post(f"/materials/call-offs/{call.pk}/deliver/").status_code == 302
    client.get("/materials/")  # the one-off notice is read
    clock.shift(datetime.timedelta(minutes=5))
    assert client.post("/materials/evaluate/").status_code == 302
    page = client.get("/materials/").content.decode()
    delivered = re.findall(r'<tr data-testid="delivered-call-off">(.*?)</tr>', page, re.S)
    assert len(delivered) == 1 and NUT in delivered[0] and call.location.code in delivered[0], page
    call.refresh_from_db()
    assert call.delivered_at is not None and call.delivered_by is not None


def test_between_two_shifts_the_delivered_section_counts_from_the_last_shift(demo_materials, clock):
    """A plant with no night shift (A 06–14, B 14–22): at 00:20 no shift runs, and the section counted from
    today's 06:00, still to come, so a delivery just made was not listed (review finding)."""
    from decimal import Decimal

    from labor.models import Shift

    Shift.objects.create(
        code="A", name="Day", starts=datetime.time(6), ends=datetime.time(14), paid_hours=Decimal(8)
    )
    Shift.objects.create(
        code="B", name="Late", starts=datetime.time(14), ends=datetime.time(22), paid_hours=Decimal(8)
    )
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    assert client.post(f"/materials/call-offs/{call.pk}/approve/").status_code == 302
    assert client.post(f"/materials/call-offs/{call.pk}/deliver/").status_code == 302
    client.get("/materials/")  # the one-off notice is read
    page = client.get("/materials/").content.decode()
    assert len(re.findall(r'<tr data-testid="delivered-call-off">', page)) == 1


def test_approving_says_so_and_a_stale_tab_is_told_who_already_did_it_and_when(demo_materials, clock):
    """The walkthrough's stale tab read "Only a requested call-off can be delivered." and an approval said
    nothing: the page says what was done, and a second press names who did it first."""
    client = desk()
    call = CallOff.objects.get(component__number=NUT, status=CallOffStatus.DRAFT)
    response = client.post(f"/materials/call-offs/{call.pk}/approve/", follow=True)
    call.refresh_from_db()
    shown = floatformat(call.quantity, "-3")
    assert (
        f"Requested: {shown} {NUT} to {call.location.code} (call-off {call.pk})" in response.content.decode()
    )
    again = client.post(f"/materials/call-offs/{call.pk}/approve/")
    approver = call.approved_by.get_full_name() or call.approved_by.get_username()
    at = f"{timezone.localtime(call.approved_at):%a %H:%M}"
    assert again.status_code == 409
    assert (
        f"Call-off {call.pk} was already approved by {approver} at {at} and is on its way"
        in again.content.decode()
    )
    assert client.post(f"/materials/call-offs/{call.pk}/deliver/").status_code == 302
    call.refresh_from_db()
    stale = client.post(f"/materials/call-offs/{call.pk}/deliver/")
    at = f"{timezone.localtime(call.delivered_at):%a %H:%M}"
    assert stale.status_code == 409
    assert f"Call-off {call.pk} was already delivered by {approver} at {at}; nothing changed." in (
        stale.content.decode()
    )
    assert Lot.objects.filter(lot_number=f"call-off {call.pk}").count() == 1  # delivered once
