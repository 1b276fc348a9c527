"""<body data-actor>: whose page it is, for static/js/drafts.js, which puts a form kept across a sign-in back for
the same person only and drops it when another person's page opens on a shared station tablet."""

import re

import pytest
from django.test import Client

from tests.actors import station_client

pytestmark = pytest.mark.django_db


def actor(html: bytes) -> str | None:
    found = re.search(rb'<body[^>]*\sdata-actor="([^"]*)"', html)
    return found.group(1).decode() if found else None


def test_it_names_each_signed_in_person_with_an_opaque_id_that_stays_the_same(plant):
    first = actor(station_client(plant.station, plant.certified).get("/station/home/").content)
    again = actor(station_client(plant.station, plant.certified).get("/station/home/").content)
    other = actor(station_client(plant.station, plant.expert).get("/station/home/").content)
    assert first and other and first == again != other
    assert plant.certified.badge_id not in first and first != str(plant.certified.user_id)


def test_it_names_nobody_on_the_sign_in_page(plant):
    response = Client().get(f"/station/{plant.station.code}/")
    assert response.status_code == 200 and b'data-testid="pin"' in response.content
    assert actor(response.content) is None
