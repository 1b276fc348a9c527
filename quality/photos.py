"""Photo intake from station tablets: verify, cap, strip metadata, re-encode, thumbnail (plexcopilot.images)."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from plexcopilot.images import ALLOWED_FORMATS, CleanImage, image_clean
from plexcopilot.images import ImageRejected as PhotoRejected

CleanPhoto = CleanImage
__all__ = ["ALLOWED_FORMATS", "CleanPhoto", "PhotoRejected", "photo_clean"]


def photo_clean(upload: UploadedFile) -> CleanPhoto:
    """Return a re-encoded JPEG and thumbnail with EXIF/GPS gone, or raise PhotoRejected."""
    return image_clean(
        upload,
        max_bytes=settings.PHOTO_MAX_BYTES,
        max_pixels=settings.PHOTO_MAX_PIXELS,
        max_edge=settings.PHOTO_MAX_EDGE,
        thumb_edge=settings.PHOTO_THUMB_EDGE,
    )
