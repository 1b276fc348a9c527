"""`{% worker_running as running %}`: whether a background worker has been seen lately (plexcopilot.worker)."""

from django import template

from plexcopilot.worker import worker_running as _worker_running

register = template.Library()


@register.simple_tag
def worker_running() -> bool:
    return _worker_running()
