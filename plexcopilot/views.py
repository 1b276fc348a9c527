from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from plexcopilot import dashboard
from plexcopilot.middleware import STATION_SESSION_KEY
from plexcopilot.roles import DEFECT_PHOTO_ROLES, MATERIAL_HANDLER, OPERATOR, user_has_role, user_role


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
