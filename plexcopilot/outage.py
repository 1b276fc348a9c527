"""What a database or Redis outage looks like to the operator: a styled 503 that says the entry was not saved.

Django turns any exception raised in a view or middleware into a call of `handler500` with the exception still
being handled (`sys.exc_info()`); `server_error` looks at it and, for an outage or a full connection pool,
answers 503 with a page rendered without the database (no context processors, no session, no user lookup).
"""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.defaults import server_error as django_server_error

from plexcopilot.middleware import STATION_LANGUAGE_COOKIE

logger = logging.getLogger(__name__)

BUSY, DATABASE, REDIS = "busy", "database", "redis"

MESSAGES = {
    BUSY: _(
        "The server is busy right now. Your entry was not saved: wait a few seconds and press the button again."
    ),
    DATABASE: _(
        "The plant database cannot be reached. Your entry was NOT saved: keep this screen and press the "
        "button again in a moment. If it keeps failing, tell your supervisor."
    ),
    REDIS: _(
        "The live-update service cannot be reached. Your entry was NOT saved: press the button again in a "
        "moment. If it keeps failing, tell your supervisor."
    ),
}


def _page_language(request: HttpRequest) -> str:
    """The outage page's language without the database: a station's operator's from the cookie sign-in set."""
    from django.conf import settings

    language = request.COOKIES.get(STATION_LANGUAGE_COOKIE, "")
    return language if language in dict(settings.LANGUAGES) else translation.get_language()


def outage_kind(error: BaseException | None) -> str | None:
    """BUSY (no free database connection), DATABASE or REDIS when `error` (or its cause) is an outage."""
    seen = 0
    while error is not None and seen < 5:
        name = type(error).__module__ + "." + type(error).__name__
        if name.startswith("psycopg_pool.") and "Timeout" in name:
            return BUSY
        if name.startswith("psycopg_pool.") and "PoolClosed" in name:
            return DATABASE
        if isinstance(error, (OperationalError, InterfaceError)):
            return BUSY if "PoolTimeout" in str(type(error.__cause__)) else DATABASE
        if name.startswith(("redis.", "channels_redis.")) and any(
            word in name for word in ("ConnectionError", "TimeoutError", "BusyLoadingError")
        ):
            return REDIS
        if isinstance(error, DatabaseError) and "connection" in str(error).lower():
            return DATABASE
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def outage_response(request: HttpRequest, kind: str) -> HttpResponse:
    is_htmx = bool(request.headers.get("HX-Request"))
    # A GET is simply repeated; after a POST the way back is the page that holds the operator's entry.
    retry = request.get_full_path() if request.method == "GET" else request.headers.get("Referer", "/")
    if not url_has_allowed_host_and_scheme(retry, allowed_hosts={request.get_host()}):
        retry = "/"
    with translation.override(_page_language(request)):
        html = render_to_string(
            "errors/503.html",
            {"kind": kind, "message": str(MESSAGES[kind]), "retry": retry[:500], "fragment": is_htmx},
        )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    response["X-Outage"] = kind  # the page's script shows the message without swapping the form away
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: outages and a full pool get the 503 page, everything else Django's 500."""
    from plexcopilot.uploads import UploadTooLarge, too_large_response

    error = sys.exc_info()[1]
    if isinstance(error, UploadTooLarge):
        return too_large_response(request)
    kind = outage_kind(error)
    if kind is not None:
        logger.warning("Answered 503 (%s) for %s %s", kind, request.method, request.path)
        return outage_response(request, kind)
    from plexcopilot.views import error_language

    with translation.override(error_language(request)):  # at a station, the operator's language
        return django_server_error(request, template_name=template_name)
