"""The translation pipeline and its cache.

Per sentence, in order: (1) curated safety phrases, verbatim; (2) approved translation memory, exact match;
(3) sentences that are only codes and numbers stay as written; (4) translation memory, fuzzy match; (5) a
machine translation backend, with glossary terms and codes shielded by placeholders; (6) nothing available →
the English sentence, marked "not translated". Whatever a fuzzy match or a machine produced must pass the
number/unit/term guard, or the English sentence is kept and flagged. Machine and fuzzy results stay marked
until a supervisor approves them into the memory (TranslationReview).
"""

import asyncio
import difflib
import functools
import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from instructions.models import InstructionVersion, Step, WorkInstruction
from labor.models import Employee
from languages.backends import machine_translate
from languages.guards import GuardResult, codes_in, guard_check, normalise, sentences_split
from languages.models import (
    GlossaryTerm,
    MemoryOrigin,
    MemorySegment,
    ReviewStatus,
    StepTranslation,
    TermKind,
    TranslationReview,
    segment_hash,
)
from languages.question_terms import question_terms_load
from languages.safety_phrases import safety_phrase
from plexcopilot.services import audit_record
from plexcopilot.signatures import SignatureRefused, reauthenticate

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
TRANSLATED_FIELDS = ("title", "text", "caution", "why", "media_caption")
FUZZY_MIN_RATIO = 0.9
# A machine sentence shorter than this share of the English one has dropped something: never shorten a warning.
MIN_LENGTH_RATIO = 0.35
# Origins whose text a person approved (or that needs no translation).
APPROVED_ORIGINS = {"safety", "memory", "verbatim"}
PLACEHOLDER = re.compile(r"\[\s*T\s*(\d+)\s*\]")
CITATION = re.compile(r"\[\d{1,2}\]")


class ReviewError(Exception):
    """The supervisor's decision could not be recorded; the message says why."""


@dataclass
class Segment:
    source: str
    text: str
    origin: str  # safety | memory | verbatim | fuzzy | machine | untranslated | flagged
    note: str = ""


@dataclass
class TextTranslation:
    source: str
    language: str
    segments: list[Segment] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def origins(self) -> list[str]:
        return [s.origin for s in self.segments]

    @property
    def machine(self) -> bool:
        return any(o in ("machine", "fuzzy") for o in self.origins)

    @property
    def untranslated(self) -> bool:
        return "untranslated" in self.origins

    @property
    def flagged(self) -> bool:
        return "flagged" in self.origins

    @property
    def approved(self) -> bool:
        return all(o in APPROVED_ORIGINS for o in self.origins)


# --- Glossary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Glossary:
    """Locked terms (term → fixed rendering) for one language, longest first."""

    terms: tuple[tuple[str, str], ...]

    def found_in(self, text: str) -> list[tuple[str, str]]:
        return [(t, r) for t, r in self.terms if _term_pattern(t).search(text)]


def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.IGNORECASE)


def glossary_for(*, language: str) -> Glossary:
    rows = (
        GlossaryTerm.objects.filter(Q(language=language) | Q(language=""))
        .exclude(kind=TermKind.SEARCH)  # question terms only turn questions into English
        .values_list("term", "translation", "language")
    )
    chosen: dict[str, str] = {}
    for term, translation, _lang in sorted(rows, key=lambda r: r[2] == ""):  # language-specific rows win
        chosen.setdefault(term, translation or term)
    return Glossary(tuple(sorted(chosen.items(), key=lambda item: -len(item[0]))))


def _shield(sentence: str, glossary: Glossary) -> tuple[str, list[str]]:
    """Replace glossary terms and codes by [T0], [T1]...; returns the text and each placeholder's rendering."""
    renderings: list[str] = []

    def hold(match: re.Match[str], rendering: str | None = None) -> str:
        renderings.append(match.group(0) if rendering is None else rendering)
        return f"[T{len(renderings) - 1}]"

    shielded = CITATION.sub(hold, sentence)  # copilot answers cite passages as [n]
    for term, rendering in glossary.terms:
        shielded = _term_pattern(term).sub(functools.partial(hold, rendering=rendering), shielded)
    for code in sorted(set(codes_in(shielded)), key=len, reverse=True):
        # The look-behind keeps "T0" inside an earlier "[T0]" placeholder from being held again.
        shielded = re.sub(rf"(?<![\w\[-]){re.escape(code)}(?![\w\]-])", hold, shielded)
    return shielded, renderings


