"""Retries after a timeout or an outage carry the form's idempotency key and are recorded once."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from labor.andon import andon_resolve
from labor.models import AndonCall
from plexcopilot.models import AuditEvent
from quality.models import DefectReport
from tests.actors import PIN, at, start, station_client
from tests.faults import database_blip, redis_down

pytestmark = pytest.mark.django_db


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 50, 50)).save(out, "JPEG")
    return SimpleUploadedFile("scratch.jpg", out.getvalue(), content_type="image/jpeg")


def media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_it_raises_one_andon_call_for_retries_with_the_same_key(plant):
    client = station_client(plant.station, plant.certified)
    for _ in range(3):
        response = client.post("/labor/station/andon/", {"category": "safety", "note": "Guard open",
                                                         "idempotency_key": "andon-key-0001"})  # fmt: skip
        assert response.status_code == 200
    assert AndonCall.objects.count() == 1
    assert AuditEvent.objects.filter(action="andon.raise").count() == 1
    andon_resolve(call=AndonCall.objects.get(), user=plant.supervisor.user, resolution="Guard closed")
    client.post(
        "/labor/station/andon/",
        {"category": "safety", "note": "Guard open", "idempotency_key": "andon-key-0002"},
    )
    # A new form (new key) is a new call; while the first was open it would have joined it (test_andon_repeat).
    assert AndonCall.objects.count() == 2


def test_it_files_one_defect_for_retries_with_the_same_key(plant, settings):
    client = station_client(plant.station, plant.certified)
    url = at(start(client, "WO-1-10"), 1)
    data = {
        "category": "surface",
        "quantity": "2",
        "description": "Scratch",
        "idempotency_key": "defect-key-01",
    }
    for _ in range(2):
        assert client.post(url + "defect/", {**data, "photo": photo()}).status_code == 200
    assert DefectReport.objects.count() == 1
    assert len(media_files(settings)) == 2  # one photo and its thumbnail


def test_it_leaves_no_row_and_no_photo_when_the_database_fails_and_keeps_what_was_typed(plant, settings):
    client = station_client(plant.station, plant.certified)
    url = at(start(client, "WO-1-10"), 1)
    failing = Client(raise_request_exception=False)
    failing.cookies = client.cookies
    data = {"category": "surface", "quantity": "2", "description": "Cracked weld at the gusset",
            "idempotency_key": "defect-key-02"}  # fmt: skip
    with database_blip('INSERT INTO "plexcopilot_auditevent"') as failed:
        response = failing.post(url + "defect/", {**data, "photo": photo()}, headers={"HX-Request": "true"})
    assert failed and response.status_code == 503
    assert "NOT saved" in response.content.decode()  # htmx keeps the form as typed and shows this in a banner
    assert DefectReport.objects.count() == 0 and media_files(settings) == []
    assert client.post(url + "defect/", {**data, "photo": photo()}).status_code == 200
    assert DefectReport.objects.count() == 1 and len(media_files(settings)) == 2


def test_it_raises_an_andon_call_without_error_while_redis_is_down(plant):
    client = station_client(plant.station, plant.certified)
    with redis_down():
        response = client.post("/labor/station/andon/", {"category": "maintenance", "note": "Die clamp leaking",
                                                         "idempotency_key": "andon-key-0003"})  # fmt: skip
    assert response.status_code == 200 and "Help is on the way" in response.content.decode()
    assert AndonCall.objects.count() == 1


def test_it_signs_in_with_a_badge_while_redis_is_down(plant):
    client = Client()
    with redis_down():
        wrong = client.post(
            f"/station/{plant.station.code}/", {"badge": plant.certified.badge_id, "pin": "1111"}
        )
        assert wrong.status_code == 401  # counted in the worker's own memory while Redis is down
        response = client.post(
            f"/station/{plant.station.code}/", {"badge": plant.certified.badge_id, "pin": PIN}
        )
    assert response.status_code == 302
