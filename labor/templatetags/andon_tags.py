"""The Andon sheet every station screen carries: one button in the action bar opens it."""

from typing import Any

from django import template

from labor import selectors
from labor.models import AndonCategory

register = template.Library()


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