def _unshield(text: str, renderings: list[str]) -> str | None:
    """Put the renderings back; None when a placeholder was lost or duplicated by the machine."""
    seen = [int(n) for n in PLACEHOLDER.findall(text)]
    if sorted(seen) != list(range(len(renderings))):
        return None
    return PLACEHOLDER.sub(lambda m: renderings[int(m.group(1))], text)


# --- Translation memory --------------------------------------------------------------------------


def _memory_exact(hashes: Iterable[str], language: str) -> dict[str, str]:
    return dict(
        MemorySegment.objects.filter(language=language, source_hash__in=set(hashes)).values_list(
            "source_hash", "target_text"
        )
    )


def _memory_fuzzy(sentence: str, language: str, candidates: list[tuple[str, str]]) -> str | None:
    """The closest approved sentence's translation when it is at least FUZZY_MIN_RATIO alike."""
    key = normalise(sentence).casefold()
    best, best_ratio = None, FUZZY_MIN_RATIO
    for source, target in candidates:
        other = normalise(source).casefold()
        if abs(len(other) - len(key)) > len(key) * (1 - FUZZY_MIN_RATIO) + 2:
            continue
        matcher = difflib.SequenceMatcher(None, key, other, autojunk=False)
        if matcher.quick_ratio() >= best_ratio and matcher.ratio() >= best_ratio:
            best, best_ratio = target, matcher.ratio()
    return best


def _only_codes(sentence: str) -> bool:
    """Nothing to translate: codes, numbers, units and punctuation only."""
    rest = sentence
    for code in codes_in(sentence):
        rest = rest.replace(code, " ")
    words = re.findall(r"[^\W\d_]{2,}", rest)
    return not [w for w in words if w not in {"mm", "cm", "kN", "kA", "kg", "psi", "bar", "rpm", "min"}]


def _with_stop(source: str, text: str) -> str:
    return (
        text + "." if source.rstrip().endswith(".") and not text.rstrip().endswith((".", "!", "?")) else text
    )


# --- The pipeline --------------------------------------------------------------------------------


def texts_translate(
    *, texts: list[str], target: str, source: str = SOURCE_LANGUAGE, queue_review: bool = False
) -> list[TextTranslation]:
    """Translate many texts in one pass (one memory query, one machine batch)."""
    results = [TextTranslation(source=t, language=target) for t in texts]
    if target == source:
        for result in results:
            result.segments = [Segment(s, s, "verbatim") for s in sentences_split(result.source)]
        return results
    split = [sentences_split(t) for t in texts]
    glossary = glossary_for(language=target)
    from_english = source == SOURCE_LANGUAGE
    exact = _memory_exact((segment_hash(s) for ss in split for s in ss), target) if from_english else {}
    fuzzy_pool: list[tuple[str, str]] | None = None
    pending: list[tuple[Segment, str, list[str], list[str]]] = []  # segment, shielded text, renderings, terms
    for result, sentences in zip(results, split, strict=True):
        for sentence in sentences:
            normalised = normalise(sentence)
            phrase = safety_phrase(normalised=normalised, language=target) if from_english else None
            if phrase:
                result.segments.append(Segment(sentence, _with_stop(sentence, phrase), "safety"))
                continue
            remembered = exact.get(segment_hash(sentence))
            if remembered:
                result.segments.append(Segment(sentence, remembered, "memory"))
                continue
            if _only_codes(sentence):
                result.segments.append(Segment(sentence, sentence, "verbatim"))
                continue
            terms = [rendering for _term, rendering in glossary.found_in(sentence)]
            if from_english:
                if fuzzy_pool is None:
                    fuzzy_pool = list(
                        MemorySegment.objects.filter(language=target).values_list(
                            "source_text", "target_text"
                        )
                    )
                close = _memory_fuzzy(sentence, target, fuzzy_pool)
                if close and guard_check(source=sentence, target=close, required_terms=terms).ok:
                    result.segments.append(Segment(sentence, close, "fuzzy", "close match in the memory"))
                    continue
            segment = Segment(sentence, sentence, "untranslated")
            result.segments.append(segment)
            shielded, renderings = _shield(sentence, glossary)
            pending.append((segment, shielded, renderings, terms))
    if pending:
        machine = machine_translate([p[1] for p in pending], source=source, target=target)
        if machine is not None:
            outputs, backend = machine
            for (segment, _shielded, renderings, terms), output in zip(pending, outputs, strict=True):
                restored = _unshield(output, renderings)
                check = (
                    guard_check(source=segment.source, target=restored, required_terms=terms)
                    if restored is not None
                    else None
                )
                if (
                    check is not None
                    and restored is not None
                    and len(restored) < MIN_LENGTH_RATIO * len(segment.source)
                ):
                    check = GuardResult(ok=False, missing=["most of the sentence (translation too short)"])
                if check is not None and check.ok and restored is not None:
                    segment.text, segment.origin, segment.note = (
                        _with_stop(segment.source, restored),
                        "machine",
                        backend,
                    )
                else:
                    lost = ", ".join(check.missing) if check else "a protected term or code"
                    segment.origin, segment.note = "flagged", f"{backend}: lost {lost}"
                if queue_review:
                    _review_queue(segment, target, output if restored is None else restored, backend)
    if queue_review:
        for result in results:
            for segment in result.segments:
                if segment.origin == "fuzzy":
                    _review_queue(segment, target, segment.text, "memory (fuzzy)")
    return results


