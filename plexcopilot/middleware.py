from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

STATION_SESSION_KEY = "station_id"
LAST_SEEN_KEY = "station_last_seen"


class StationIdleTimeoutMiddleware:
    """Signs a station tablet out after STATION_IDLE_TIMEOUT_SECONDS without a request.

    Only sessions started at a station (badge + PIN) carry the station key; desk sessions keep
    Django's normal expiry. Signing out flushes the server-side session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        station_id = request.session.get(STATION_SESSION_KEY) if request.user.is_authenticated else None
        if station_id is not None:
            now = timezone.now().timestamp()
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            if now - last_seen > settings.STATION_IDLE_TIMEOUT_SECONDS:
                station_code = request.session.get("station_code", "")
                logout(request)
                target = reverse("station-signin", args=[station_code]) + "?" + urlencode({"idle": "1"})
                if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
            request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
