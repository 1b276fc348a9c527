"""In a real browser: the admin finds a failed Plex write-back and retries it; the station badge reads well."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.utils import timezone

from plex.models import OutboxItem, OutboxStatus, SyncState
from plex.services import outbox_enqueue
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, locale="en-US")
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        yield tab
        browser.close()


def shot(tab, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_admin_retries_a_failed_write_back(live_server, page, settings):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"
    get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    item = outbox_enqueue(
        kind="checksheet", payload={"measurements": [{"specificationId": "s-1", "value": 8.5}]}, idempotency_key="cs-9"
    )
    OutboxItem.objects.filter(pk=item.pk).update(
        status=OutboxStatus.FAILED, attempts=3, last_error="PlexRejected: Plex answered 400: unknown specificationId"
    )
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
    item.refresh_from_db()
    assert item.status == OutboxStatus.PENDING


def test_the_station_badge_reads_at_a_glance(live_server, page, settings):
    settings.PLEX_BASE_URL = "http://127.0.0.1:9/"
    old = timezone.now() - datetime.timedelta(hours=2, minutes=5)
    for resource in ("workcenters", "employees", "parts", "jobs"):
        SyncState.objects.create(resource=resource, last_success_at=old)
    outbox_enqueue(kind="checksheet", payload={"measurements": [{"specificationId": "s"}]}, idempotency_key="k")
    badge = Template("{% load plex_tags %}{% plex_freshness %}").render(Context({}))
    page.set_content(
        f'<link rel="stylesheet" href="{live_server.url}/static/css/plexcopilot.css">'
        f'<body class="station"><header class="topbar station-bar"><span class="brand">ST-PRS-250</span>{badge}'
        f'<span class="who">Lena Kowalski</span></header></body>'
    )
    page.wait_for_load_state("networkidle")
    badge_box = page.locator(".plex-fresh-stale")
    assert "Offline — Plex data from" in badge_box.inner_text() and "1 waiting to send" in badge_box.inner_text()
    assert badge_box.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"  # the stylesheet applied
    shot(page, "plex-station-badge-stale")
