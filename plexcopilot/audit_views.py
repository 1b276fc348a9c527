"""The audit trail page: read-only, filterable, with an on-demand chain check."""

import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from plexcopilot.models import AuditEvent
from plexcopilot.roles import QUALITY, SUPERVISOR, role_required, user_has_role
from plexcopilot.services import audit_verify

#: Pay rates, job costs and timecards: shown to those who may open labor analytics (supervisors, admins), not to a
#: quality engineer reading the trail (walkthrough finding: "Labor grade 'OP2 (29.50/h)'" was on their page).
PAY_RECORDS = "labor_analytics."


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_GET
@role_required(SUPERVISOR, QUALITY)
def audit_trail(request: HttpRequest) -> HttpResponse:
    filters = {
        key: request.GET.get(key, "").strip()[:100]
        for key in ("action", "actor", "object", "q", "since", "until")
    }
    visible = AuditEvent.objects.all()
    if not user_has_role(request.user, SUPERVISOR):
        visible = visible.exclude(object_type__startswith=PAY_RECORDS)
    events = visible.order_by("-id")
    if filters["action"]:
        events = events.filter(action__startswith=filters["action"])
    if filters["actor"]:
        events = events.filter(actor_name__icontains=filters["actor"])
    if filters["object"]:
        kind, _, pk = filters["object"].partition("#")
        events = events.filter(object_type=kind, **({"object_id": pk} if pk else {}))
    if filters["q"]:
        events = events.filter(summary__icontains=filters["q"])
    since, until = _day(filters["since"]), _day(filters["until"])
    zone = timezone.get_current_timezone()
    if since:
        events = events.filter(at__gte=datetime.datetime.combine(since, datetime.time.min, zone))
    if until:
        events = events.filter(
            at__lt=datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min, zone)
        )
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("verify", None)
    context = {
        "page": page,
        "filters": filters,
        "actions": visible.order_by("action").values_list("action", flat=True).distinct(),
        "object_types": visible.order_by("object_type").values_list("object_type", flat=True).distinct(),
        "verification": audit_verify() if request.GET.get("verify") else None,
        "query": query,
    }
    template = "governance/audit.html#audit-table" if request.htmx else "governance/audit.html"  # type: ignore[attr-defined]
    return render(request, template, context)
