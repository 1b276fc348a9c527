"""Call-offs and kanban changes: approve and send to Plex, call by kanban card from a station, sign size changes.

Every change is audited. A requested call-off is announced (`replenishment_requested`); the plex app hears it
after commit and queues it for Plex (outbox kind "material_request"); with the integration off it stays local and
the material handler works from the page.
"""

import datetime
import re
from decimal import Decimal
from typing import Any

from django.db import transaction

from instructions.models import Station
from materials.models import (
    CallOff,
    CallOffStatus,
    KanbanChange,
    KanbanChangeStatus,
    KanbanLoop,
    OpenSupply,
    SupplyStatus,
)
from plexcopilot import events
from plexcopilot.roles import ADMIN, MATERIAL_HANDLER, SUPERVISOR, user_role
from plexcopilot.services import audit_record
from plexcopilot.signatures import SignatureRefused, printed_name, reauthenticate

CARD_PATTERN = re.compile(r"^KB-(?P<loop>\d{1,9})-(?P<card>\d{1,4})$")
APPROVER_ROLES = (MATERIAL_HANDLER, SUPERVISOR, ADMIN)
KANBAN_SIGNER_ROLES = (SUPERVISOR, ADMIN)


class MaterialsError(Exception):
    """A refused request; the message is written for the person on the floor."""


def _requested(call_off: CallOff) -> None:
    events.publish(events.REPLENISHMENT_REQUESTED, call_off_id=call_off.pk)


def call_off_approve(*, call_off: CallOff, user: Any, now: datetime.datetime) -> CallOff:
    """A material handler or supervisor approves a drafted call-off: it is requested (announced for Plex) and counted
    as open supply arriving after the location's transit time."""
    if user_role(user) not in APPROVER_ROLES:
        raise MaterialsError("Only material handlers and supervisors approve call-offs.")
    with transaction.atomic():
        claimed = CallOff.objects.filter(pk=call_off.pk, status=CallOffStatus.DRAFT).update(
            status=CallOffStatus.REQUESTED, approved_by=user, approved_at=now
        )
        if not claimed:
            raise MaterialsError("This call-off is no longer a draft.")
        call_off.refresh_from_db()
        OpenSupply.objects.create(
            component=call_off.component,
            location=call_off.location,
            quantity=call_off.quantity,
            eta=now + datetime.timedelta(hours=call_off.location.transit_hours),
            source=f"call-off {call_off.pk}",
        )
        _requested(call_off)
        audit_record(actor=user, action="materials.call_off.approve", obj=call_off,
                     summary=f"Approved call-off {call_off.pk}: {call_off.quantity:g} {call_off.component.number} "
                     f"to {call_off.location.code}")  # fmt: skip
    return call_off


def call_off_deliver(*, call_off: CallOff, user: Any, now: datetime.datetime) -> CallOff:
    if user_role(user) not in APPROVER_ROLES:
        raise MaterialsError("Only material handlers and supervisors confirm deliveries.")
    with transaction.atomic():
        claimed = CallOff.objects.filter(pk=call_off.pk, status=CallOffStatus.REQUESTED).update(
            status=CallOffStatus.DELIVERED
        )
        if not claimed:
            raise MaterialsError("Only a requested call-off can be delivered.")
        OpenSupply.objects.filter(source=f"call-off {call_off.pk}", status=SupplyStatus.OPEN).update(
            status=SupplyStatus.RECEIVED
        )
        audit_record(actor=user, action="materials.call_off.deliver", obj=call_off,
                     summary=f"Delivered call-off {call_off.pk}")  # fmt: skip
    call_off.refresh_from_db()
    return call_off


