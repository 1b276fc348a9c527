"""Image intake shared by every upload of a picture (defect photos, step media): verify, cap, strip, re-encode.

The pixel count is read from the header and checked before any pixel is decoded, so a decompression bomb never
reaches memory; the format is judged by content, not by the file name; EXIF orientation is applied, then a fresh
JPEG is written with no metadata (no EXIF, GPS or ICC text), with a thumbnail.
"""

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class ImageRejected(Exception):
    """The upload is not a picture we can keep; the message is shown to the person as is."""


@dataclass(frozen=True)
class CleanImage:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def image_clean(
    upload: UploadedFile, *, max_bytes: int, max_pixels: int, max_edge: int, thumb_edge: int
) -> CleanImage:
    """Return a re-encoded JPEG (longest edge at most `max_edge`) and a thumbnail, or raise ImageRejected."""
    if upload.size is not None and upload.size > max_bytes:
        raise ImageRejected(
            gettext("The photo is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": upload.size // (1024 * 1024), "limit": max_bytes // (1024 * 1024)}
        )
    if not upload.size:
        raise ImageRejected(gettext("The photo is empty. Take the picture again."))
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except Image.DecompressionBombError:
        raise ImageRejected(too_many_pixels(max_pixels)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected(
            gettext("That file is not a photo we can read. Use a JPEG, PNG or WebP picture.")
        ) from None
    if image_format not in ALLOWED_FORMATS:
        raise ImageRejected(
            gettext("%(format)s files are not accepted. Use a JPEG, PNG or WebP picture.")
            % {"format": image_format}
        )
    if width * height > max_pixels:
        raise ImageRejected(too_many_pixels(max_pixels, f"{width}×{height} pixels"))
    upload.seek(0)
    try:
        with Image.open(upload) as source:
            source.load()
            upright = ImageOps.exif_transpose(source)
            rgb = _flatten(upright)
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ImageRejected(
            gettext("The photo is damaged and could not be read. Take the picture again.")
        ) from None
    rgb.thumbnail((max_edge, max_edge))
    thumb = rgb.copy()
    thumb.thumbnail((thumb_edge, thumb_edge))
    return CleanImage(
        image=jpeg(rgb, quality=85), thumbnail=jpeg(thumb, quality=80), width=rgb.width, height=rgb.height
    )


def too_many_pixels(max_pixels: int, size: str = "") -> str:
    return gettext(
        "The picture is %(size)s, more than this station accepts (%(limit)s megapixels). It may be damaged or unsafe."
    ) % {"size": size or gettext("too many pixels"), "limit": max_pixels // 1_000_000}


def _flatten(image: Image.Image) -> Image.Image:
    """RGB; transparent areas (diagrams drawn as PNG) become white, not black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def jpeg(image: Image.Image, *, quality: int) -> bytes:
    # A fresh RGB image carries no info dict, so no EXIF, GPS or ICC text is written.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()
