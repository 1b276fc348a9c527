"""Fault injection for tests: real SQL refused by the database layer, real Redis clients pointed at a dead port."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection

DEAD_REDIS = "redis://127.0.0.1:9/0"  # discard port: nothing listens, connections are refused at once


@contextmanager
def database_blip(match: str, *, times: int = 1) -> Iterator[list[str]]:
    """The next `times` statements containing `match` fail as if the server went away mid-transaction."""
    failed: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if match in sql and len(failed) < times:
            failed.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield failed


@contextmanager
def redis_down() -> Iterator[None]:
    """Within the block the channel layer and the cache point at a Redis that is down."""
    from channels.layers import channel_layers
    from django.test import override_settings

    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": DEAD_REDIS, "socket_connect_timeout": 1, "socket_timeout": 1}]},
        }
    }
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    channel_layers.backends.clear()
    try:
        with override_settings(CHANNEL_LAYERS=layers, CACHES=caches):
            yield
    finally:
        channel_layers.backends.clear()
