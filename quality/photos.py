"""Photo intake from station tablets: verify, cap, strip metadata, re-encode, thumbnail."""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoRejected(Exception):
    """The upload is not a photo we can keep; the message is shown to the operator as is."""


@dataclass(frozen=True)
class CleanPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def photo_clean(upload: UploadedFile) -> CleanPhoto:
    """Return a re-encoded JPEG and thumbnail with EXIF/GPS gone, or raise PhotoRejected.

    The pixel count is read from the header and checked before any pixel is decoded, so a
    decompression bomb never reaches memory.
    """
    max_mb = settings.PHOTO_MAX_BYTES // (1024 * 1024)
    if upload.size is not None and upload.size > settings.PHOTO_MAX_BYTES:
        raise PhotoRejected(
            gettext("The photo is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": upload.size // (1024 * 1024), "limit": max_mb}
        )
    if not upload.size:
        raise PhotoRejected(gettext("The photo is empty. Take the picture again."))
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except Image.DecompressionBombError:
        raise PhotoRejected(_too_many_pixels()) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(
            gettext("That file is not a photo we can read. Use a JPEG, PNG or WebP picture.")
        ) from None
    if image_format not in ALLOWED_FORMATS:
        raise PhotoRejected(
            gettext("%(format)s files are not accepted. Use a JPEG, PNG or WebP picture.")
            % {"format": image_format}
        )
    if width * height > settings.PHOTO_MAX_PIXELS:
        raise PhotoRejected(_too_many_pixels(f"{width}×{height} pixels"))
    upload.seek(0)
    try:
        with Image.open(upload) as source:
            source.load()
            upright = ImageOps.exif_transpose(source)
            rgb = upright.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise PhotoRejected(
            gettext("The photo is damaged and could not be read. Take the picture again.")
        ) from None
    rgb.thumbnail((settings.PHOTO_MAX_EDGE, settings.PHOTO_MAX_EDGE))
    image_bytes = _jpeg(rgb, quality=85)
    thumb = rgb.copy()
    thumb.thumbnail((settings.PHOTO_THUMB_EDGE, settings.PHOTO_THUMB_EDGE))
    return CleanPhoto(
        image=image_bytes, thumbnail=_jpeg(thumb, quality=80), width=rgb.width, height=rgb.height
    )


def _too_many_pixels(size: str = "") -> str:
    limit = settings.PHOTO_MAX_PIXELS // 1_000_000
    return gettext(
        "The picture is %(size)s, more than this station accepts (%(limit)s megapixels). It may be damaged or unsafe."
    ) % {"size": size or gettext("too many pixels"), "limit": limit}


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    # A fresh RGB image carries no info dict, so no EXIF, GPS or ICC text is written.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()
