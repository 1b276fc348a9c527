"""Shared services: the audit trail."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from plexcopilot.models import AuditEvent

GENESIS_HASH = "0" * 64


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: Any | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the hash-chained audit trail.

    Concurrent writers race for the same predecessor; the unique hash makes the loser retry
    against the new tail, so the chain never forks.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    actor_name = ""
    if actor_user is not None:
        actor_name = actor_user.get_full_name() or actor_user.get_username()
    for _attempt in range(20):
        tail = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            at=timezone.now(),
            actor=actor_user,
            actor_name=actor_name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            summary=summary[:500],
            data=data or {},
            prev_hash=tail or GENESIS_HASH,
        )
        event.hash = event.compute_hash()
        try:
            with transaction.atomic():
                event.save()
            return event
        except IntegrityError:
            continue
    raise RuntimeError("Could not append to the audit trail under contention.")


def audit_verify() -> tuple[bool, int, str]:
    """Walk the chain; return (intact, events checked, first problem)."""
    expected_prev = GENESIS_HASH
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator():
        count += 1
        if event.prev_hash != expected_prev:
            return False, count, f"event {event.pk} does not follow the one before it"
        if event.compute_hash() != event.hash:
            return False, count, f"event {event.pk} was altered after it was written"
        expected_prev = event.hash
    return True, count, ""
