"""The 200 calls/minute budget holds under a burst, across processes, on an injected clock (no waiting)."""

import time

import pytest

from plex.client import RateBudget
from plex.fake_server import FakeClock, FakePlex
from tests.plex.conftest import make_client


def max_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.django_db
def test_it_keeps_a_burst_of_450_calls_within_200_per_minute():
    clock = FakeClock()
    with FakePlex(clock=clock, rate_limit=200) as fake:
        budget = RateBudget(limit=200, window=60.0, clock=clock, sleep=clock.sleep)
        with make_client(fake, budget=budget, sleep=clock.sleep) as client:
            for _ in range(450):
                client.get("mdm/v1/parts")
        statuses = {r.status for r in fake.requests}
        times = [r.at for r in fake.requests]
    assert statuses == {200}, "Plex never had to answer 429"
    assert len(times) == 450
    assert max_in_any_window(times, 60.0) == 200
    assert clock.now - 1_800_000_000.0 >= 120  # the burst was spread over at least two minutes


@pytest.mark.django_db
def test_it_shares_the_budget_between_processes():
    clock = FakeClock()
    with FakePlex(clock=clock, rate_limit=200) as fake:
        # Two workers (e.g. the sync and the outbox drain) each with their own client and budget object,
        # sharing only the database, as separate processes would.
        clients = [
            make_client(fake, budget=RateBudget(limit=200, clock=clock, sleep=clock.sleep), sleep=clock.sleep)
            for _ in range(2)
        ]
        for _ in range(150):
            for client in clients:
                client.get("mdm/v1/employees")
        for client in clients:
            client.close()
        times = [r.at for r in fake.requests]
        statuses = {r.status for r in fake.requests}
    assert len(times) == 300 and statuses == {200}
    assert max_in_any_window(times, 60.0) <= 200


@pytest.mark.django_db
def test_it_would_be_rate_limited_without_the_budget():
    """The control: the same burst with a budget that is too generous gets 429s from Plex."""
    clock = FakeClock()
    with FakePlex(clock=clock, rate_limit=200) as fake:
        budget = RateBudget(limit=10_000, clock=clock, sleep=clock.sleep)
        with make_client(fake, budget=budget, sleep=lambda s: None, max_retries=0) as client:
            failures = 0
            for _ in range(250):
                try:
                    client.get("mdm/v1/parts")
                except Exception:
                    failures += 1
    assert failures == 50
    assert sum(1 for r in fake.requests if r.status == 429) == 50


@pytest.mark.django_db
def test_it_tells_how_long_to_wait_when_the_window_is_full():
    clock = FakeClock()
    budget = RateBudget(limit=3, window=10.0, clock=clock, sleep=clock.sleep)
    assert [budget.try_acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.sleep(4)
    assert budget.try_acquire() == pytest.approx(6.0)
    assert budget.acquire() == pytest.approx(6.0)


@pytest.mark.django_db(transaction=True)
def test_it_holds_the_budget_for_concurrent_workers_on_real_time():
    """Four workers at once, each with its own connection, client and budget object: 20 calls/second.

    The budget's own grants are the measure: never more than 20 in any second of real time (a budget that is not
    shared, one that lets each of the four workers have its own 20, grants up to 80 and fails here). Plex's arrival times are not: on a loaded machine a call granted at 0.9 s can reach
    the server after one granted at 1.0 s, so the fake Plex refuses a 21st call within 0.6 s and the client may
    retry the rare refusal that scheduling causes, as it does in production."""
    import threading

    from django.db import connection

    grants: list[float] = []
    seen = threading.local()

    def clock() -> float:
        seen.now = time.time()
        return seen.now

    class RecordingBudget(RateBudget):
        def try_acquire(self) -> float:
            wait = super().try_acquire()
            if wait == 0:
                grants.append(seen.now)
            return wait

    with FakePlex(rate_limit=20, rate_window=0.6) as fake:
        problems = []

        def worker():
            try:
                budget = RecordingBudget(limit=20, window=1.0, clock=clock)
                with make_client(fake, budget=budget, max_retries=2) as client:
                    for _ in range(15):
                        client.get("mdm/v1/parts")
            except Exception as exc:  # collected and asserted below
                problems.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        answered = [r.status for r in fake.requests if r.status == 200]
    assert problems == []
    assert len(answered) == 60
    assert max_in_any_window(grants, 1.0) <= 20
    assert len(grants) >= 60
