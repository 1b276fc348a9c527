"""Shared services: the audit trail."""

from typing import Any

from django.db import IntegrityError, connection, transaction
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

    Appends are serialised (an advisory lock on PostgreSQL, the write lock on SQLite); the
    unique prev_hash is the backstop that makes a racing writer retry, so the chain never forks.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    actor_name = ""
    if actor_user is not None:
        actor_name = actor_user.get_full_name() or actor_user.get_username()
    for _attempt in range(20):
        try:
            with transaction.atomic():
                audit_chain_lock()
                tail = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
                event = _event(
                    actor_user,
                    actor_name,
                    action,
                    object_type,
                    object_id,
                    summary,
                    data,
                    tail or GENESIS_HASH,
                )
                event.save()
            return event
        except IntegrityError:
            continue
    raise RuntimeError("Could not append to the audit trail under contention.")


AUDIT_LOCK_KEY = 7_220_611  # any constant: the PostgreSQL advisory lock that orders the chain


def audit_chain_lock() -> None:
    """Serialise appends to the chain until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite needs nothing: its IMMEDIATE
    transactions already hold the single write lock. Call it first in a transaction that will
    write audit events after locking rows, so every such transaction takes its locks in one order.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


def _event(
    actor_user: Any,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    data: dict[str, Any] | None,
    prev_hash: str,
) -> AuditEvent:
    event = AuditEvent(
        at=timezone.now(),
        actor=actor_user,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:500],
        data=data or {},
        prev_hash=prev_hash,
    )
    event.hash = event.compute_hash()
    return event


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
