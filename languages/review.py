"""Review: a supervisor signs machine translations into the translation memory; memory imports; refreshing
the cached steps that still carry a mark once the memory grew.
"""

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from instructions.models import WorkInstruction
from languages.guards import guard_check, normalise
from languages.models import (
    MemoryOrigin,
    MemorySegment,
    ReviewStatus,
    StepTranslation,
    TranslationReview,
    segment_hash,
)
from languages.pipeline import TRANSLATED_FIELDS, glossary_for
from languages.step_cache import steps_translate
from plexcopilot.services import audit_record
from plexcopilot.signatures import SignatureRefused, reauthenticate


class ReviewError(Exception):
    """The supervisor's decision could not be recorded; the message says why."""


FINAL_TEXT_MAX = 5000  # a reviewed sentence (a step's text is at most a few hundred characters)
REJECT_REASON_MAX = 500  # TranslationReview.reason


def _within(what: str, text: str, limit: int) -> str:
    """`text` trimmed (a line break once), refused with its length when over `limit`: never cut to fit. A NUL
    byte (a paste's) is no character anyone reads: dropped (PostgreSQL refuses it in text, a 500)."""
    text = text.replace("\x00", "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ReviewError(
            f"The {what} is {len(text):,} characters long; {limit:,} at most. Nothing was cut: shorten it and send again."
        )
    return text


def memory_segment_save(
    *, language: str, source_text: str, target_text: str, approved_by: Any, origin: str
) -> MemorySegment:
    """Store an approved sentence, after the guard: numbers, units and glossary terms must all be there."""
    source_text, target_text = source_text.strip(), target_text.strip()
    if not target_text:
        raise ReviewError("The translation is empty. Write the sentence in the target language.")
    terms = [rendering for _t, rendering in glossary_for(language=language).found_in(source_text)]
    check = guard_check(source=source_text, target=target_text, required_terms=terms)
    if not check.ok:
        raise ReviewError(
            "These numbers, units or locked terms of the English sentence are missing from the translation: "
            + ", ".join(check.missing)
        )
    segment, _created = MemorySegment.objects.update_or_create(
        language=language,
        source_hash=segment_hash(source_text),
        defaults={
            "source_text": source_text,
            "target_text": target_text,
            "origin": origin,
            "approved_by": approved_by if getattr(approved_by, "is_authenticated", False) else None,
        },
    )
    return segment


def signature_check(*, user: Any, password: str) -> None:
    """An approval is an electronic signature: the signer types their password again."""
    if not password:
        raise ReviewError("Enter your password to sign the approval. Nothing was approved.")
    try:
        reauthenticate(user=user, password=password)
    except SignatureRefused:
        raise ReviewError("Password not recognised. Nothing was approved.") from None


def translation_review_approve(
    *, review: TranslationReview, final_text: str, user: Any, password: str
) -> MemorySegment:
    """A supervisor signs (possibly corrected) text into the memory; cached steps are refreshed."""
    final_text = _within("translation", final_text, FINAL_TEXT_MAX)
    signature_check(user=user, password=password)
    with transaction.atomic():
        locked = TranslationReview.objects.select_for_update(no_key=True).get(pk=review.pk)
        if locked.status != ReviewStatus.PENDING:
            raise ReviewError("This translation was already decided by someone else.")
        segment = memory_segment_save(
            language=locked.language,
            source_text=locked.source_text,
            target_text=final_text,
            approved_by=user,
            origin=MemoryOrigin.REVIEWED,
        )
        locked.status, locked.final_text = ReviewStatus.APPROVED, final_text.strip()
        locked.decided_by, locked.decided_at = user, timezone.now()
        locked.save(update_fields=["status", "final_text", "decided_by", "decided_at"])
        audit_record(
            actor=user,
            action="translation.approve",
            obj=segment,
            summary=f"Signed approval [{locked.language}] “{locked.source_text[:80]}” → “{segment.target_text[:80]}”",
            data={
                "review": locked.pk,
                "machine_text": locked.machine_text,
                "final_text": segment.target_text,
                "edited": segment.target_text != locked.machine_text.strip(),
                "signature": {"meaning": "approved translation", "method": "password"},
            },
        )
    step_translations_refresh(language=locked.language, sentence=locked.source_text)
    review.refresh_from_db()
    return segment


def translation_review_reject(*, review: TranslationReview, reason: str, user: Any) -> None:
    reason = _within("reason", reason, REJECT_REASON_MAX)
    if not reason:
        raise ReviewError("Say why the translation is rejected, so the next one is better.")
    with transaction.atomic():
        updated = TranslationReview.objects.filter(pk=review.pk, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.REJECTED, reason=reason, decided_by=user, decided_at=timezone.now()
        )
        if not updated:
            raise ReviewError("This translation was already decided by someone else.")
        audit_record(
            actor=user,
            action="translation.reject",
            obj=review,
            summary=f"Rejected [{review.language}] machine translation of “{review.source_text[:80]}”: {reason[:120]}",
            data={"machine_text": review.machine_text},
        )
    review.refresh_from_db()


def step_translations_refresh(*, language: str, sentence: str = "") -> int:
    """Re-translate cached steps of current versions that still carry a mark, after the memory grew; with
    `sentence`, only the steps that contain it (an approval touches no other step)."""
    current = WorkInstruction.objects.filter(current_version__isnull=False).values("current_version")
    stale = list(
        StepTranslation.objects.filter(version__in=current, language=language)
        .filter(Q(machine=True) | Q(untranslated=True) | Q(flagged=True))
        .select_related("step")
    )
    if sentence:
        key = normalise(sentence).casefold()
        stale = [
            row
            for row in stale
            if any(key in normalise(getattr(row.step, name)).casefold() for name in TRANSLATED_FIELDS)
        ]
    if not stale:
        return 0
    fresh = steps_translate([row.step for row in stale], language)
    for row, new in zip(stale, fresh, strict=True):
        row.fields, row.machine, row.untranslated, row.flagged = (
            new.fields,
            new.machine,
            new.untranslated,
            new.flagged,
        )
        row.computed_at = timezone.now()
    StepTranslation.objects.bulk_update(
        stale, ["fields", "machine", "untranslated", "flagged", "computed_at"]
    )
    return len(stale)


def memory_import(*, entries: list[dict[str, str]], language: str, user: Any = None) -> int:
    """Load human-written sentence pairs ({"en": ..., language: ...}) into the memory, each guarded."""
    count = 0
    for entry in entries:
        memory_segment_save(
            language=language,
            source_text=entry["en"],
            target_text=entry[language],
            approved_by=user,
            origin=MemoryOrigin.HUMAN,
        )
        count += 1
    return count
