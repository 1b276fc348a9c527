import hashlib

from django.conf import settings
from django.db import models

from languages.guards import normalise


class TermKind(models.TextChoices):
    TERM = "term", "Locked term"
    PART = "part", "Part name or number"
    TOOL = "tool", "Tool name"
    UNIT = "unit", "Unit"
    CODE = "code", "Code"
    SEARCH = "search", "Question term (operator's words → English, for copilot search only)"


class GlossaryTerm(models.Model):
    """A plant term: with a translation it is locked to it; without one it is never translated.

    A term with a blank `language` applies to every language (do-not-translate items usually do).
    """

    term = models.CharField(max_length=120)
    language = models.CharField(max_length=10, blank=True, choices=settings.LANGUAGES, db_index=True)
    translation = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=8, choices=TermKind.choices, default=TermKind.TERM)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term", "language"]
        constraints = [models.UniqueConstraint(fields=["term", "language"], name="glossary_term_language")]

    def __str__(self) -> str:
        return f"{self.term} → {self.translation or '(do not translate)'} [{self.language or 'all'}]"

    def rendering(self) -> str:
        """What the term must read as in the target: its fixed translation, or itself."""
        return self.translation or self.term


def segment_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).casefold().encode()).hexdigest()


class MemoryOrigin(models.TextChoices):
    HUMAN = "human", "Written by a translator"
    REVIEWED = "reviewed", "Machine translation approved by a supervisor"


class MemorySegment(models.Model):
    """An approved translation of one English sentence: used verbatim wherever that sentence occurs."""

    language = models.CharField(max_length=10, choices=settings.LANGUAGES, db_index=True)
    source_text = models.TextField()
    source_hash = models.CharField(max_length=64)
    target_text = models.TextField()
    origin = models.CharField(max_length=10, choices=MemoryOrigin.choices, default=MemoryOrigin.HUMAN)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["language", "source_text"]
        constraints = [
            models.UniqueConstraint(fields=["language", "source_hash"], name="memory_language_source")
        ]

    def __str__(self) -> str:
        return f"[{self.language}] {self.source_text[:60]}"

    def save(self, *args: object, **kwargs: object) -> None:
        """The hash always follows the text it is looked up by."""
        self.source_hash = segment_hash(self.source_text)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved into the memory"
    REJECTED = "rejected", "Rejected"


class TranslationReview(models.Model):
    """A machine-translated sentence waiting for a supervisor: approved, it becomes a memory segment."""

    language = models.CharField(max_length=10, choices=settings.LANGUAGES, db_index=True)
    source_text = models.TextField()
    source_hash = models.CharField(max_length=64)
    machine_text = models.TextField()
    backend = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    final_text = models.TextField(blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["language", "source_hash"],
                condition=models.Q(status="pending"),
                name="one_pending_review_per_sentence",
            )
        ]

    def __str__(self) -> str:
        return f"[{self.language}] {self.source_text[:60]} ({self.status})"


class StepTranslation(models.Model):
    """One step of one published version in one language, computed at publish time and cached.

    `fields` maps title/text/caution/why to {"text": ..., "origins": [...], "flags": [...]}.
    `content_hash` is over the step's translatable content: a new version reuses the row of an unchanged
    step (same key, same hash) instead of translating it again.
    """

    version = models.ForeignKey(
        "instructions.InstructionVersion", on_delete=models.CASCADE, related_name="translations"
    )
    step = models.ForeignKey("instructions.Step", on_delete=models.CASCADE, related_name="translations")
    step_key = models.CharField(max_length=32)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    content_hash = models.CharField(max_length=64)
    fields = models.JSONField(default=dict)
    machine = models.BooleanField(default=False)
    untranslated = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "language"], name="step_translation_language")]
        indexes = [models.Index(fields=["version", "language"])]

    def __str__(self) -> str:
        return f"{self.step_key} [{self.language}]"

    @property
    def needs_review(self) -> bool:
        return self.machine or self.untranslated or self.flagged
