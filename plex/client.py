"""Plex Connect over httpx: headers from settings, explicit timeouts, retries with backoff on 429/5xx,
and a call budget (200/min by default) shared by every process through the database."""

import datetime
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction

from plex.models import ApiCall, BudgetLock

log = logging.getLogger("plex")

# --- Plex timestamps: UTC, seven fractional digits, "Z" -----------------------------------------

_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def plex_timestamp(value: datetime.datetime) -> str:
    """2026-11-21T23:51:19.1234560Z — the form Plex documents for dates in and out."""
    if value.tzinfo is None:
        raise ValueError("Plex timestamps need an aware datetime.")
    utc = value.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"


def parse_plex_timestamp(raw: str) -> datetime.datetime:
    """Parse Plex's timestamp (0-9 fractional digits, Z or an offset; a bare date is midnight UTC)."""
    match = _TS.match(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        raise ValueError(f"not a Plex timestamp: {raw!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz: datetime.tzinfo = datetime.UTC
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime.datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=tz
    ).astimezone(datetime.UTC)


# --- The shared call budget ---------------------------------------------------------------------


class RateBudget:
    """At most `limit` calls in any `window` seconds, across every process sharing the database.

    A sliding-window log: each admitted call is a row; a caller over budget sleeps until the oldest
    call in the window ages out. `clock` and `sleep` are injectable so tests need not wait a minute.
    """

    def __init__(
        self,
        *,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        name: str = "plex",
    ) -> None:
        if limit < 1:
            raise ValueError("The Plex call budget must allow at least one call.")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self.name = name

    def try_acquire(self) -> float:
        """Take a slot now and return 0, or return how many seconds to wait before trying again."""
        BudgetLock.objects.get_or_create(name=self.name)
        with transaction.atomic():
            # The locked row serialises budget checks between processes (PostgreSQL); SQLite's
            # immediate transactions already do. The clock is read once the lock is held.
            BudgetLock.objects.select_for_update(no_key=True).filter(name=self.name).first()
            now = self.clock()
            ApiCall.objects.filter(at__lte=now - self.window).delete()
            in_window = ApiCall.objects.filter(at__gt=now - self.window)
            if in_window.count() < self.limit:
                ApiCall.objects.create(at=now)
                return 0.0
            oldest = in_window.order_by("at").values_list("at", flat=True).first() or now
        return max(oldest + self.window - now, 0.01)

    def acquire(self) -> float:
        """Block until a slot is free; returns the seconds spent waiting."""
        waited = 0.0
        while True:
            wait = self.try_acquire()
            if wait == 0:
                return waited
            self.sleep(wait)
            waited += wait


# --- Errors -------------------------------------------------------------------------------------


class PlexError(Exception):
    """Anything that stopped a Plex call from succeeding."""


class PlexUnavailable(PlexError):
    """Plex could not be reached, timed out, kept answering 429/5xx: try again later."""


class PlexAuthError(PlexError):
    """401/403: the API key, tenant or its permissions are wrong. Retrying will not help until fixed."""


class PlexRejected(PlexError):
    """Plex refused the request itself (400/404/409/422...). The data needs a person's attention."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"Plex answered {status}: {body[:300]}")
        self.status = status
        self.body = body


class PlexNotConfigured(PlexError):
    """PLEX_BASE_URL is empty: the integration is off."""


# --- The client ---------------------------------------------------------------------------------


@dataclass
class PlexClient:
    base_url: str
    api_key: str
    budget: RateBudget
    tenant_id: str = ""
    customer_id: str = ""
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(30.0, connect=5.0))
    max_retries: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    calls: int = 0

    def __post_init__(self) -> None:
        headers = {"X-Plex-Connect-Api-Key": self.api_key, "Accept": "application/json"}
        if self.tenant_id:
            headers["X-Plex-Connect-Tenant-Id"] = self.tenant_id
        if self.customer_id:
            headers["X-Plex-Connect-Customer-Id"] = self.customer_id
        self._http = httpx.Client(
            base_url=self.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=self.timeout,
            transport=self.transport,
            follow_redirects=False,
        )

    @classmethod
    def from_settings(cls, **overrides: Any) -> "PlexClient":
        if not settings.PLEX_BASE_URL:
            raise PlexNotConfigured("PLEX_BASE_URL is not set; the Plex integration is off.")
        options: dict[str, Any] = {
            "base_url": settings.PLEX_BASE_URL,
            "api_key": settings.PLEX_API_KEY,
            "tenant_id": settings.PLEX_TENANT_ID,
            "customer_id": settings.PLEX_CUSTOMER_ID,
            "budget": RateBudget(limit=settings.PLEX_RATE_PER_MINUTE, window=60.0),
            "timeout": httpx.Timeout(settings.PLEX_READ_TIMEOUT, connect=settings.PLEX_CONNECT_TIMEOUT),
            "max_retries": settings.PLEX_MAX_RETRIES,
        }
        options.update(overrides)
        return cls(**options)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "PlexClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, *, idempotency_key: str = "") -> Any:
        return self.request("POST", path, json=body, idempotency_key=idempotency_key)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str = "",
    ) -> Any:
        """One logical call: budgeted, retried on 429/5xx/network errors with exponential backoff."""
        headers = {"X-Plexcopilot-Idempotency-Key": idempotency_key} if idempotency_key else {}
        problem = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(self._delay(attempt, problem))
            self.budget.acquire()
            self.calls += 1
            try:
                response = self._http.request(
                    method, path.lstrip("/"), params=params, json=json, headers=headers
                )
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                log.warning("Plex %s %s failed (%s), attempt %s", method, path, problem, attempt + 1)
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                problem = f"HTTP {status}"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    problem += f" retry-after={retry_after}"
                log.warning("Plex %s %s answered %s, attempt %s", method, path, status, attempt + 1)
                continue
            if status in (401, 403):
                raise PlexAuthError(f"Plex refused the API key or tenant (HTTP {status}) for {path}.")
            if status >= 400:
                raise PlexRejected(status, response.text)
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError as exc:
                raise PlexRejected(status, f"not JSON: {response.text[:200]}") from exc
        raise PlexUnavailable(
            f"Plex unavailable for {method} {path} after {self.max_retries + 1} tries: {problem}"
        )

    def _delay(self, attempt: int, problem: str) -> float:
        """Exponential backoff; a Retry-After from Plex wins when it is longer."""
        delay = min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max)
        match = re.search(r"retry-after=(\d+)", problem)
        if match:
            delay = max(delay, min(float(match.group(1)), self.backoff_max))
        return delay
