"""Reading Plex records: strict field readers, the per-record apply loop, and problems reported to the admin.

Every resource's applier (`sync_master`, `sync_jobs`, `sync_floor`, `sync_materials`) reads its records with
these, so bad payloads are caught here and not in the database, and a malformed record is logged, recorded
as a SyncError, skipped, and the rest goes on.
"""

import datetime
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from plex.client import parse_plex_timestamp
from plex.models import PlexRecord, SyncError, SyncRun

log = logging.getLogger("plex.sync")


class Malformed(Exception):
    """A Plex record this sync cannot use; the message names the field and what was wrong."""


def read_text(rec: dict[str, Any], key: str, *, required: bool = False, max_len: int = 200) -> str:
    value = rec.get(key)
    if value is None or value == "":
        if required:
            raise Malformed(f"{key} is missing")
        return ""
    if not isinstance(value, str):
        raise Malformed(f"{key} should be text, got {type(value).__name__}")
    return value.strip()[:max_len]


def read_integer(rec: dict[str, Any], key: str, *, required: bool = False) -> int | None:
    value = rec.get(key)
    if value is None:
        if required:
            raise Malformed(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise Malformed(f"{key} should be a whole number, got {value!r}"[:200])
    return int(value)


def read_number(rec: dict[str, Any], key: str) -> Decimal | None:
    value = rec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(f"{key} should be a number, got {value!r}"[:200])
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise Malformed(f"{key} is not a usable number") from exc
    if not number.is_finite() or abs(number) >= Decimal("1e7"):
        raise Malformed(f"{key} is out of range: {value!r}")
    return number


def read_moment(rec: dict[str, Any], key: str, *, required: bool = False) -> datetime.datetime | None:
    value = rec.get(key)
    if value is None or value == "":
        if required:
            raise Malformed(f"{key} is missing")
        return None
    try:
        return parse_plex_timestamp(value)
    except ValueError as exc:
        raise Malformed(f"{key} is not a Plex timestamp: {value!r}"[:200]) from exc


def other_rows(queryset: Any, obj: Any) -> Any:
    """Rows other than `obj` (all of them when `obj` is not saved yet)."""
    return queryset.exclude(pk=obj.pk) if obj is not None and obj.pk else queryset


def plain_number(value: Decimal | None) -> str:
    return "—" if value is None else format(Decimal(value).normalize(), "f")


def record_digest(rec: Any) -> str:
    return hashlib.sha256(json.dumps(rec, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Tally:
    seen: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class Context:
    run: SyncRun
    now: datetime.datetime
    tally: Tally = field(default_factory=Tally)
    actor: Any | None = None  # the admin who ran this sync: signs baseline instructions as a system import


def problem_report(run: SyncRun, resource: str, plex_id: str, message: str, payload: Any = None) -> None:
    """Record a problem for the admin once: a record that stays bad, or an outage that lasts, is not
    re-reported every run (the open problem moves to the latest run instead)."""
    log.warning("Plex sync %s %s: %s", resource, plex_id or "-", message)
    open_same = SyncError.objects.filter(
        resource=resource, plex_id=plex_id, message=message[:500], resolved=False
    )
    if open_same.exists():
        open_same.update(run=run)
        return
    if payload is not None:
        text = json.dumps(payload, default=str)
        payload = (
            json.loads(text)
            if len(text) <= 20000 and isinstance(payload, dict | list)
            else {"raw": text[:2000]}
        )
    SyncError.objects.create(
        run=run, resource=resource, plex_id=plex_id[:64], message=message[:500], payload=payload
    )


def record_list(body: Any, resource: str) -> list[Any]:
    if not isinstance(body, list):
        raise Malformed(f"{resource}: expected a JSON list from Plex, got {type(body).__name__}")
    return body


def records_apply(
    ctx: Context, resource: str, records: list[Any], id_key: str, apply: Callable[[dict[str, Any]], None]
) -> None:
    """Apply records one by one in savepoints; unchanged payloads are skipped, malformed ones reported."""
    for rec in records:
        ctx.tally.seen += 1
        plex_id = rec.get(id_key) if isinstance(rec, dict) else None
        plex_id = plex_id if isinstance(plex_id, str) else ""
        try:
            if not isinstance(rec, dict):
                raise Malformed(f"expected an object, got {type(rec).__name__}")
            if not plex_id:
                raise Malformed(f"{id_key} is missing")
            digest = record_digest(rec)
            known = PlexRecord.objects.filter(resource=resource, plex_id=plex_id).first()
            if known is not None and known.digest == digest:
                ctx.tally.unchanged += 1
                PlexRecord.objects.filter(pk=known.pk).update(last_seen_at=ctx.now)
                continue
            with transaction.atomic():
                apply(rec)
                PlexRecord.objects.update_or_create(
                    resource=resource,
                    plex_id=plex_id,
                    defaults={"digest": digest, "data": rec, "last_seen_at": ctx.now},
                )
            ctx.tally.changed += 1
        except Malformed as exc:
            ctx.tally.skipped += 1
            problem_report(ctx.run, resource, plex_id, str(exc), rec)
