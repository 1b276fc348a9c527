from typing import Any

from django import template

from planning.selectors import next_jobs_for_station

register = template.Library()


@register.inclusion_tag("planning/_next_jobs.html")
def next_jobs(station: Any) -> dict[str, Any]:
    """The station's "next job" list from the released schedule (nothing when no schedule is released)."""
    return {"slots": next_jobs_for_station(station) if station is not None else [], "station": station}
