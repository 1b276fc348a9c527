"""An htmx submit from a station page whose session has ended is sent to sign-in with X-Session-Ended, which
static/js/drafts.js reads to keep what the form held for after signing in (tests/browser/test_station_session_ended_keeps_draft.py
covers the 403 path in a browser)."""

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
