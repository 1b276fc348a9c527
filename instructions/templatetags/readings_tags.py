"""{% decimal_separator %}: the key the station keypad types for decimals, as readings are read on the server."""

from django import template

from instructions.readings import decimal_separator as separator

register = template.Library()


@register.simple_tag
def decimal_separator() -> str:
    return separator()
