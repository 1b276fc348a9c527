from django.conf import settings
from django.http import HttpRequest


def plant(request: HttpRequest) -> dict[str, object]:
    return {
        "plant_name": settings.PLANT_NAME or "plexcopilot",
        "idle_seconds": settings.STATION_IDLE_TIMEOUT_SECONDS,
    }