def text_translate(
    *, text: str, target: str, source: str = SOURCE_LANGUAGE, queue_review: bool = False
) -> TextTranslation:
    """One text through the pipeline (copilot answers, notices). See texts_translate."""
    return texts_translate(texts=[text], target=target, source=source, queue_review=queue_review)[0]


def _review_queue(segment: Segment, language: str, machine_text: str, backend: str) -> None:
    digest = segment_hash(segment.source)
    if TranslationReview.objects.filter(
        language=language, source_hash=digest, status=ReviewStatus.PENDING
    ).exists():
        return
    try:
        with transaction.atomic():
            TranslationReview.objects.create(
                language=language,
                source_text=segment.source,
                source_hash=digest,
                machine_text=machine_text[:5000],
                backend=backend[:40],
                reason=segment.note[:500] if segment.origin == "flagged" else "",
            )
    except IntegrityError:
        pass  # queued by a concurrent publish


# --- Step translations, cached per version ---------------------------------------------------------


def step_translatable_hash(step: Step) -> str:
    # An empty caption is left out, so steps without media keep the hash (and reuse) they had before captions.
    content = {
        name: getattr(step, name)
        for name in TRANSLATED_FIELDS
        if name != "media_caption" or step.media_caption
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def translation_languages() -> list[str]:
    """The languages operators read, besides the instructions' own."""
    return sorted(
        set(
            Employee.objects.filter(active=True)
            .exclude(language=SOURCE_LANGUAGE)
            .values_list("language", flat=True)
        )
    )


def _translated_row(step: Step, language: str, translated: dict[str, TextTranslation]) -> StepTranslation:
    fields = {
        name: {"text": t.text, "origins": t.origins, "notes": [s.note for s in t.segments if s.note]}
        for name, t in translated.items()
    }
    return StepTranslation(
        version_id=step.version_id,
        step=step,
        step_key=step.key,
        language=language,
        content_hash=step_translatable_hash(step),
        fields=fields,
        machine=any(t.machine for t in translated.values()),
        untranslated=any(t.untranslated for t in translated.values()),
        flagged=any(t.flagged for t in translated.values()),
    )


def _steps_translate(steps: list[Step], language: str) -> list[StepTranslation]:
    texts = [getattr(step, name) for step in steps for name in TRANSLATED_FIELDS]
    done = texts_translate(texts=texts, target=language, queue_review=True)
    rows = []
    for index, step in enumerate(steps):
        chunk = done[index * len(TRANSLATED_FIELDS) : (index + 1) * len(TRANSLATED_FIELDS)]
        rows.append(_translated_row(step, language, dict(zip(TRANSLATED_FIELDS, chunk, strict=True))))
    return rows


@dataclass(frozen=True)
class VersionTranslated:
    language: str
    reused: int
    translated: int


def version_translate(
    *, version: InstructionVersion, languages: list[str] | None = None
) -> list[VersionTranslated]:
    """Cache the version's steps in each language. A step whose key and content are unchanged since an
    earlier version reuses that version's translation; only new or changed steps are translated."""
    steps = list(version.steps.all())
    report = []
    for language in languages if languages is not None else translation_languages():
        if language == SOURCE_LANGUAGE:
            continue
        have = set(
            StepTranslation.objects.filter(version=version, language=language).values_list(
                "step_id", flat=True
            )
        )
        missing = [s for s in steps if s.pk not in have]
        hashes = {s.pk: step_translatable_hash(s) for s in missing}
        earlier: dict[tuple[str, str], StepTranslation] = {}
        for row in StepTranslation.objects.filter(
            version__instruction_id=version.instruction_id,
            language=language,
            step_key__in=[s.key for s in missing],
            content_hash__in=set(hashes.values()),
        ).order_by("version__number"):
            earlier[(row.step_key, row.content_hash)] = row  # the latest version wins
        rows, fresh = [], []
        for step in missing:
            previous = earlier.get((step.key, hashes[step.pk]))
            if previous is None:
                fresh.append(step)
                continue
            rows.append(
                StepTranslation(
                    version=version,
                    step=step,
                    step_key=step.key,
                    language=language,
                    content_hash=previous.content_hash,
                    fields=previous.fields,
                    machine=previous.machine,
                    untranslated=previous.untranslated,
                    flagged=previous.flagged,
                )
            )
        if fresh:
            rows.extend(_steps_translate(fresh, language))
        StepTranslation.objects.bulk_create(rows, ignore_conflicts=True)
        report.append(VersionTranslated(language, len(missing) - len(fresh), len(fresh)))
    return report


def on_version_published(*, version_id: int, **_: object) -> None:
    """Publishing (announced after commit): cache the new version's step translations. A failure never undoes
    a publish; the station translates lazily whatever is missing."""
    version = InstructionVersion.objects.filter(pk=version_id).first()
    if version is None:
        return
    try:
        version_translate(version=version)
    except Exception:
        log.exception("translating %s failed; stations will translate on first view", version)


def step_translations_for(
    *, version: InstructionVersion, steps: list[Step], language: str
) -> dict[int, StepTranslation]:
    """The cached translations of `steps` by step id: one query when cached, translated once when not."""
    rows = {t.step_id: t for t in StepTranslation.objects.filter(version=version, language=language)}
    if len(rows) < len(steps):
        version_translate(version=version, languages=[language])
        rows = {t.step_id: t for t in StepTranslation.objects.filter(version=version, language=language)}
    return rows


@dataclass
class StepText:
    """What the station shows for one step in the operator's language."""

    language: str
    title: str
    text: str
    caution: str
    why: str
    machine: bool
    untranslated: bool
    flagged: bool
    notes: list[str]
    media_caption: str = ""
    caption_untranslated: bool = False  # the caption (or part of it) is still the English


def step_text(row: StepTranslation | None, step: Step, language: str) -> StepText:
    if row is None:
        return StepText(language, step.title, step.text, step.caution, step.why, False, True, False, [],
                        step.media_caption, bool(step.media_caption))  # fmt: skip
    texts = {}
    for name in TRANSLATED_FIELDS:
        original = getattr(step, name)
        translated = (row.fields.get(name) or {}).get("text", "")
        # A safety caution is never dropped or shortened: an empty rendering of real text falls back.
        texts[name] = translated if translated.strip() or not original.strip() else original
    notes = [n for name in TRANSLATED_FIELDS for n in (row.fields.get(name) or {}).get("notes", [])]
    caption_origins = (row.fields.get("media_caption") or {}).get("origins", [])
    caption_untranslated = bool(step.media_caption) and (
        "media_caption" not in row.fields or bool({"untranslated", "flagged"} & set(caption_origins))
    )
    return StepText(
        language, texts["title"], texts["text"], texts["caution"], texts["why"],
        row.machine, row.untranslated or caption_untranslated, row.flagged, notes,
        texts["media_caption"], caption_untranslated,
    )  # fmt: skip


def adapted_translate(
    *, adapted: list[Any], version: InstructionVersion, language: str
) -> dict[str, Any] | None:
    """Adaptation rule "language": attach each step's cached translation; None for English readers."""
    if not language or language == SOURCE_LANGUAGE:
        return None
    rows = step_translations_for(version=version, steps=[a.step for a in adapted], language=language)
    marks: dict[str, list[int]] = {"machine": [], "untranslated": [], "flagged": []}
    for a in adapted:
        a.translation = step_text(rows.get(a.step.pk), a.step, language)
        for mark, steps in marks.items():
            if getattr(a.translation, mark):
                steps.append(a.step.order)
    return {
        "rule": "language",
        "why": f"operator reads {language}",
        "steps": [a.step.order for a in adapted],
        **marks,
    }


# --- Review: machine translations into the memory ------------------------------------------------------


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
    signature_check(user=user, password=password)
    with transaction.atomic():
        locked = TranslationReview.objects.select_for_update().get(pk=review.pk)
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
    reason = reason.strip()
    if not reason:
        raise ReviewError("Say why the translation is rejected, so the next one is better.")
    with transaction.atomic():
        updated = TranslationReview.objects.filter(pk=review.pk, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.REJECTED, reason=reason[:500], decided_by=user, decided_at=timezone.now()
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
    fresh = _steps_translate([row.step for row in stale], language)
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


# --- Demo data -------------------------------------------------------------------------------------

DEMO_TRANSLATIONS = Path(__file__).resolve().parent / "demo_translations.toml"


def demo_translations_load(*, path: Path = DEMO_TRANSLATIONS) -> dict[str, int]:
    """Glossary and approved memory for the demo plant; then the cached steps of current versions are
    brought up to date. Safe to run again."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    glossary = data.get("glossary", {})
    terms = 0
    with transaction.atomic():
        for term in glossary.get("do_not_translate", []):
            GlossaryTerm.objects.update_or_create(
                term=term, language="", defaults={"translation": "", "kind": TermKind.CODE}
            )
            terms += 1
        for language, locked in glossary.items():
            if isinstance(locked, dict):
                for term, rendering in locked.items():
                    GlossaryTerm.objects.update_or_create(
                        term=term,
                        language=language,
                        defaults={"translation": rendering, "kind": TermKind.TERM},
                    )
                    terms += 1
        terms += question_terms_load()
        segments = sum(
            memory_import(entries=entries, language=language)
            for language, entries in data.get("memory", {}).items()
        )
    languages = sorted(set(translation_languages()) | set(data.get("memory", {})))
    for version in InstructionVersion.objects.filter(
        pk__in=WorkInstruction.objects.filter(current_version__isnull=False).values("current_version")
    ):
        version_translate(version=version, languages=languages)
    refreshed = sum(step_translations_refresh(language=language) for language in languages)
    return {"glossary_terms": terms, "memory_segments": segments, "steps_refreshed": refreshed}


def translations_refresh_all() -> int:
    """Translate what is missing for current versions, then retry every marked step (after a new package,
    glossary or memory entries)."""
    languages = translation_languages()
    count = 0
    for version in InstructionVersion.objects.filter(
        pk__in=WorkInstruction.objects.filter(current_version__isnull=False).values("current_version")
    ):
        count += sum(r.translated for r in version_translate(version=version, languages=languages))
    return count + sum(step_translations_refresh(language=language) for language in languages)


# --- Copilot answers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerTranslation:
    """A copilot answer in the operator's language, with the marks the station shows beside it."""

    text: str
    original: str
    language: str
    machine: bool = False
    untranslated: bool = False
    flagged: bool = False

    @property
    def translated(self) -> bool:
        return self.language != SOURCE_LANGUAGE


ANSWER_CACHE_SECONDS = 24 * 3600


def answer_translate(*, text: str, language: str) -> AnswerTranslation:
    """Translate a copilot answer with the same pipeline and guards as instructions (citation markers [n]
    kept). Cached, so re-rendering a conversation never calls a machine twice for the same answer."""
    if not text.strip() or not language or language == SOURCE_LANGUAGE:
        return AnswerTranslation(text=text, original=text, language=SOURCE_LANGUAGE)
    key = "languages:answer:" + hashlib.sha256(f"{language}\0{text}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    if _in_event_loop():
        # A consumer rendering on the event loop must not touch the database or a translation server; the
        # answer was translated in question_finish, so only an evicted cache entry lands here: show English.
        return AnswerTranslation(text=text, original=text, language=language, untranslated=True)
    result = text_translate(text=text, target=language)
    translation = AnswerTranslation(
        text=result.text,
        original=text,
        language=language,
        machine=result.machine,
        untranslated=result.untranslated,
        flagged=result.flagged,
    )
    cache.set(key, translation, ANSWER_CACHE_SECONDS)
    return translation


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
