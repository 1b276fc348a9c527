"""Desk logins are throttled per account and per address (django-axes); PIN lockouts are scoped to a place."""

import pytest
from django.test import Client

from tests.actors import PIN, make_employee, station_client

pytestmark = pytest.mark.django_db

PASSWORD = "desk-pass-123"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 10


def login(client: Client, username: str, password: str, ip: str = "10.0.0.5"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_locks_an_account_after_repeated_wrong_passwords_even_with_the_right_one_after(plant):
    user = plant.supervisor.user.username
    for attempt in range(10):
        login(Client(), user, f"wrong-{attempt}", ip=f"10.0.1.{attempt}")  # a different address each time
    response = login(Client(), user, PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429 and "Too many wrong passwords" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_it_locks_an_address_that_tries_many_accounts(plant):
    others = [make_employee(f"80000{i}") for i in range(10)]
    for employee in others:
        login(Client(), employee.user.username, "wrong")
    assert login(Client(), plant.supervisor.user.username, PASSWORD).status_code == 429
    assert login(Client(), plant.supervisor.user.username, PASSWORD, ip="10.0.0.6").status_code == 302


def test_a_right_password_before_the_limit_signs_in_and_resets(plant):
    user = plant.supervisor.user.username
    for _ in range(5):
        login(Client(), user, "wrong")
    assert login(Client(), user, PASSWORD).status_code == 302


def test_badge_sign_in_is_left_to_the_pin_lockout_not_axes(plant):
    for _ in range(12):
        Client().post(
            f"/station/{plant.station.code}/", {"badge": "999999", "pin": "0000"}, REMOTE_ADDR="10.0.0.5"
        )
    assert login(Client(), plant.supervisor.user.username, PASSWORD).status_code == 302


class TestPinLockoutByPlace:
    def test_wrong_pins_at_one_station_do_not_lock_the_badge_at_another(self, plant):
        badge = plant.certified.badge_id
        for _ in range(5):
            Client().post(f"/station/{plant.station.code}/", {"badge": badge, "pin": "0000"})
        locked = Client().post(f"/station/{plant.station.code}/", {"badge": badge, "pin": PIN})
        assert locked.status_code == 401 and "Too many wrong PINs" in locked.content.decode()
        assert station_client(plant.other_station, plant.certified)  # 302 at the other station

    def test_one_place_cannot_walk_the_badge_list(self, plant, settings):
        settings.PIN_PLACE_ATTEMPTS = 6
        for n in range(6):
            Client().post(f"/station/{plant.station.code}/", {"badge": f"90000{n}", "pin": "0000"})
        refused = Client().post(
            f"/station/{plant.station.code}/", {"badge": plant.certified.badge_id, "pin": PIN}
        )
        assert refused.status_code == 401 and "Too many wrong PINs" in refused.content.decode()

    def test_a_badge_is_locked_everywhere_after_many_misses_in_total(self, plant, settings):
        settings.PIN_BADGE_TOTAL_ATTEMPTS = 8
        badge = plant.certified.badge_id
        for n in range(8):
            Client().post(
                f"/station/{plant.station.code}/", {"badge": badge, "pin": "0000"}, REMOTE_ADDR=f"10.9.0.{n}"
            )
        refused = Client().post(f"/station/{plant.other_station.code}/", {"badge": badge, "pin": PIN})
        assert refused.status_code == 401


def test_a_scan_of_any_length_counts_towards_its_lockout_under_a_valid_cache_key(plant, settings):
    """A 10,000-character or NUL-holding badge scan was put in the cache key as it came (a key memcached refuses;
    Django warned on every such sign-in): the badge is a digest in the key now, and still counts."""
    import warnings

    from django.core.cache import CacheKeyWarning

    from plexcopilot.auth import badge_check, badge_is_locked

    scan = "x" * 10_000 + "\x00"
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        for _ in range(settings.BADGE_LOCKOUT_ATTEMPTS):
            assert badge_check(badge_id=scan, pin="0000", place="ST-T1@10.0.0.9") is None
        assert badge_is_locked(scan, "ST-T1@10.0.0.9")
