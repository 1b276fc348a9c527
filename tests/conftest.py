"""Shared actors and isolation for the whole suite."""

import os

# Playwright runs its own event loop in the test thread; the live server's ORM calls are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Importing plexcopilot.asgi must not start the copilot warm-up thread in tests (tests/copilot/test_warmup.py
# calls it directly).
os.environ.setdefault("COPILOT_WARM_AT_START", "0")

import pytest  # noqa: E402
from django.core.cache import cache  # noqa: E402

from tests.actors import Plant, build_plant  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_HMAC_KEY = "test-audit-key"
    # Client.login() passes no request to axes; tests/plexcopilot/test_login_throttle.py turns it on.
    settings.AXES_ENABLED = False
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.log"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plant(db) -> Plant:
    """A small plant built for tests: one press station, one instruction with a torque check and a safety step."""
    return build_plant()


@pytest.fixture
def demo_plant(db):
    from instructions.demo import demo_plant_load

    return demo_plant_load()


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """With PostgreSQL's connection pool the pooled connections must go before the test database is dropped."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for conn in connections.all(initialized_only=True):
            if hasattr(conn, "close_pool"):
                conn.close_pool()
