"""What the admin and the station see: sync state, problems, the outbox with a retry action, data freshness."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from plex.models import OutboxItem, OutboxStatus, SyncError, SyncState
from plex.outbox import outbox_enqueue
from plex.sync import plex_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    browser = Client()
    browser.force_login(root)
    return browser


def render_freshness() -> str:
    return Template("{% load plex_tags %}{% plex_freshness %}").render(Context({})).strip()


def test_it_shows_sync_state_and_problems_to_the_admin(admin_client, client, fake_plex):
    fake_plex.data.parts.append({"id": "p-bad", "number": 12})
    plex_sync(client=client)
    page = admin_client.get("/admin/plex/syncstate/").content.decode()
    assert "workcenters" in page and "labor_entries" in page
    problems = admin_client.get("/admin/plex/syncerror/?resolved__exact=0").content.decode()
    assert "number should be text, got int" in problems and "p-bad" in problems
    run_page = admin_client.get(
        f"/admin/plex/syncrun/{SyncError.objects.get().run_id}/change/"
    ).content.decode()
    assert "p-bad" in run_page


def test_it_lists_failed_write_backs_and_retries_them_from_the_admin(admin_client, plex_on):
    item = outbox_enqueue(
        kind="checksheet", payload={"measurements": [{"specificationId": "s"}]}, idempotency_key="k"
    )
    OutboxItem.objects.filter(pk=item.pk).update(
        status=OutboxStatus.FAILED, last_error="PlexRejected: 400 bad spec"
    )
    listing = admin_client.get("/admin/plex/outboxitem/?status__exact=failed").content.decode()
    assert "PlexRejected: 400 bad spec" in listing
    response = admin_client.post(
        "/admin/plex/outboxitem/", {"action": "retry", "_selected_action": [item.pk]}, follow=True
    )
    assert "1 write-backs queued to send again." in response.content.decode()
    item.refresh_from_db()
    assert item.status == OutboxStatus.PENDING and item.attempts == 0


def test_it_shows_nothing_at_the_station_when_plex_is_off(settings):
    settings.PLEX_BASE_URL = ""
    assert render_freshness() == ""


def test_it_says_when_nothing_has_synced_yet(plex_on):
    assert "Plex: not synced yet — working from local data" in render_freshness()


def test_it_shows_fresh_data_then_warns_when_it_goes_stale(plex_on, client, settings):
    plex_sync(client=client)
    assert "Plex data 0\xa0minutes old" in render_freshness()
    assert "plex-fresh-ok" in render_freshness()
    old = timezone.now() - datetime.timedelta(hours=2)
    SyncState.objects.update(last_success_at=old)
    outbox_enqueue(
        kind="checksheet", payload={"measurements": [{"specificationId": "s"}]}, idempotency_key="k"
    )
    html = render_freshness()
    assert "plex-fresh-stale" in html and "Offline — Plex data from" in html and "2\xa0hours old" in html
    assert "1 waiting to send" in html
