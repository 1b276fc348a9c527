"""Playwright driving Debian's chromium against pytest-django's live server."""

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch):
    """One Playwright per test: its sync API runs an asyncio loop on the test thread, and a loop left
    running would break later tests that call async code from sync code (websocket consumers).

    While that loop runs, Django sees every ORM call of the test thread (fixtures, assertions, the live
    server's own thread is separate) as made from async code: DJANGO_ALLOW_ASYNC_UNSAFE is set for the
    browser tests only, never for the rest of the suite, where it would hide real async ORM calls."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tablet(browser):
    """A 10-inch landscape tablet with touch."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _child_setup() -> None:
    """In the forked server: the test database, and fresh copies of what a fork leaves half-alive.

    A fork keeps only the forking thread: asgiref's thread-sensitive executor (used by consumers'
    database_sync_to_async) would queue work for a worker thread that no longer exists, and channel
    layers would reuse the parent's connections.
    """
    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers

    # No set_database_connection(): the fork inherits settings already switched to the test database,
    # and that helper would prefix the name a second time when TEST NAME is not configured.
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    channel_layers.backends = {}


@pytest.fixture
def asgi_server(transactional_db):
    """daphne serving the project's ASGI application on the test database, in a child process."""
    connections.close_all()  # the child must not share the parent's database sockets
    process = DaphneProcess(
        "localhost",
        partial(make_application, static_wrapper=ASGIStaticFilesHandler),
        setup=_child_setup,
    )
    process.start()
    while not process.ready.wait(timeout=1):
        if not process.is_alive():
            raise RuntimeError("daphne did not start")
    yield f"http://localhost:{process.port.value}"
    process.terminate()
    process.join()


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
