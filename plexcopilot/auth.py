"""Badge + PIN sign-in for station tablets, with lockouts after repeated wrong PINs.

Three counters, all in the shared cache (Redis in production) with a per-process fallback while it is down:
- a badge at one place (station + address): BADGE_LOCKOUT_ATTEMPTS misses lock that badge *there* for
  BADGE_LOCKOUT_SECONDS, so someone typing wrong PINs at one tablet cannot lock a colleague out of the others;
- one place (station + address) across badges: PIN_PLACE_ATTEMPTS misses stop every sign-in from it, so the same
  person cannot walk through the badge list locking them one by one;
- a badge anywhere: PIN_BADGE_TOTAL_ATTEMPTS misses lock it everywhere (the brute-force backstop).
"""

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest

from plexcopilot.models import Employee
from plexcopilot.signatures import BadgeLocked  # raised here, caught by sign-in and by e-signatures

logger = logging.getLogger(__name__)


# While the shared cache (Redis) is unreachable the counters live in this process: sign-in keeps working and
# still throttles, per worker, instead of answering 500.
_fallback = LocMemCache("identity-auth-fallback", {"TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 10000}})


def _cache[T](call: Callable[[Any], T]) -> T:
    try:
        return call(cache)
    except Exception as error:  # redis.ConnectionError/TimeoutError and friends: the backend's own types
        if isinstance(error, (ValueError, TypeError)):
            raise
        logger.warning("Shared cache unavailable for sign-in counters; using this process's (%s)", error)
        return call(_fallback)


def _count(key: str, limit_seconds: int) -> None:
    def bump(c: Any) -> None:
        c.add(key, 0, limit_seconds)
        try:
            c.incr(key)
        except ValueError:
            c.set(key, 1, limit_seconds)

    _cache(bump)


def _get(key: str) -> int:
    return int(_cache(lambda c: c.get(key, 0)) or 0)


def _badge(badge_id: str) -> str:
    """The badge as a cache key holds it: a digest, so a scan of any length or byte is a valid key."""
    return hashlib.sha256(badge_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _badge_key(badge_id: str, place: str) -> str:
    return f"badge-attempts:{_badge(badge_id)}:{place}"


def _place_key(place: str) -> str:
    return f"pin-place-attempts:{place}"


def _total_key(badge_id: str) -> str:
    return f"badge-attempts-total:{_badge(badge_id)}"


def badge_is_locked(badge_id: str, place: str = "") -> bool:
    return (
        _get(_badge_key(badge_id, place)) >= settings.BADGE_LOCKOUT_ATTEMPTS
        or _get(_place_key(place)) >= settings.PIN_PLACE_ATTEMPTS
        or _get(_total_key(badge_id)) >= settings.PIN_BADGE_TOTAL_ATTEMPTS
    )


def badge_check(*, badge_id: str, pin: str, place: str = "") -> Employee | None:
    """The active employee with this badge and PIN, or None. Raises BadgeLocked after too many misses.

    `place` names where the attempt comes from (station code and client address)."""
    if badge_is_locked(badge_id, place):
        raise BadgeLocked
    employee = None
    if "\x00" not in badge_id and len(badge_id) <= (Employee._meta.get_field("badge_id").max_length or 0):
        # No badge holds a NUL or is longer than the column (PostgreSQL refuses a NUL in a query's text).
        employee = Employee.objects.select_related("user").filter(badge_id=badge_id, active=True).first()
    if employee is not None and employee.check_pin(pin) and employee.user.is_active:
        _cache(lambda c: c.delete(_badge_key(badge_id, place)))
        return employee
    _count(_badge_key(badge_id, place), settings.BADGE_LOCKOUT_SECONDS)
    _count(_place_key(place), settings.PIN_PLACE_WINDOW_SECONDS)
    _count(_total_key(badge_id), settings.PIN_PLACE_WINDOW_SECONDS)
    return None


def request_place(request: HttpRequest | None) -> str:
    """Where a sign-in comes from: the station's code (from the URL) and the client's address."""
    if request is None:
        return ""
    match = getattr(request, "resolver_match", None)
    code = match.kwargs.get("code", "") if match is not None else ""
    return f"{code}@{request.META.get('REMOTE_ADDR', '')}"


class BadgePinBackend(BaseBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, badge_id: str | None = None, pin: str | None = None, **kwargs: Any
    ) -> Any:
        if not badge_id or not pin:
            return None
        employee = badge_check(badge_id=badge_id, pin=pin, place=request_place(request))
        return employee.user if employee is not None else None

    def get_user(self, user_id: int) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def axes_skip_badge_signin(request: HttpRequest | None, credentials: dict[str, Any] | None) -> bool:
    """django-axes counts desk password logins only: badge + PIN sign-in has the lockout above."""
    return bool(credentials and "badge_id" in credentials)
