import datetime

import pytest

from plex.client import (
    PlexAuthError,
    PlexClient,
    PlexRejected,
    PlexUnavailable,
    RateBudget,
    parse_plex_timestamp,
    plex_timestamp,
)
from tests.plex.conftest import make_client


def test_it_writes_plex_timestamps_with_seven_fraction_digits_in_utc():
    moment = datetime.datetime(
        2026, 11, 21, 18, 5, 9, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
    )
    assert plex_timestamp(moment) == "2026-11-21T23:05:09.1234560Z"


def test_it_reads_plex_timestamps_in_their_usual_shapes():
    expected = datetime.datetime(2026, 11, 21, 23, 5, 9, 123456, tzinfo=datetime.UTC)
    assert parse_plex_timestamp("2026-11-21T23:05:09.1234567Z") == expected
    assert parse_plex_timestamp("2026-11-21T18:05:09.123456-05:00") == expected
    assert parse_plex_timestamp("2026-11-21") == datetime.datetime(2026, 11, 21, tzinfo=datetime.UTC)
    with pytest.raises(ValueError):
        parse_plex_timestamp("21/11/2026")


def test_it_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        plex_timestamp(datetime.datetime(2026, 1, 1))


@pytest.mark.django_db
def test_it_sends_the_api_key_and_tenant_headers(fake_plex):
    fake_plex.api_key = "k-123"
    with PlexClient(
        base_url=fake_plex.url, api_key="k-123", tenant_id="t-1", budget=RateBudget(limit=10)
    ) as plex_client:
        parts = plex_client.get("mdm/v1/parts")
    assert [p["number"] for p in parts] == ["LS-4410", "LS-5120"]


@pytest.mark.django_db
def test_it_retries_429_and_5xx_then_succeeds(fake_plex, client):
    fake_plex.fail_next = [429, 503, 500]
    waits = []
    client.sleep = waits.append
    client.max_retries = 3
    assert len(client.get("mdm/v1/employees")) == 4
    assert fake_plex.count("GET", "/mdm/v1/employees") == 4
    assert len(waits) == 3 and waits[0] >= 1  # the 429's Retry-After is honoured


@pytest.mark.django_db
def test_it_gives_up_after_its_retries_when_plex_stays_down(fake_plex, client):
    fake_plex.mode = "outage"
    with pytest.raises(PlexUnavailable):
        client.get("mdm/v1/parts")
    assert fake_plex.count() == 3  # first try + max_retries=2


@pytest.mark.django_db
def test_it_treats_a_dropped_connection_as_unavailable(fake_plex, client):
    fake_plex.mode = "drop"
    with pytest.raises(PlexUnavailable):
        client.get("mdm/v1/parts")


@pytest.mark.django_db
def test_it_does_not_retry_a_wrong_api_key(fake_plex):
    with make_client(fake_plex) as plex_client:
        plex_client._http.headers["X-Plex-Connect-Api-Key"] = "wrong"
        with pytest.raises(PlexAuthError):
            plex_client.get("mdm/v1/parts")
    assert fake_plex.count() == 1


@pytest.mark.django_db
def test_it_reports_a_rejected_request_with_plex_message(fake_plex, client):
    with pytest.raises(PlexRejected) as caught:
        client.post("quality/v1/checksheets", {"measurements": [{"value": 1.0}]})
    assert caught.value.status == 400
    assert "specificationId" in str(caught.value)


@pytest.mark.django_db
def test_it_times_out_on_a_slow_plex(fake_plex):
    import httpx

    fake_plex.delay = 0.5
    with (
        make_client(fake_plex, timeout=httpx.Timeout(0.1), max_retries=0) as plex_client,
        pytest.raises(PlexUnavailable),
    ):
        plex_client.get("mdm/v1/parts")
