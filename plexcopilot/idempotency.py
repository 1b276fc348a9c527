"""Idempotency keys: a retried submit (after a timeout, a 503, a double tap) is recorded once.

The page's script gives every POST form a random key and re-sends the same key on a retry
(static/js/plexcopilot.js); a service that creates a row stores the key in a unique column and, seeing the
key again, returns the row it already made.
"""

import re

from django.http import HttpRequest

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def idempotency_key(request: HttpRequest) -> str:
    """The request's idempotency key (form field or `Idempotency-Key` header); "" when absent or malformed."""
    raw = request.POST.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
    return raw if KEY_PATTERN.fullmatch(raw or "") else ""
