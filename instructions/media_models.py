"""Step media: pictures and short clips shown large on the station, stored once by content and never changed.

A step refers to its media by digest (`Step.media`); the file reaches a station only through a published version
(signed like any text change), and is served only to desk roles and to stations of work centres that run an
instruction whose published steps show it (instructions.media.media_may_view).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Picture")
    VIDEO = "video", _("Video clip")


class StepMedia(models.Model):
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the stored file")
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="steps/")
    thumbnail = models.FileField(upload_to="steps/", blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    instruction = models.ForeignKey(
        "instructions.WorkInstruction", null=True, blank=True, on_delete=models.PROTECT, related_name="media"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name_plural = "step media"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.digest[:12]} ({self.original_name})"

    def save(self, *args: object, **kwargs: object) -> None:
        """Written once: released versions and their rollbacks point at these bytes."""
        from instructions.models import ImmutableError

        if self.pk is not None:
            raise ImmutableError("Step media are written once; upload a new file instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        from instructions.models import ImmutableError

        raise ImmutableError("Step media are never deleted: older versions and rollbacks show them.")

    @property
    def is_video(self) -> bool:
        return self.kind == MediaKind.VIDEO

    def _thumb(self) -> tuple[int, int]:
        edge = settings.PHOTO_THUMB_EDGE
        if not self.width or not self.height:
            return edge, edge * 3 // 4
        scale = min(1.0, edge / max(self.width, self.height))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    @property
    def thumb_width(self) -> int:
        return self._thumb()[0]

    @property
    def thumb_height(self) -> int:
        return self._thumb()[1]
