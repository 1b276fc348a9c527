"""Big request bodies are refused before they are read; a file past the limit stops the upload while it streams."""

import io

import pytest
from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from quality.models import DefectReport
from tests.actors import at, start, station_client

MB = 1024 * 1024


def asgi_post(path: str, *, chunks: int, declare_length: bool) -> tuple[int, int]:
    """POST `chunks` MB through the real ASGI application; returns (status, chunks the app read)."""
    from plexcopilot.asgi import application

    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/octet-stream")]
    if declare_length:
        headers.append((b"content-length", str(chunks * MB).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "headers": headers,
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80)}  # fmt: skip
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"x" * MB, "more_body": read < chunks}

    async def send(message):
        sent.append(message)

    async_to_sync(application)(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, read


def test_a_declared_50_mb_body_is_refused_without_reading_it(settings):
    settings.REQUEST_MAX_BYTES = 16 * MB
    assert asgi_post("/station/scan/", chunks=50, declare_length=True) == (413, 0)


def test_a_chunked_50_mb_body_is_cut_off_at_the_limit(settings):
    settings.REQUEST_MAX_BYTES = 16 * MB
    status, read = asgi_post("/station/scan/", chunks=50, declare_length=False)
    assert status == 413 and read == 17  # stops at the first chunk past 16 MB


@pytest.mark.django_db
def test_a_photo_past_the_file_limit_is_refused_and_no_defect_is_saved(plant, settings):
    settings.UPLOAD_FILE_MAX_BYTES = 200 * 1024
    client = station_client(plant.station, plant.certified)
    url = at(start(client, "WO-1-10"), 1)
    big = io.BytesIO()
    Image.effect_noise((900, 900), 90).convert("RGB").save(big, "PNG")
    assert big.tell() > 200 * 1024
    failing = Client(raise_request_exception=False)
    failing.cookies = client.cookies
    response = failing.post(url + "defect/", {"category": "surface", "quantity": "1", "description": "Dent",
                                              "photo": SimpleUploadedFile("big.png", big.getvalue(), "image/png")})  # fmt: skip
    assert response.status_code == 413 and b"too large" in response.content
    assert DefectReport.objects.count() == 0
