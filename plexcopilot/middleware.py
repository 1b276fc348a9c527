from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

STATION_SESSION_KEY = "station_id"
# The signed-in operator's language, also as a cookie: the outage page (rendered without the database, so without
# the session) speaks it too.
STATION_LANGUAGE_COOKIE = "plexcopilot_station_language"
LAST_SEEN_KEY = "station_last_seen"
#: Sent by a page's own refresh (htmx `every Ns` with `data-background-poll`): it reads, it is not the operator, so it
#: never keeps an idle station signed in (the labor page's Andon status polled every 20 s and did).
BACKGROUND_POLL_HEADER = "X-Background-Poll"


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
                    response["X-Session-Ended"] = "1"  # drafts.js keeps what the form held for after sign-in
                else:
                    response = HttpResponseRedirect(target)
                response.delete_cookie(STATION_LANGUAGE_COOKIE, samesite="Lax")  # the operator is gone
                return response
            if not request.headers.get(BACKGROUND_POLL_HEADER):
                request.session[LAST_SEEN_KEY] = now
        response = self.get_response(request)
        if (
            STATION_LANGUAGE_COOKIE in request.COOKIES
            and STATION_LANGUAGE_COOKIE not in response.cookies
            and not (request.user.is_authenticated and request.session.get(STATION_SESSION_KEY))
        ):
            # The operator's language outlives no station session: a desk sign-in on the same tablet, a session
            # ended anyhow, and the next person's outage page is in the site's language again.
            response.delete_cookie(STATION_LANGUAGE_COOKIE, samesite="Lax")
        return response


STATION_PATH_PREFIXES = ("/station/", "/labor/station/", "/materials/station/")


class StationNoStoreMiddleware:
    """Station screens are never kept by the browser (`Cache-Control: no-store`).

    A tablet's Back button must show a step as it is now, not the copy from before "Done" with a live Done button,
    and after a sign-out Back must not bring the previous operator's screen out of the cache. Applies to the HTML
    of every station page, and of every page a station session opens.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        at_station = request.path.startswith(STATION_PATH_PREFIXES) or (
            hasattr(request, "session") and request.session.get(STATION_SESSION_KEY) is not None
        )
        if at_station and response.get("Content-Type", "").startswith("text/html"):
            add_never_cache_headers(response)
        return response
