"""Step media intake: pictures re-encoded without metadata, clips accepted as WebM/MP4 by content, size and
decompression-bomb refusals with a clear message, files served with byte ranges."""

import io
import struct
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.test import Client
from PIL import Image

from instructions.media import MediaRejected, media_ingest
from instructions.media_models import StepMedia
from plexcopilot.models import AuditEvent
from tests.actors import desk_login
from tests.plexcopilot.test_upload_limits import MB, asgi_post

pytestmark = pytest.mark.django_db
CLIP = Path(__file__).resolve().parents[1] / "copilot" / "fixtures" / "tip-dressing.webm"
DESK = "desk-pass-123"


def png_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (120, 130, 140))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (42.0, 20.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def mp4(boxes: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(struct.pack(">I4s", 8 + len(body), kind) + body for kind, body in boxes)


GOOD_MP4 = mp4([(b"ftyp", b"isom\x00\x00\x02\x00isomavc1"), (b"moov", b"\x00" * 40), (b"mdat", b"\x01" * 64)])


class TestPictures:
    def test_a_picture_is_re_encoded_as_jpeg_without_metadata_stored_once_and_audited(self, plant):
        data = png_with_gps()
        assert b"PhoneMaker" in data
        media = media_ingest(
            upload=upload("shot.png", data), instruction=plant.instruction, user=plant.quality.user
        )
        assert (
            media.kind == "image"
            and media.content_type == "image/jpeg"
            and (media.width, media.height) == (640, 480)
        )
        stored = media.file.open("rb").read()
        assert stored[:3] == b"\xff\xd8\xff" and b"PhoneMaker" not in stored and b"Exif" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert not image.getexif() and image.format == "JPEG"
        assert media.thumbnail and max(Image.open(media.thumbnail.open("rb")).size) <= 320
        again = media_ingest(
            upload=upload("copy.png", data), instruction=plant.instruction, user=plant.quality.user
        )
        assert again.pk == media.pk and StepMedia.objects.count() == 1
        event = AuditEvent.objects.get(action="media.upload")
        assert event.data["digest"] == media.digest and event.data["kind"] == "image"

    def test_a_big_picture_is_scaled_to_the_media_edge(self, plant, settings):
        settings.STEP_IMAGE_MAX_EDGE = 800
        media = media_ingest(
            upload=upload("big.png", png_with_gps((2400, 1200))), instruction=None, user=None
        )
        assert (media.width, media.height) == (800, 400)

    @pytest.mark.parametrize("pixels", [(9000, 9000), (20000, 20000)])
    def test_a_decompression_bomb_is_refused_before_decoding(self, plant, pixels):
        out = io.BytesIO()
        Image.new("1", pixels).save(out, "PNG")  # a few hundred KB that would decode to 81–400 megapixels
        assert out.tell() < 2 * MB
        with pytest.raises(MediaRejected, match="megapixels"):
            media_ingest(upload=upload("bomb.png", out.getvalue()), instruction=None, user=None)
        assert not StepMedia.objects.exists()

    def test_a_200_mb_file_is_refused_by_its_size_before_it_is_read(self, plant):
        huge = UploadedFile(file=io.BytesIO(b"\xff\xd8\xff" + b"\x00" * 64), name="huge.jpg", size=200 * MB)
        with pytest.raises(MediaRejected, match=r"too large \(200 MB\)\. The limit is 15 MB"):
            media_ingest(upload=huge, instruction=None, user=None)
        assert not StepMedia.objects.exists()

    def test_a_200_mb_upload_is_refused_at_the_door(self, settings):
        settings.REQUEST_MAX_BYTES = 16 * MB
        assert asgi_post("/governance/instructions/1/steps/x/media/", chunks=200, declare_length=True) == (
            413,
            0,
        )

    @pytest.mark.parametrize(
        ("name", "data", "message"),
        [
            ("notes.png", b"%PDF-1.7\n" + b"x" * 200, "neither a picture nor a video clip"),
            ("script.mp4", b"<script>alert(1)</script>" * 10, "neither a picture nor a video clip"),
            ("empty.jpg", b"", "empty"),
            ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "not a photo we can read"),
        ],
    )
    def test_wrong_types_are_refused_by_content_not_by_name(self, plant, name, data, message):
        with pytest.raises(MediaRejected, match=message):
            media_ingest(upload=upload(name, data, "image/png"), instruction=None, user=None)
        assert not StepMedia.objects.exists()

    def test_a_gif_is_named_and_refused(self, plant):
        out = io.BytesIO()
        Image.new("P", (20, 20)).save(out, "GIF")
        with pytest.raises(MediaRejected, match="GIF files are not accepted"):
            media_ingest(upload=upload("anim.gif", out.getvalue()), instruction=None, user=None)


class TestClips:
    def test_a_webm_clip_is_kept_as_it_is(self, plant):
        data = CLIP.read_bytes()
        media = media_ingest(
            upload=upload("tip.bin", data), instruction=plant.instruction, user=plant.quality.user
        )
        assert media.kind == "video" and media.content_type == "video/webm" and media.size == len(data)
        assert media.file.open("rb").read() == data and not media.thumbnail

    def test_an_mp4_clip_is_accepted_by_its_boxes(self, plant):
        media = media_ingest(upload=upload("clip.mov", GOOD_MP4), instruction=None, user=None)
        assert media.content_type == "video/mp4" and media.file.name.endswith(".mp4")

    @pytest.mark.parametrize(
        "data",
        [
            mp4(
                [(b"ftyp", b"qt  \x00\x00\x02\x00qt  "), (b"moov", b"\x00" * 8), (b"mdat", b"\x00" * 8)]
            ),  # QuickTime
            mp4([(b"ftyp", b"heic\x00\x00\x00\x00mif1heic"), (b"meta", b"\x00" * 8)]),  # a HEIC picture
            GOOD_MP4[:-20],  # cut short: the boxes do not add up
            mp4([(b"ftyp", b"isom\x00\x00\x02\x00isom"), (b"mdat", b"\x00" * 8)]),  # no movie header
            CLIP.read_bytes().replace(b"\x42\x82\x84webm", b"\x42\x82\x84mkv!", 1),  # Matroska, not WebM
        ],
    )
    def test_other_containers_are_refused(self, plant, data):
        with pytest.raises(MediaRejected, match="neither a picture nor a video clip"):
            media_ingest(upload=upload("clip.mp4", data), instruction=None, user=None)

    def test_a_clip_over_the_clip_limit_is_refused(self, plant, settings):
        settings.STEP_VIDEO_MAX_BYTES = 1024
        with pytest.raises(MediaRejected, match="clip is too large"):
            media_ingest(upload=upload("tip.webm", CLIP.read_bytes()), instruction=None, user=None)


class TestServing:
    def test_clips_are_served_in_byte_ranges(self, plant):
        data = CLIP.read_bytes()
        media = media_ingest(upload=upload("tip.webm", data), instruction=plant.instruction, user=None)
        client = Client()
        desk_login(client, plant.supervisor.badge_id, DESK)
        url = f"/step-media/{media.digest}/"
        whole = client.get(url)
        assert (
            whole.status_code == 200
            and whole["Accept-Ranges"] == "bytes"
            and whole["Content-Type"] == "video/webm"
        )
        assert b"".join(whole.streaming_content) == data
        part = client.get(url, HTTP_RANGE="bytes=100-199")
        assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(data)}"
        assert b"".join(part.streaming_content) == data[100:200] and part["Content-Length"] == "100"
        tail = client.get(url, HTTP_RANGE="bytes=-50")
        assert tail.status_code == 206 and b"".join(tail.streaming_content) == data[-50:]
        beyond = client.get(url, HTTP_RANGE=f"bytes={len(data) + 10}-")
        assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
