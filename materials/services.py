"""Call-offs and kanban changes: approve and send to Plex, call by kanban card from a station, sign size changes.

Every change is audited. A requested call-off is announced (`replenishment_requested`); the plex app hears it
after commit and queues it for Plex (outbox kind "material_request"); with the integration off it stays local and
the material handler works from the page. A delivered call-off is on hand at once as a local receipt until the next
Plex inventory sync replaces it (at a rack with a Plex location; elsewhere close-outs use it up).
"""

import datetime
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from instructions.models import Station
from materials.models import (
    RECEIPT_LOT_PREFIX,
    CallOff,
    CallOffStatus,
    KanbanChange,
    KanbanChangeStatus,
    KanbanLoop,
    Lot,
    OpenSupply,
    SupplyStatus,
    quantity_said,
)
from plexcopilot import events
from plexcopilot.roles import ADMIN, MATERIAL_HANDLER, SUPERVISOR, user_role
from plexcopilot.services import audit_record, named_lock
from plexcopilot.signatures import SignatureRefused, printed_name, reauthenticate

CARD_PATTERN = re.compile(r"^KB-(?P<loop>\d{1,9})-(?P<card>\d{1,4})$")
APPROVER_ROLES = (MATERIAL_HANDLER, SUPERVISOR, ADMIN)
KANBAN_SIGNER_ROLES = (SUPERVISOR, ADMIN)


class MaterialsError(Exception):
    """A refused request; the message is written for the person on the floor."""


def plex_integration_on() -> bool:
    """Whether requests go to Plex (the plex app's `plex_enabled`: materials only announces, it never imports plex)."""
    return bool(settings.PLEX_BASE_URL)


def requested_said() -> str:
    """What happened to a requested call-off, for audit summaries."""
    return (
        "requested, queued for Plex"
        if plex_integration_on()
        else "requested, kept local: the Plex integration is off"
    )


def materials_lock() -> None:
    """One at a time, until the transaction ends: the evaluation (materials.tasks.materials_evaluate_now) and each
    call-off or kanban action. Taken first; their audit appends take the audit chain's lock last, briefly, so
    every path takes the two in one order and the plant's other audited writes never wait for an evaluation."""
    named_lock("materials")


def _requested(call_off: CallOff, *, previous_needed_by: datetime.datetime | None = None) -> None:
    payload: dict[str, Any] = {"call_off_id": call_off.pk}
    if previous_needed_by is not None:  # asked again, for an earlier time
        payload["previous_needed_by"] = previous_needed_by.isoformat()
    events.publish(events.REPLENISHMENT_REQUESTED, **payload)


def _already(pk: int) -> str:
    """Why a call-off is not there to approve or deliver any more, and who did it when (a stale tab, a colleague)."""
    current = CallOff.objects.select_related("approved_by", "delivered_by").filter(pk=pk).first()

    def by(user: Any, at: datetime.datetime | None) -> str:
        name = (user.get_full_name() or user.get_username()) if user is not None else ""
        return (f" by {name}" if name else "") + (f" at {timezone.localtime(at):%a %H:%M}" if at else "")

    if current is None:
        return f"Call-off {pk} no longer exists; nothing changed."
    if current.status == CallOffStatus.DELIVERED:
        return f"Call-off {pk} was already delivered{by(current.delivered_by, current.delivered_at)}; nothing changed."
    if current.status == CallOffStatus.REQUESTED and current.approved_by is None:  # a kanban card's call
        return f"Call-off {pk} was already requested and is on its way; nothing changed."
    if current.status == CallOffStatus.REQUESTED:
        return (f"Call-off {pk} was already approved{by(current.approved_by, current.approved_at)} and is on its "
                "way; nothing changed.")  # fmt: skip
    if current.status == CallOffStatus.CANCELLED:
        return f"Call-off {pk} was cancelled; nothing changed."
    return f"Call-off {pk} is still a draft: approve it first."


