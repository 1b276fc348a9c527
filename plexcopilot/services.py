"""Shared services: the audit trail."""

import hmac
import zlib
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from plexcopilot.audit_chain import Checkpoint, checkpoint_due, checkpoint_write, checkpoints_read
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
                transaction.on_commit(partial(checkpoint_due, event.pk), robust=True)
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


NAMED_LOCK_SPACE = (
    7_220_613  # the first key of named_lock's advisory locks (the second is the name's checksum)
)


def named_lock(name: str, *, space: int = NAMED_LOCK_SPACE) -> None:
    """Hold the lock called `name` until the current transaction ends: one holder at a time, the others wait.

    For work that must run one at a time without holding the audit chain's lock (which every audited write in the
    plant waits for). PostgreSQL: a transaction-scoped advisory lock keyed on (`space`, the name's checksum).
    SQLite needs nothing: its IMMEDIATE transactions already hold the single write lock. Take it first in the
    transaction; an audit append then takes the chain's lock last, so the two are always taken in one order."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        key = zlib.crc32(name.encode()) - 2**31  # into PostgreSQL's int4
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [space, key])


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


def audit_verify(*, checkpoint: bool = True) -> tuple[bool, int, str]:
    """Walk the chain against the checkpoints; return (intact, events checked, first problem).

    Finds an edited event (its hash), a deleted one (the next does not follow), a re-hashed tail (the key, and the
    checkpointed heads) and a truncated tail (fewer events than a checkpoint counted). An intact chain gets a new
    checkpoint, so a later truncation is always caught.
    """
    points, problems = checkpoints_read()
    if problems:
        return False, 0, problems[0]
    by_count: dict[int, list[Checkpoint]] = {}
    for point in points:
        by_count.setdefault(point.count, []).append(point)
    expected_prev, count, keyed_seen, last_id = GENESIS_HASH, 0, False, 0
    for event in AuditEvent.objects.order_by("id").iterator():
        count += 1
        if event.prev_hash != expected_prev:
            return False, count, f"event {event.pk} does not follow the one before it"
        if hmac.compare_digest(event.compute_hash(keyed=True), event.hash):
            keyed_seen = True
        elif keyed_seen or not hmac.compare_digest(event.compute_hash(keyed=False), event.hash):
            return False, count, f"event {event.pk} was altered after it was written"
        for point in by_count.get(count, []):
            if point.last_id != event.pk or point.head != event.hash:
                return (
                    False,
                    count,
                    (
                        f"event {event.pk} is not the event checkpointed as number {count}: "
                        "the chain was re-hashed or rows were removed and re-added"
                    ),
                )
        expected_prev, last_id = event.hash, event.pk
    longest = max(points, key=lambda p: p.count, default=None)
    if longest is not None and longest.count > count:
        return (
            False,
            count,
            (
                f"the chain has {count} events but a checkpoint recorded {longest.count} "
                f"(up to event {longest.last_id}): events were deleted from its end"
            ),
        )
    if checkpoint and count:
        checkpoint_write(count=count, last_id=last_id, head=expected_prev, reason="verify")
    return True, count, ""
