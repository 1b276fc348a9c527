"""Codes shown whole: a work order number never breaks at its hyphen across two lines."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def code(value: Any) -> SafeString:
    """{{ wo.barcode|code }}, also inside {% blocktranslate with barcode=wo.barcode|code %}: the value escaped, in
    a span the line never breaks inside ("WO-24123-" on one line and "10" on the next read as two codes)."""
    return format_html('<span class="code">{}</span>', value)
