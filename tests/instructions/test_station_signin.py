import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tests.actors import PIN, station_client

pytestmark = pytest.mark.django_db


class TestStationSignin:
    def test_it_signs_in_with_badge_and_pin_bound_to_the_station(self, plant):
        client = station_client(plant.station, plant.certified)
        assert client.session["station_id"] == plant.station.pk
        page = client.get("/station/home/")
        assert page.status_code == 200
        assert "Scan a work order" in page.content.decode()

    def test_it_rejects_a_wrong_pin_and_keeps_the_badge(self, plant):
        client = Client()
        response = client.post(
            f"/station/{plant.station.code}/", {"badge": plant.certified.badge_id, "pin": "0000"}
        )
        body = response.content.decode()
        assert response.status_code == 401
        assert "Badge or PIN not recognised" in body
        assert f'value="{plant.certified.badge_id}"' in body
        assert "_auth_user_id" not in client.session

    @pytest.mark.parametrize(
        "badge, pin",
        [
            ("", PIN),
            (None, ""),
            (None, "1" * 10_000),
            ("9" * 10_000, PIN),
            (None, "12\x0034"),
            ("bad\x00badge", PIN),
        ],
    )
    def test_it_says_why_it_refuses_a_badge_or_pin_the_form_cannot_take(self, plant, badge, pin):
        """An empty, overlong or NUL-holding badge or PIN was refused with the page back and no word (200)."""
        client = Client()
        badge = plant.certified.badge_id if badge is None else badge
        response = client.post(f"/station/{plant.station.code}/", {"badge": badge, "pin": pin})
        assert response.status_code == 401
        assert "Badge or PIN not recognised" in response.content.decode()
        assert "_auth_user_id" not in client.session
        if badge == plant.certified.badge_id:
            assert f'value="{badge}"' in response.content.decode()  # the badge as scanned, kept

    def test_it_locks_a_badge_after_repeated_wrong_pins(self, plant, settings):
        client = Client()
        for _ in range(settings.BADGE_LOCKOUT_ATTEMPTS):
            client.post(f"/station/{plant.station.code}/", {"badge": plant.certified.badge_id, "pin": "0000"})
        response = client.post(
            f"/station/{plant.station.code}/", {"badge": plant.certified.badge_id, "pin": PIN}
        )
        assert response.status_code == 401
        assert "Too many wrong PINs" in response.content.decode()

    def test_it_invalidates_the_server_session_on_sign_out(self, plant):
        client = station_client(plant.station, plant.certified)
        old_key = client.session.session_key
        client.post("/station/signout/")
        assert not Session.objects.filter(session_key=old_key).exists()
        stale = Client()
        stale.cookies["sessionid"] = old_key
        assert stale.get("/station/home/").status_code == 302

    def test_it_signs_an_idle_station_out(self, plant, settings):
        settings.STATION_IDLE_TIMEOUT_SECONDS = 60
        client = station_client(plant.station, plant.certified)
        session = client.session
        session["station_last_seen"] -= 61
        session.save()
        response = client.get("/station/home/")
        assert response.status_code == 302
        assert response["Location"] == f"/station/{plant.station.code}/?idle=1"
        assert (
            response.cookies["plexcopilot_station_language"].value == ""
        )  # the operator's language goes too
        follow = client.get(response["Location"])
        assert "signed out after a period without activity" in follow.content.decode()

    def test_it_keeps_an_active_station_signed_in(self, plant, settings):
        settings.STATION_IDLE_TIMEOUT_SECONDS = 60
        client = station_client(plant.station, plant.certified)
        session = client.session
        session["station_last_seen"] -= 30
        session.save()
        assert client.get("/station/home/").status_code == 200

    def test_it_sends_a_station_page_without_a_session_to_the_station_list(self, plant):
        response = Client().get("/station/home/")
        assert response.status_code == 302
        assert response["Location"] == "/station/"

    def test_it_requires_csrf_on_sign_in(self, plant):
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            f"/station/{plant.station.code}/", {"badge": plant.certified.badge_id, "pin": PIN}
        )
        assert response.status_code == 403


def _idle_for(seconds: int, plant, settings):
    """A station session of the certified operator, last active `seconds` ago, with a 60-s idle timeout."""
    settings.STATION_IDLE_TIMEOUT_SECONDS = 60
    client = station_client(plant.station, plant.certified)
    session = client.session
    session["station_last_seen"] -= seconds
    session.save()
    return client


class TestBackgroundRefresh:
    """A page's own refresh (the labor page's Andon status every 20 s, the next-jobs list every minute) read the
    page as the operator would have, so a tablet left on those pages never timed out (review finding)."""

    def test_a_background_poll_does_not_keep_an_idle_station_signed_in(self, plant, settings):
        client = _idle_for(50, plant, settings)
        before = client.session["station_last_seen"]
        poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_BACKGROUND_POLL": "1"}
        assert client.get("/labor/station/", **poll).status_code == 200
        assert client.get("/station/home/", **poll).status_code == 200
        assert client.session["station_last_seen"] == before  # read, not touched
        session = client.session
        session["station_last_seen"] -= 11
        session.save()
        ended = client.get("/station/home/", **poll)
        assert ended.status_code == 204 and ended["HX-Redirect"] == f"/station/{plant.station.code}/?idle=1"

    def test_the_operators_own_request_still_counts_as_activity(self, plant, settings):
        client = _idle_for(50, plant, settings)
        before = client.session["station_last_seen"]
        assert client.get("/station/home/", HTTP_HX_REQUEST="true").status_code == 200
        assert client.session["station_last_seen"] > before

    def test_the_polling_parts_of_station_pages_say_they_are_background_reads(self, plant):
        client = station_client(plant.station, plant.certified)
        for url, part in (
            ("/labor/station/", 'id="andon-status"'),
            ("/station/home/", 'id="next-jobs-area"'),
        ):
            page = client.get(url).content.decode()
            tag = page[page.index(part) - 5 : page.index(">", page.index(part))]
            assert 'hx-trigger="every' in tag and "data-background-poll" in tag and "X-Background-Poll" in tag
