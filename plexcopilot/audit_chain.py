"""The audit chain's key and its checkpoints outside the database.

Keyed chain: every event's hash is an HMAC-SHA256 (key from AUDIT_HMAC_KEY or the file AUDIT_HMAC_KEY_FILE, never
the database), so someone who can write the table cannot rewrite an event and re-hash the chain after it. Events
written before the key existed keep their plain SHA-256 hashes and stay verifiable; once a keyed event appears,
every later one must be keyed.

Checkpoints: every AUDIT_CHECKPOINT_EVERY events (after commit) and on every `verify_audit`, one JSON line with the
event count, the last id and the head hash, itself HMAC'd, is appended to AUDIT_CHECKPOINT_FILE (keep it off the
database host or make it append-only: `chattr +a`) and logged to the `plexcopilot.audit` logger (syslog). A chain
shorter than a checkpoint, or whose event at a checkpoint has another hash, was truncated or re-hashed.
"""

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("plexcopilot.audit")


def audit_key() -> bytes:
    """The chain key: AUDIT_HMAC_KEY, else the key file (created once, mode 0600, when missing)."""
    configured: str = getattr(settings, "AUDIT_HMAC_KEY", "")
    if configured:
        return configured.encode()
    path = Path(settings.AUDIT_HMAC_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
    return path.read_text().strip().encode()


def keyed_hash(payload: bytes) -> str:
    return hmac.new(audit_key(), payload, hashlib.sha256).hexdigest()


def legacy_hash(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


# --- Checkpoints ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    count: int
    last_id: int
    head: str


def _checkpoint_mac(count: int, last_id: int, head: str) -> str:
    return keyed_hash(f"checkpoint|{count}|{last_id}|{head}".encode())


def checkpoint_write(*, count: int, last_id: int, head: str, reason: str) -> None:
    """Append one checkpoint line (O_APPEND: lines from several processes never interleave)."""
    line = json.dumps(
        {"at": timezone.now().isoformat(), "count": count, "last_id": last_id, "head": head, "reason": reason,
         "mac": _checkpoint_mac(count, last_id, head)}, sort_keys=True,
    )  # fmt: skip
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)
    logger.info("audit checkpoint count=%s last_id=%s head=%s", count, last_id, head)


def checkpoints_read() -> tuple[list[Checkpoint], list[str]]:
    """The valid checkpoints, and the problems with lines that are not (forged or damaged)."""
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return [], []
    found, problems = [], []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        try:
            item: dict[str, Any] = json.loads(raw)
            point = Checkpoint(int(item["count"]), int(item["last_id"]), str(item["head"]))
        except (ValueError, KeyError, TypeError):
            problems.append(f"checkpoint line {number} is unreadable")
            continue
        if not hmac.compare_digest(
            str(item.get("mac", "")), _checkpoint_mac(point.count, point.last_id, point.head)
        ):
            problems.append(f"checkpoint line {number} does not carry a valid key signature")
            continue
        found.append(point)
    return found, problems


def checkpoint_due(event_id: int) -> None:
    """After the transaction that wrote event `event_id` commits: a checkpoint every AUDIT_CHECKPOINT_EVERY events."""
    every = max(int(settings.AUDIT_CHECKPOINT_EVERY), 1)
    if event_id % every:
        return
    from plexcopilot.models import AuditEvent

    try:
        head = AuditEvent.objects.filter(pk=event_id).values_list("hash", flat=True).first()
        if head is None:
            return
        count = AuditEvent.objects.filter(pk__lte=event_id).count()
        checkpoint_write(count=count, last_id=event_id, head=head, reason="every")
    except Exception:
        logger.exception("audit checkpoint not written (the next one covers it)")
