from typing import Any

from django import template

from materials.selectors import station_call_offs

register = template.Library()


@register.inclusion_tag("materials/_station_calls.html")
def station_material_calls(station: Any) -> dict[str, Any]:
    """The call-offs on their way to a station's work center (shown on the station's scan screen)."""
    return {"calls": station_call_offs(station.work_center_id) if station is not None else []}
