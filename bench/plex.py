"""Plex integration against the fake Plex on 127.0.0.1: sync of a small tenant (first and replay), the
station-side cost of queueing a checksheet, and outbox drain throughput inside the call budget."""

import time

from django.test.utils import override_settings

from bench.stats import median, percentile
from plex.client import PlexClient, RateBudget
from plex.fake_server import FakePlex
from plex.models import OutboxItem
from plex.outbox import outbox_drain, outbox_enqueue
from plex.sync import plex_sync

ENQUEUES = 300
DRAIN = 120  # with the sync's calls, stays inside one minute's 200-call budget


def run() -> dict[str, float]:
    with FakePlex() as fake, override_settings(PLEX_BASE_URL=fake.url, PLEX_API_KEY=fake.api_key):
        client = PlexClient(base_url=fake.url, api_key=fake.api_key, budget=RateBudget(limit=200))
        started = time.perf_counter()
        first = plex_sync(client=client)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        replay = plex_sync(client=client)
        replay_seconds = time.perf_counter() - started

        enqueue_ms = []
        for n in range(ENQUEUES):
            payload = {
                "jobOperationId": "jo",
                "measurements": [{"specificationId": "s", "value": 8.5 + n / 1000}],
            }
            t0 = time.perf_counter()
            outbox_enqueue(kind="checksheet", payload=payload, idempotency_key=f"bench-{n}")
            enqueue_ms.append((time.perf_counter() - t0) * 1000)
        OutboxItem.objects.filter(pk__gt=OutboxItem.objects.order_by("pk")[DRAIN - 1].pk).delete()
        started = time.perf_counter()
        drained = outbox_drain(client=client, limit=DRAIN)
        drain_seconds = time.perf_counter() - started
        client.close()
    return {
        "plex_sync_first_s": first_seconds,
        "plex_sync_first_calls": first.calls,
        "plex_sync_replay_s": replay_seconds,
        "plex_sync_replay_calls": replay.calls,
        "plex_outbox_enqueue_median_ms": median(enqueue_ms),
        "plex_outbox_enqueue_p95_ms": percentile(enqueue_ms, 95),
        "plex_outbox_drain_items_per_s": drained.sent / drain_seconds,
    }
