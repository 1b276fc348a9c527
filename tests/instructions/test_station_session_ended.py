"""An htmx submit from a station page whose session has ended is sent to sign-in with X-Session-Ended, which
static/js/drafts.js reads to keep what the form held for after signing in (tests/browser/test_station_session_ended_keeps_draft.py
covers the 403 path in a browser)."""

from datetime import timedelta

import pytest
from django.test import Client

from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db


def test_it_marks_the_redirect_to_sign_in_as_a_session_that_ended(plant):
    url = at(start(station_client(plant.station, plant.certified), "WO-1-10"), 1)
    anonymous = Client()  # same page, no session any more (the CSRF check is the browser's business here)
    response = anonymous.post(url + "defect/", {"category": "surface", "quantity": "1", "description": "Burr"},
                              headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/station/"
    assert response["X-Session-Ended"] == "1"


def test_the_idle_sign_out_marks_it_too(plant, settings):
    """The tablet's idle sign-out (StationIdleTimeoutMiddleware) ends the session on the next request: a defect
    sent at that moment went to sign-in without the mark, so drafts.js did not keep what was typed."""
    import time_machine
    from django.utils import timezone

    client = station_client(plant.station, plant.certified)
    url = at(start(client, "WO-1-10"), 1)
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.STATION_IDLE_TIMEOUT_SECONDS + 5)):
        response = client.post(url + "defect/", {"category": "surface", "quantity": "1", "description": "Burr"},
                               headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 204
    assert (
        response["HX-Redirect"].startswith(f"/station/{plant.station.code}/")
        and "idle=1" in response["HX-Redirect"]
    )
    assert response["X-Session-Ended"] == "1"
