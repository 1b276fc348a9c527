"""`{% load plex_tags %}{% plex_freshness %}`: how old the Plex data on this screen is."""

from django import template

from plex.freshness import plex_freshness as freshness_of

register = template.Library()


@register.inclusion_tag("plex/freshness.html")
def plex_freshness() -> dict[str, object]:
    return {"fresh": freshness_of()}
