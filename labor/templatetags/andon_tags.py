"""The Andon sheet every station screen carries: one button in the action bar opens it."""

import datetime
from typing import Any

from django import template
from django.utils import timezone

from labor import selectors
from labor.models import AndonCategory

register = template.Library()


@register.filter
def elapsed(since: datetime.datetime | None) -> str:
    """ "1 h 05 min": the format labor/timer.js keeps ticking, the same in every plant language."""
    if since is None:
        return ""
    minutes = max(0, int((timezone.now() - since).total_seconds() // 60))
    return f"{minutes // 60} h {minutes % 60:02d} min"


@register.inclusion_tag("labor/_andon_sheet.html", takes_context=True)
def andon_sheet(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    station = getattr(request, "station", None)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "categories": AndonCategory.choices,
        "calls": selectors.andon_for_station(station.pk) if station is not None else [],
    }