def call_off_approve(
    *, call_off: CallOff, user: Any, now: datetime.datetime, seen_quantity: Decimal | None = None
) -> CallOff:
    """A material handler or supervisor approves a drafted call-off: it is requested (announced for Plex) and counted
    as open supply arriving after the location's transit time. With `seen_quantity` (what the page showed), a draft
    the evaluation changed since is not approved unseen."""
    if user_role(user) not in APPROVER_ROLES:
        raise MaterialsError("Only material handlers and supervisors approve call-offs.")
    with transaction.atomic():
        materials_lock()  # first, as the evaluation does: an approval never lands in the middle of one
        drafts = CallOff.objects.filter(pk=call_off.pk, status=CallOffStatus.DRAFT)
        if seen_quantity is not None:
            drafts = drafts.filter(quantity=seen_quantity)
        claimed = drafts.update(
            status=CallOffStatus.REQUESTED,
            approved_by=user,
            approved_at=now,
            requested_needed_by=F("needed_by"),
        )
        if not claimed:
            current = CallOff.objects.filter(pk=call_off.pk, status=CallOffStatus.DRAFT).first()
            if current is not None:
                raise MaterialsError(
                    f"This call-off changed since the page was shown: it is now {current.quantity.normalize():f} "
                    f"{current.component.unit}, needed by {timezone.localtime(current.needed_by):%Y-%m-%d %H:%M}. "
                    "Check it and approve again."
                )
            raise MaterialsError(_already(call_off.pk))
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
                     summary=f"Approved call-off {call_off.pk}: {quantity_said(call_off.quantity)} {call_off.component.number} "
                     f"to {call_off.location.code}")  # fmt: skip
    return call_off


def call_off_expedite(
    *, call_off: CallOff, user: Any, now: datetime.datetime, seen_needed_by: datetime.datetime | None = None
) -> CallOff:
    """A material handler or supervisor asks again, for the earlier time the last evaluation needs a requested
    call-off by (the page flags it "needed earlier than when requested"): the new time is what was requested, and
    it is announced again for Plex. Nothing is re-sent by the evaluation on its own: a person decides. With
    `seen_needed_by` (what the page showed), a time the evaluation moved since is not requested unseen."""
    if user_role(user) not in APPROVER_ROLES:
        raise MaterialsError("Only material handlers and supervisors ask for call-offs.")
    with transaction.atomic():
        materials_lock()
        current = CallOff.objects.select_for_update(no_key=True).filter(pk=call_off.pk).first()
        if current is None or current.status != CallOffStatus.REQUESTED:
            raise MaterialsError("Only a call-off that is on its way can be asked for earlier.")
        if not current.needed_earlier or current.needed_by is None:
            when = current.requested_needed_by or current.needed_by
            raise MaterialsError(
                "This call-off is already requested for when it is needed"
                + (f" ({timezone.localtime(when):%Y-%m-%d %H:%M})." if when else ".")
            )
        if seen_needed_by is not None and abs((current.needed_by - seen_needed_by).total_seconds()) >= 60:
            raise MaterialsError(
                f"The time this call-off is needed by changed since the page was shown: it is now "
                f"{timezone.localtime(current.needed_by):%Y-%m-%d %H:%M}. Check it and ask again."
            )
        previous = current.requested_needed_by
        assert previous is not None  # needed_earlier compares with it
        current.requested_needed_by = current.needed_by
        current.save(update_fields=["requested_needed_by"])
        _requested(current, previous_needed_by=previous)
        audit_record(actor=user, action="materials.call_off.expedite", obj=current,
                     summary=f"Asked again for call-off {current.pk} ({quantity_said(current.quantity)} "
                     f"{current.component.number} to {current.location.code}): needed by "
                     f"{timezone.localtime(current.needed_by):%Y-%m-%d %H:%M}, was requested for "
                     f"{timezone.localtime(previous):%Y-%m-%d %H:%M}",
                     data={"needed_by": current.needed_by.isoformat(), "previous_needed_by": previous.isoformat()})  # fmt: skip
    return current


