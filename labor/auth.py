"""Badge + PIN sign-in for station tablets, with a lockout after repeated wrong PINs."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.core.cache import cache
from django.http import HttpRequest

from labor.models import Employee


class BadgeLocked(Exception):
    pass


def _attempts_key(badge_id: str) -> str:
    return f"badge-attempts:{badge_id}"


def badge_is_locked(badge_id: str) -> bool:
    return cache.get(_attempts_key(badge_id), 0) >= settings.BADGE_LOCKOUT_ATTEMPTS


def badge_check(*, badge_id: str, pin: str) -> Employee | None:
    """The active employee with this badge and PIN, or None. Raises BadgeLocked after too many misses."""
    if badge_is_locked(badge_id):
        raise BadgeLocked
    employee = Employee.objects.select_related("user").filter(badge_id=badge_id, active=True).first()
    if employee is not None and employee.check_pin(pin) and employee.user.is_active:
        cache.delete(_attempts_key(badge_id))
        return employee
    key = _attempts_key(badge_id)
    cache.add(key, 0, settings.BADGE_LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, settings.BADGE_LOCKOUT_SECONDS)
    return None


class BadgePinBackend(BaseBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, badge_id: str | None = None, pin: str | None = None, **kwargs: Any
    ) -> Any:
        if not badge_id or not pin:
            return None
        employee = badge_check(badge_id=badge_id, pin=pin)
        return employee.user if employee is not None else None

    def get_user(self, user_id: int) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=user_id, is_active=True).first()
