"""Role-based permissions. Roles live on the employee record; superusers act as admins."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

OPERATOR = "operator"
SUPERVISOR = "supervisor"
QUALITY = "quality"
PLANNER = "planner"
ADMIN = "admin"
MATERIAL_HANDLER = "material_handler"
# Desk roles that may open defect photos (a station may open the photos it took): quality/views.defect_photo.
DEFECT_PHOTO_ROLES = (SUPERVISOR, QUALITY)
ROLE_CHOICES = [
    (OPERATOR, "Operator"),
    (SUPERVISOR, "Supervisor"),
    (QUALITY, "Quality engineer"),
    (PLANNER, "Production planner"),
    (MATERIAL_HANDLER, "Material handler"),
    (ADMIN, "Plant admin"),
]


def user_role(user: Any) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    employee = getattr(user, "employee", None)
    return employee.role if employee is not None else None


def user_has_role(user: Any, *roles: str) -> bool:
    role = user_role(user)
    return role is not None and (role in roles or role == ADMIN)


class RoleRefused(PermissionDenied):
    """A role check said no: the page is for other roles (the 403 page tells a station it is a desk page)."""


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Login required, then one of `roles` (admins pass every role check)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not user_has_role(request.user, *roles):
                raise RoleRefused("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]  # read by may_open (role-aware links)
        return login_required(wrapped)

    return decorator


def may_open(request: HttpRequest, name: str, *args: Any) -> bool:
    """Whether this request's user (and station session) may open the named page: links a role cannot
    follow are not shown. Reads what the view's decorators declare (role_required, station_required)."""
    from django.urls import resolve, reverse

    view = resolve(reverse(name, args=args)).func
    if getattr(view, "station_only", False):
        from plexcopilot.middleware import STATION_SESSION_KEY

        return bool(request.user.is_authenticated and request.session.get(STATION_SESSION_KEY))
    roles = getattr(view, "allowed_roles", None)
    if roles is not None:
        return user_has_role(request.user, *roles)
    return True
