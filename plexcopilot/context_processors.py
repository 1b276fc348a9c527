from django.conf import settings
from django.http import HttpRequest


def plant(request: HttpRequest) -> dict[str, object]:
    return {
        "plant_name": settings.PLANT_NAME or "plexcopilot",
        "idle_seconds": settings.STATION_IDLE_TIMEOUT_SECONDS,
        # The largest photo (station) and file (desk) an upload may carry, in whole MB, for the "too large" text.
        "photo_limit_mb": min(settings.PHOTO_MAX_BYTES, settings.UPLOAD_FILE_MAX_BYTES) // (1024 * 1024),
        "upload_limit_mb": settings.UPLOAD_FILE_MAX_BYTES // (1024 * 1024),
    }
