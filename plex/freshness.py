"""Freshness: how old the cache the floor works from is, and what waits to be sent (the station header)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from plex.models import OutboxItem, OutboxStatus, SyncState
from plex.outbox import plex_enabled

CORE_RESOURCES = ("workcenters", "employees", "parts", "jobs")


@dataclass(frozen=True)
class Freshness:
    enabled: bool
    last_sync: datetime.datetime | None
    age_seconds: int | None
    stale: bool
    pending: int
    failed: int


def plex_last_sync() -> datetime.datetime | None:
    """When the floor's core data (work centers, people, parts, jobs) last came in whole from Plex."""
    times = list(
        SyncState.objects.filter(resource__in=CORE_RESOURCES).values_list("last_success_at", flat=True)
    )
    if len(times) < len(CORE_RESOURCES) or any(t is None for t in times):
        return None
    return min(t for t in times if t is not None)


def plex_freshness(*, now: datetime.datetime | None = None) -> Freshness:
    if not plex_enabled():
        return Freshness(False, None, None, False, 0, 0)
    now = now or timezone.now()
    last = plex_last_sync()
    age = int((now - last).total_seconds()) if last else None
    counts = OutboxItem.objects.filter(
        Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING)
    ).count()
    failed = OutboxItem.objects.filter(status=OutboxStatus.FAILED).count()
    return Freshness(True, last, age, age is None or age > settings.PLEX_STALE_AFTER_SECONDS, counts, failed)
