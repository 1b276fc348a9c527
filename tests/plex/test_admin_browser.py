"""In a real browser: the admin finds a failed Plex write-back and retries it; the station badge reads well."""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.utils import timezone

from plex.models import OutboxItem, OutboxStatus, SyncState
from plex.outbox import outbox_enqueue
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.console import ConsoleLog
from tests.browser.console import failure as console_failure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_browser(steps) -> None:
    """Drive chromium in a thread of its own: the suite's session-wide Playwright (tests/browser) keeps an
    event loop running in the main thread, and the sync API refuses to start a second one there."""
    from playwright.sync_api import sync_playwright

    failure: list[BaseException] = []
    console = ConsoleLog()  # console errors and page errors fail the test, as in every browser test

    def target() -> None:
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = console.watch(
                    browser.new_context(
                        viewport={"width": 1280, "height": 800}, has_touch=True, locale="en-US"
                    )
                )
                tab = context.new_page()
                tab.set_default_timeout(15_000)
                try:
                    steps(tab)
                    tab.wait_for_timeout(150)  # let what the page logs last reach the log
                finally:
                    context.close()
                    browser.close()
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    worker = threading.Thread(target=target)
    worker.start()
    worker.join(timeout=120)
    if failure:
        raise failure[0]
    assert not worker.is_alive(), "the browser did not finish in time"
    if problems := console.unexpected():
        pytest.fail(console_failure(problems), pytrace=False)


def shot(tab, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_admin_retries_a_failed_write_back(live_server, settings):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"
    get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    item = outbox_enqueue(
        kind="checksheet",
        payload={"measurements": [{"specificationId": "s-1", "value": 8.5}]},
        idempotency_key="cs-9",
    )
    OutboxItem.objects.filter(pk=item.pk).update(
        status=OutboxStatus.FAILED,
        attempts=3,
        last_error="PlexRejected: Plex answered 400: unknown specificationId",
    )

    def steps(page):
        page.goto(f"{live_server.url}/admin/login/?next=/admin/plex/outboxitem/%3Fstatus__exact%3Dfailed")
        page.locator("#id_username").fill("root")
        page.locator("#id_password").fill("pw-123456")
        page.locator("input[type=submit]").click()
        page.get_by_text("unknown specificationId").wait_for()
        shot(page, "plex-admin-outbox-failed")
        page.locator("input[name=_selected_action]").check()
        page.locator("select[name=action]").select_option("retry")
        page.locator("button[name=index]").click()
        page.get_by_text("1 write-backs queued to send again.").wait_for()

    in_browser(steps)
    item.refresh_from_db()
    assert item.status == OutboxStatus.PENDING


def test_the_station_badge_reads_at_a_glance(live_server, settings):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"
    old = timezone.now() - datetime.timedelta(hours=2, minutes=5)
    for resource in ("workcenters", "employees", "parts", "jobs"):
        SyncState.objects.create(resource=resource, last_success_at=old)
    outbox_enqueue(
        kind="checksheet", payload={"measurements": [{"specificationId": "s"}]}, idempotency_key="k"
    )
    badge = Template("{% load plex_tags %}{% plex_freshness %}").render(Context({}))
    seen = {}

    def steps(page):
        page.set_content(
            f'<link rel="stylesheet" href="{live_server.url}/static/css/plexcopilot.css">'
            f'<body class="station"><header class="topbar station-bar"><span class="brand">ST-PRS-250</span>{badge}'
            f'<span class="who">Lena Kowalski</span></header></body>'
        )
        page.wait_for_load_state("networkidle")
        badge_box = page.locator(".plex-fresh-stale")
        seen["text"] = badge_box.inner_text()
        seen["border"] = badge_box.evaluate("e => getComputedStyle(e).borderTopWidth")
        shot(page, "plex-station-badge-stale")

    in_browser(steps)
    assert "Offline — Plex data from" in seen["text"] and "1 waiting to send" in seen["text"]
    assert seen["border"] == "2px"  # the stylesheet applied
