"""Playwright driving Debian's chromium against pytest-django's live server."""

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections

from tests.browser.console import ConsoleBrowser, ConsoleLog, failure

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
def browser(monkeypatch, request):
    """One Playwright per test: its sync API runs an asyncio loop on the test thread, and a loop left
    running would break later tests that call async code from sync code (websocket consumers).

    While that loop runs, Django sees every ORM call of the test thread (fixtures, assertions, the live
    server's own thread is separate) as made from async code: DJANGO_ALLOW_ASYNC_UNSAFE is set for the
    browser tests only, never for the rest of the suite, where it would hide real async ORM calls.

    Every context it makes reports console errors and page errors (tests/browser/console.py): the test
    fails on any it did not `console.expect()`."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    log = ConsoleLog()
    request.node.browser_console = log
    with sync_playwright() as p:
        browser = ConsoleBrowser(p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS), log)
        request.node.console_browser = browser
        yield browser
        for context in browser.contexts:  # closing delivers what the pages logged last
            context.close()
        browser.close()
    if problems := log.new_problems():
        pytest.fail(failure(problems), pytrace=False)


@pytest.fixture
def console(browser):
    """The test's ConsoleLog: `console.expect(r"pattern")` for an error the test provokes on purpose."""
    return browser.console


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


class AsgiLiveServer:
    """What tests read of pytest-django's live server (`.url`), served over ASGI instead of WSGI."""

    class _NoSettings:  # pytest-django's helper enables/disables these around each live-server test
        def enable(self) -> None: ...

        def disable(self) -> None: ...

    _live_server_modified_settings = _NoSettings()

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return self.url


@pytest.fixture
def live_server(transactional_db):
    """The browser journeys run against the real ASGI stack: pages open their websockets (reload banner,
    copilot, Andon board) as on the floor, where the WSGI live server refused every handshake with a 404
    that the console check (rightly) calls an error.

    uvicorn in a thread of this process, like pytest-django's live server: the test's settings, its
    in-memory channel layer (a broadcast from the test reaches the pages) and the test database are shared,
    and nothing is forked (the ONNX runtime's native threads would not survive a fork)."""
    import socket
    import threading
    import time

    import uvicorn

    from plexcopilot.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield AsgiLiveServer(f"http://localhost:{port}")
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
