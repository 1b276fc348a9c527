"""A fake Plex Connect on 127.0.0.1 and a client pointed at it that never really sleeps."""

import pytest

from plex.client import PlexClient, RateBudget
from plex.fake_server import FakePlex


@pytest.fixture
def fake_plex():
    with FakePlex() as fake:
        yield fake


@pytest.fixture
def plex_on(settings, fake_plex):
    settings.PLEX_BASE_URL = fake_plex.url
    settings.PLEX_API_KEY = fake_plex.api_key
    return fake_plex


def make_client(fake: FakePlex, **options) -> PlexClient:
    options.setdefault("budget", RateBudget(limit=200, sleep=lambda s: None))
    options.setdefault("sleep", lambda s: None)
    options.setdefault("max_retries", 2)
    return PlexClient(base_url=fake.url, api_key=fake.api_key, **options)


@pytest.fixture
def client(fake_plex):
    with make_client(fake_plex) as plex_client:
        yield plex_client


@pytest.fixture
def plex_admin(db):
    """The plant admin who runs the first sync (and so signs its baseline instructions)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(
        username="admin-ada", password="x", first_name="Ada", last_name="Admin"
    )
