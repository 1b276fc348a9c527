"""Electronic signatures: the signer proves who they are again (password, or badge + PIN) before a signed act.

Every signed approval — a change proposal, a schedule release, a kanban size change, a translation review —
re-authenticates here, so the rules and the refusals read the same everywhere. Badge + PIN checking (with its
lockouts) belongs to identity; the core calls it through `settings.SIGNATURE_BADGE_CHECK`, the way Django
reaches authentication backends, so it imports no app.
"""

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

BADGE_PIN = "badge_pin"
PASSWORD = "password"


class SignatureRefused(Exception):
    """The signature was not accepted; nothing changed. The message is written for the signer."""


class BadgeLocked(Exception):
    """Too many wrong PINs for a badge (or from one place): sign-in and signatures wait a while."""


def badge_check(*, badge_id: str, pin: str, place: str = "") -> Any:
    """The active employee with this badge and PIN, or None; raises BadgeLocked (see SIGNATURE_BADGE_CHECK).
    A badge or PIN holding a NUL byte is no one's (it was looked up as typed: PostgreSQL refuses NUL, a 500)."""
    if "\x00" in badge_id or "\x00" in pin:
        return None
    return import_string(settings.SIGNATURE_BADGE_CHECK)(badge_id=badge_id, pin=pin, place=place)


def reauthenticate(*, user: Any, password: str = "", badge: str = "", pin: str = "") -> str:
    """Check the signed-in signer's credentials again; returns the method used (BADGE_PIN or PASSWORD).
    Raises SignatureRefused."""
    if badge or pin:
        try:
            employee = badge_check(badge_id=badge.strip(), pin=pin.strip())
        except BadgeLocked:
            raise SignatureRefused(
                "Too many wrong PINs for that badge. Wait a minute and try again."
            ) from None
        if employee is None or employee.user_id != user.pk:
            raise SignatureRefused(
                "Badge or PIN not recognised for the signed-in person. Nothing was signed."
            )
        return BADGE_PIN
    if not password:
        raise SignatureRefused("Enter your password (or badge and PIN) to sign.")
    # The signed-in person's own password, checked as Django's password-change form checks the old one (not through
    # authenticate(): django-axes's backend there needs the sign-in request, which a service does not have).
    if not (user.is_active and user.check_password(password)):
        raise SignatureRefused("Password not recognised. Nothing was signed.")
    return PASSWORD


def printed_name(user: Any) -> str:
    """The signer's name as printed on the signature record."""
    employee = getattr(user, "employee", None)
    return (employee.full_name if employee is not None else "") or user.get_full_name() or user.get_username()