def call_off_deliver(*, call_off: CallOff, user: Any, now: datetime.datetime) -> CallOff:
    """A material handler or supervisor confirms a requested call-off arrived at its line-side location: its open
    supply is received and its quantity is on hand there at once, as a local receipt (a lot "call-off <id>" without
    a Plex container), so the next evaluation neither predicts the shortage it covered nor drafts it again. The next
    Plex containers sync is the truth and replaces the receipt at a rack with a Plex location; elsewhere it stays until
    close-outs use it up (docs/materials.md "Deliveries and the Plex sync")."""
    if user_role(user) not in APPROVER_ROLES:
        raise MaterialsError("Only material handlers and supervisors confirm deliveries.")
    with transaction.atomic():
        materials_lock()
        claimed = CallOff.objects.filter(pk=call_off.pk, status=CallOffStatus.REQUESTED).update(
            status=CallOffStatus.DELIVERED, delivered_at=now, delivered_by=user
        )
        if not claimed:
            raise MaterialsError(_already(call_off.pk))
        call_off.refresh_from_db()
        OpenSupply.objects.filter(source=f"call-off {call_off.pk}", status=SupplyStatus.OPEN).update(
            status=SupplyStatus.RECEIVED
        )
        lot = Lot.objects.create(
            component=call_off.component,
            location=call_off.location,
            lot_number=f"{RECEIPT_LOT_PREFIX}{call_off.pk}",
            quantity=call_off.quantity,
            updated_at=now,
        )
        # The containers sync only covers racks with a Plex location: anywhere else the receipt is there for good.
        if not plex_integration_on():
            until = "; it stays until station close-outs use it up: the Plex integration is off"
        elif call_off.location.plex_location:
            until = "; the next Plex inventory sync replaces it"
        else:
            until = f"; it stays until station close-outs use it up: {call_off.location.code} has no Plex location"
        audit_record(actor=user, action="materials.call_off.deliver", obj=call_off,
                     summary=f"Delivered call-off {call_off.pk}: {quantity_said(call_off.quantity)} {call_off.component.number} "
                     f"on hand at {call_off.location.code} (local receipt{until})",
                     data={"quantity": f"{call_off.quantity:f}", "lot": lot.lot_number})  # fmt: skip
    return call_off


def call_off_from_card(*, raw: str, station: Station, employee: Any, now: datetime.datetime) -> CallOff:
    """An operator scans an empty kanban card at the station: one card's quantity is requested at once (the
    card is the authorisation). Scanning the same card again while it is open returns the open request."""
    code = raw.strip().upper()
    match = CARD_PATTERN.match(code)
    if not match:  # the operator's refusals, in the operator's language (the station view activates it)
        raise MaterialsError(
            gettext("That is not a kanban card barcode (KB-<loop>-<card>). Scan the card again.")
        )
    loop = KanbanLoop.objects.select_related("component", "location").filter(pk=int(match["loop"])).first()
    if loop is None or not 1 <= int(match["card"]) <= loop.card_count:
        raise MaterialsError(gettext("This kanban card is not in use. Give it to the material handler."))
    if loop.location.work_center_id != station.work_center_id:
        raise MaterialsError(
            gettext("This card feeds %(location)s, not this station's work center. Check the card.")
            % {"location": loop.location.code}
        )
    with transaction.atomic():
        materials_lock()  # also makes two scans of one card at once one request
        existing = CallOff.objects.filter(
            kanban_card=code, status__in=[CallOffStatus.DRAFT, CallOffStatus.REQUESTED]
        ).first()
        if existing is not None:
            existing.already_open = True  # type: ignore[attr-defined]  # the view says it was requested before
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
            requested_needed_by=now + datetime.timedelta(hours=loop.location.transit_hours),
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
                     summary=f"Kanban card {code} called {quantity_said(loop.quantity_per_card)} {loop.component.number} "
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
        materials_lock()  # the loop changes between evaluations, never under one suggesting from its old size
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
                     f"{change.old_card_count} → {change.card_count} cards of {quantity_said(change.quantity_per_card)}",
                     data={"method": method})  # fmt: skip
    return change


def kanban_change_reject(*, change: KanbanChange, user: Any) -> KanbanChange:
    if user_role(user) not in KANBAN_SIGNER_ROLES:
        raise MaterialsError("Only supervisors decide kanban size changes.")
    # signed_at is when it was decided: the persistence rule counts only the days after a decision.
    claimed = KanbanChange.objects.filter(pk=change.pk, status=KanbanChangeStatus.PROPOSED).update(
        status=KanbanChangeStatus.REJECTED, signed_at=timezone.now()
    )
    if not claimed:
        raise MaterialsError("This change was already decided.")
    audit_record(actor=user, action="materials.kanban.reject", obj=change,
                 summary=f"Rejected kanban change {change.pk}")  # fmt: skip
    change.refresh_from_db()
    return change
