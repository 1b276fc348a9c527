import logging

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from plexcopilot import dashboard
from plexcopilot.middleware import STATION_SESSION_KEY
from plexcopilot.models import Employee
from plexcopilot.roles import (
    DEFECT_PHOTO_ROLES,
    MATERIAL_HANDLER,
    OPERATOR,
    RoleRefused,
    user_has_role,
    user_role,
)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("station-list")
    if request.session.get(STATION_SESSION_KEY) or user_role(request.user) == OPERATOR:
        return redirect("station-home")
    if user_role(request.user) == MATERIAL_HANDLER:
        return redirect("materials-home")
    context = {
        **dashboard.tiles(),
        "role": user_role(request.user),
        "show_defect_photos": user_has_role(request.user, *DEFECT_PHOTO_ROLES),
    }
    return render(request, "dashboard.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


account_login = auth_views.LoginView.as_view(template_name="account/login.html")


@require_POST
def account_logout(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)


def error_language(request: HttpRequest) -> str:
    """The language an error page speaks: at a station, the signed-in operator's (the view's own language switch
    has ended by the time an error page renders); elsewhere the site's. Never fails: an error page must render."""
    language = translation.get_language()
    try:
        if request.user.is_authenticated and request.session.get(STATION_SESSION_KEY):
            operator = Employee.objects.filter(user_id=request.user.pk).first()
            language = operator.language if operator else language
    except Exception:  # a broken session or database leaves the page in the site's language
        logging.getLogger(__name__).warning(
            "error page: the operator's language could not be read", exc_info=True
        )
    return language


def render_error(request: HttpRequest, template: str, context: dict, status: int) -> HttpResponse:
    language = error_language(request)
    with translation.override(language):
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return render(request, template, context, status=status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: Django's 403 page, told whether a role check refused (a desk page opened at a station)
    or the page's own rule did (a station's scope)."""
    context = {"exception": str(exception), "role_refused": isinstance(exception, RoleRefused)}
    return render_error(request, "403.html", context, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the 404 page, at a station in the operator's language."""
    return render_error(request, "404.html", {"request_path": request.path}, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form from a page older than the session (signed out and in again in another tab, or
    the session expired) is refused with a page in the site's layout that says so and offers the way back, where
    the browser usually still holds what was typed. `X-CSRF-Failure` lets htmx submits show a banner instead."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    language = error_language(request)
    with translation.override(language):  # at a station, the signed-in operator's language
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = render(request, "403_csrf.html", {"reload_url": back}, status=403)
    response["X-CSRF-Failure"] = "1"
    return response
