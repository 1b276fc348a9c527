"""The per-version step-translation cache: what the station shows for a step in the operator's language.

A version's steps are translated once, when it is published (`on_version_published`), reusing an earlier
version's translation for a step whose key and content are unchanged; the station reads the cache
(`adapted_translate`, `steps_text`, registered with `instructions.station_hooks` in LanguagesConfig.ready()).
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from instructions.models import InstructionVersion, Step
from languages.models import (
    StepTranslation,
)
from languages.pipeline import SOURCE_LANGUAGE, TRANSLATED_FIELDS, TextTranslation, texts_translate
from plexcopilot.models import Employee

log = logging.getLogger(__name__)


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


def steps_translate(steps: list[Step], language: str) -> list[StepTranslation]:
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
            rows.extend(steps_translate(fresh, language))
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
    all_english: bool = False  # nothing of the step is translated: every text it has is shown in English


def step_text(row: StepTranslation | None, step: Step, language: str) -> StepText:
    if row is None:
        return StepText(language, step.title, step.text, step.caution, step.why, False, True, False, [],
                        step.media_caption, bool(step.media_caption), True)  # fmt: skip
    texts = {}
    for name in TRANSLATED_FIELDS:
        original = getattr(step, name)
        field = row.fields.get(name) or {}
        translated = field.get("text", "")
        # A safety caution is never dropped or shortened: an empty rendering of real text falls back. A text
        # with a sentence still in English is shown whole in English (marked untranslated): half a translated
        # instruction reads as if it were all of it.
        partly = "untranslated" in field.get("origins", [])
        texts[name] = translated if (translated.strip() and not partly) or not original.strip() else original
    notes = [n for name in TRANSLATED_FIELDS for n in (row.fields.get(name) or {}).get("notes", [])]
    caption_origins = (row.fields.get("media_caption") or {}).get("origins", [])
    caption_untranslated = bool(step.media_caption) and (
        "media_caption" not in row.fields or bool({"untranslated", "flagged"} & set(caption_origins))
    )
    return StepText(
        language, texts["title"], texts["text"], texts["caution"], texts["why"],
        row.machine, row.untranslated or caption_untranslated, row.flagged, notes,
        texts["media_caption"], caption_untranslated,
        all(texts[name] == getattr(step, name) for name in TRANSLATED_FIELDS if getattr(step, name).strip()),
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


def steps_text(*, version: InstructionVersion, steps: list[Step], language: str) -> dict[int, StepText]:
    """{step id: the step in `language`} (the station's version-switch page); {} for the instructions' own."""
    if language == SOURCE_LANGUAGE:
        return {}
    rows = step_translations_for(version=version, steps=steps, language=language)
    return {step.pk: step_text(rows.get(step.pk), step, language) for step in steps}
