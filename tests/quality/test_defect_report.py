import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from quality.models import DefectReport
from tests.actors import at, start, station_client

pytestmark = pytest.mark.django_db


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 900), (200, 50, 50))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (42.0, 19.0, 53.0), 3: "W", 4: (83.0, 2.0, 45.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header claims 900 megapixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * width
    data = zlib.compress(row * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.fixture
def run(plant):
    client = station_client(plant.station, plant.certified)
    url = start(client, "WO-1-10")
    return client, at(url, 1)


def report(client, url, photo=None, **fields):
    data = {"category": "surface", "quantity": "3", "description": "Deep scratch on flange", **fields}
    if photo is not None:
        data["photo"] = photo
    return client.post(url + "defect/", data)


class TestDefectReport:
    def test_it_files_a_defect_with_a_clean_re_encoded_photo_and_thumbnail(self, run, plant):
        client, url = run
        response = report(client, url, SimpleUploadedFile("scratch.jpg", jpeg_with_gps(), "image/jpeg"))
        assert response.status_code == 200
        assert "Defect reported" in response.content.decode()
        defect = DefectReport.objects.get()
        assert (defect.work_order, defect.version, defect.step.order, defect.reported_by) == (
            plant.work_order,
            plant.version,
            1,
            plant.certified,
        )
        with Image.open(defect.photo.open("rb")) as saved:
            assert saved.format == "JPEG"
            assert not saved.getexif()
            assert "exif" not in saved.info
        with Image.open(defect.thumbnail.open("rb")) as thumb:
            assert max(thumb.size) <= 320
        photo = client.get(f"/quality/defects/{defect.pk}/photo/")
        assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"

    def test_it_serves_photos_only_to_signed_in_users(self, run):
        client, url = run
        report(client, url, SimpleUploadedFile("s.png", _png(), "image/png"))
        defect = DefectReport.objects.get()
        from django.test import Client

        assert Client().get(f"/quality/defects/{defect.pk}/photo/").status_code == 302

    def test_it_rejects_a_decompression_bomb_and_keeps_the_description(self, run):
        client, url = run
        response = report(
            client,
            url,
            SimpleUploadedFile("bomb.png", png_bomb(), "image/png"),
            description="Cracked weld nut",
        )
        body = response.content.decode()
        assert response.status_code == 422
        assert "more than this station accepts" in body
        assert "Cracked weld nut" in body
        assert not DefectReport.objects.exists()

    def test_it_rejects_a_non_image_with_an_image_name(self, run):
        client, url = run
        response = report(
            client, url, SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a picture", "image/jpeg")
        )
        assert response.status_code == 422
        assert "not a photo we can read" in response.content.decode()
        assert not DefectReport.objects.exists()

    def test_it_refuses_an_empty_photo_file_and_keeps_what_was_typed(self, run):
        client, url = run
        response = report(
            client,
            url,
            SimpleUploadedFile("zero.jpg", b"", "image/jpeg"),
            description="Burr on the hole edge",
            category="dimensional",
            quantity="7",
        )
        body = response.content.decode()
        assert response.status_code == 422
        assert "The photo is empty. Take the picture again. Your description was kept" in body
        assert "is needed" not in body
        assert "Burr on the hole edge" in body and 'value="7"' in body
        assert 'value="dimensional" selected' in body
        assert not DefectReport.objects.exists()

    def test_it_rejects_an_oversize_file_with_the_limit_in_the_message(self, run, settings):
        settings.PHOTO_MAX_BYTES = 1024 * 1024
        client, url = run
        big = SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024), "image/jpeg")
        response = report(client, url, big)
        body = response.content.decode()
        assert response.status_code == 422
        assert "too large" in body and "The limit is 1 MB" in body
        assert "Deep scratch on flange" in body

    def test_it_rejects_a_gif(self, run):
        client, url = run
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "GIF")
        response = report(client, url, SimpleUploadedFile("a.gif", out.getvalue(), "image/gif"))
        assert response.status_code == 422
        assert "GIF files are not accepted" in response.content.decode()

    def test_it_asks_for_a_description(self, run):
        client, url = run
        response = report(client, url, description="")
        assert response.status_code == 422
        assert not DefectReport.objects.exists()

    def test_it_files_a_defect_without_a_photo(self, run):
        client, url = run
        assert report(client, url).status_code == 200
        assert DefectReport.objects.get().photo.name == ""


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 90, 0)).save(out, "PNG")
    return out.getvalue()
