"""Demo glossary and translation memory for the demo plant, and a refresh of every current version's cache."""

import tomllib
from pathlib import Path

from django.db import transaction

from instructions.models import InstructionVersion, WorkInstruction
from languages.models import (
    GlossaryTerm,
    TermKind,
)
from languages.question_terms import question_terms_load
from languages.review import memory_import, step_translations_refresh
from languages.step_cache import translation_languages, version_translate

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
