"""Copilot answers in the operator's language: the same pipeline and guards as instructions, cached."""

import asyncio
import hashlib
from dataclasses import dataclass

from django.core.cache import cache

from languages.pipeline import SOURCE_LANGUAGE, text_translate


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
