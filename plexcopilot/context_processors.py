from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


def plant(request: HttpRequest) -> dict[str, object]:
    return {
        "plant_name": settings.PLANT_NAME or "plexcopilot",
        "idle_seconds": settings.STATION_IDLE_TIMEOUT_SECONDS,
        # The largest photo (station) and file (desk) an upload may carry, in whole MB, for the "too large" text.
        "photo_limit_mb": min(settings.PHOTO_MAX_BYTES, settings.UPLOAD_FILE_MAX_BYTES) // (1024 * 1024),
        "upload_limit_mb": settings.UPLOAD_FILE_MAX_BYTES // (1024 * 1024),
    }


def draft_owner(request: HttpRequest) -> dict[str, object]:
    """Whose page this is, as an opaque id (<body data-actor>): static/js/drafts.js puts a form kept across a
    sign-in back for the same person only, and drops it when another person's page opens on a shared tablet."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"draft_owner": ""}
    return {
        "draft_owner": salted_hmac("plexcopilot.drafts.owner", str(user.pk), algorithm="sha256").hexdigest()[
            :16
        ]
    }
