"""Role-aware links: a page shows a link only to people who may open it."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from plexcopilot.roles import may_open

register = template.Library()


@register.simple_tag(takes_context=True)
def can_open(context: Any, name: str, *args: Any) -> bool:
    """{% can_open 'url-name' arg as ok %}{% if ok %}…{% endif %}"""
    request = context.get("request")
    return request is not None and may_open(request, name, *args)


@register.simple_tag(takes_context=True)
def link(context: Any, name: str, label: str, css: str = "btn", *args: Any) -> str:
    """{% link 'url-name' 'Label' 'btn btn-primary' %}: the anchor, or nothing for a role that may not open it."""
    if not can_open(context, name, *args):
        return ""
    return format_html('<a class="{}" href="{}">{}</a>', css, reverse(name, args=args), label)
