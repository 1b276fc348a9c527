from typing import Any

from django import template

from planning.selectors import next_jobs_for_station, planned_elsewhere

register = template.Library()


@register.inclusion_tag("planning/_next_jobs.html")
def next_jobs(station: Any) -> dict[str, Any]:
    """The station's "next job" list from the released schedule (nothing when no schedule is released)."""
    return {"slots": next_jobs_for_station(station) if station is not None else [], "station": station}


@register.simple_tag
def mark_planned_elsewhere(work_orders: Any, station: Any) -> str:
    """Marks the station's open work orders the released schedule runs at another work center (see
    `planned_elsewhere`); renders nothing itself."""
    if station is not None:
        planned_elsewhere(list(work_orders), station.work_center_id)
    return ""