def call_off_from_card(*, raw: str, station: Station, employee: Any, now: datetime.datetime) -> CallOff:
    """An operator scans an empty kanban card at the station: one card's quantity is requested at once (the
    card is the authorisation). Scanning the same card again while it is open returns the open request."""
    code = raw.strip().upper()
    match = CARD_PATTERN.match(code)
    if not match:
        raise MaterialsError("That is not a kanban card barcode (KB-<loop>-<card>). Scan the card again.")
    loop = KanbanLoop.objects.select_related("component", "location").filter(pk=int(match["loop"])).first()
    if loop is None or not 1 <= int(match["card"]) <= loop.card_count:
        raise MaterialsError("This kanban card is not in use. Give it to the material handler.")
    if loop.location.work_center_id != station.work_center_id:
        raise MaterialsError(
            f"This card feeds {loop.location.code}, not this station's work center. Check the card."
        )
    with transaction.atomic():
        existing = CallOff.objects.filter(
            kanban_card=code, status__in=[CallOffStatus.DRAFT, CallOffStatus.REQUESTED]
        ).first()
        if existing is not None:
            return existing
        user = getattr(employee, "user", None)
        call_off = CallOff.objects.create(
            component=loop.component,
            location=loop.location,
            quantity=loop.quantity_per_card,
            status=CallOffStatus.REQUESTED,
            reason=f"Kanban card {code} scanned at {station.code}",
            kanban_card=code,
            created_at=now,
            created_by=user,
            needed_by=now + datetime.timedelta(hours=loop.location.transit_hours),
        )
        OpenSupply.objects.create(
            component=loop.component,
            location=loop.location,
            quantity=loop.quantity_per_card,
            eta=now + datetime.timedelta(hours=loop.location.transit_hours),
            source=f"call-off {call_off.pk}",
        )
        _requested(call_off)
        audit_record(actor=user, action="materials.call_off.card", obj=call_off,
                     summary=f"Kanban card {code} called {loop.quantity_per_card:g} {loop.component.number} "
                     f"at {station.code}")  # fmt: skip
    return call_off


def kanban_change_sign(
    *,
    change: KanbanChange,
    user: Any,
    now: datetime.datetime,
    password: str = "",
    badge: str = "",
    pin: str = "",
) -> KanbanChange:
    """A supervisor signs a card-count / card-quantity change (re-authentication as for instruction approvals);
    the loop changes in the same transaction. A refused signature changes nothing and is audited."""
    try:
        if user_role(user) not in KANBAN_SIGNER_ROLES:
            raise SignatureRefused("Only supervisors sign kanban size changes.")
        method = reauthenticate(user=user, password=password, badge=badge, pin=pin)
    except SignatureRefused as error:
        audit_record(actor=user, action="materials.kanban.signature_refused", obj=change,
                     summary=f"Signature refused on kanban change {change.pk}: {error}")  # fmt: skip
        raise
    with transaction.atomic():
        claimed = KanbanChange.objects.filter(pk=change.pk, status=KanbanChangeStatus.PROPOSED).update(
            status=KanbanChangeStatus.APPROVED,
            signed_by=user,
            signed_name=printed_name(user),
            signed_method=method,
            signed_at=now,
        )
        if not claimed:
            raise MaterialsError("This change was already decided.")
        change.refresh_from_db()
        KanbanLoop.objects.filter(pk=change.loop_id).update(
            card_count=change.card_count, quantity_per_card=Decimal(change.quantity_per_card)
        )
        audit_record(actor=user, action="materials.kanban.sign", obj=change,
                     summary=f"{change.signed_name} signed kanban change {change.pk}: "
                     f"{change.old_card_count} → {change.card_count} cards of {change.quantity_per_card:g}",
                     data={"method": method})  # fmt: skip
    return change


def kanban_change_reject(*, change: KanbanChange, user: Any) -> KanbanChange:
    if user_role(user) not in KANBAN_SIGNER_ROLES:
        raise MaterialsError("Only supervisors decide kanban size changes.")
    claimed = KanbanChange.objects.filter(pk=change.pk, status=KanbanChangeStatus.PROPOSED).update(
        status=KanbanChangeStatus.REJECTED
    )
    if not claimed:
        raise MaterialsError("This change was already decided.")
    audit_record(actor=user, action="materials.kanban.reject", obj=change,
                 summary=f"Rejected kanban change {change.pk}")  # fmt: skip
    change.refresh_from_db()
    return change
