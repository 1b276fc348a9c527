"""A question in the operator's language → English, so it finds the plant library (written in English).

Through the configured translation engine when there is one (languages.backends: Argos packages,
LibreTranslate, an OpenAI-compatible endpoint); otherwise through the plant's question terms: glossary rows of
kind `search` whose `translation` holds the operator's words for an English library term, separated by " | "
(a form ending in * matches any word that starts with it; accents and case are ignored). The glossary
fallback keeps the English terms it found, in order, plus codes and numbers (TN-40, HD-16, 5); other words
are dropped. The operator always sees their own question; only the search uses the English one.
"""

import logging
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db import transaction

from languages.backends import machine_translate
from languages.models import GlossaryTerm, TermKind

log = logging.getLogger(__name__)

DEMO_QUESTION_TERMS = Path(__file__).with_name("demo_question_terms.toml")
SEPARATOR = " | "
WORD = re.compile(r"\w+(?:[-'.]\w+)*")
_FOLD = str.maketrans({"đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ø": "o", "ß": "ss"})


@dataclass(frozen=True)
class EnglishQuestion:
    text: str  # what retrieval searches with
    how: str  # "original" (already English), "machine:<backend>", "glossary", "untranslated"


def fold(text: str) -> str:
    """Lower case without accents: "Atascó" → "atasco", "Đầu" → "dau", "zaciął" → "zacial"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def question_terms_load(*, path: Path = DEMO_QUESTION_TERMS) -> int:
    """Store the question terms of a TOML file ([language] "english term" = ["word", "prefix*", ...])."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    count = 0
    with transaction.atomic():
        for language, terms in data.items():
            for term, forms in terms.items():
                GlossaryTerm.objects.update_or_create(
                    term=term,
                    language=language,
                    defaults={"translation": SEPARATOR.join(forms), "kind": TermKind.SEARCH},
                )
                count += 1
    return count


Pattern = tuple[tuple[str, ...], str]  # folded words (a trailing * = prefix), English term


@lru_cache(maxsize=16)
def _patterns(language: str, signature: tuple[int, int]) -> tuple[Pattern, ...]:
    rows = GlossaryTerm.objects.filter(language=language, kind=TermKind.SEARCH).values_list(
        "term", "translation"
    )
    found: list[Pattern] = []
    for term, forms in rows:
        for form in forms.split("|"):
            words = tuple(fold(w) for w in form.split())
            if words:
                found.append((words, term))
    # Longest phrases first: "leak tester" before "leak".
    return tuple(sorted(found, key=lambda p: (-len(p[0]), -sum(map(len, p[0])))))


def _word_matches(pattern_word: str, word: str) -> bool:
    if pattern_word.endswith("*"):
        return word.startswith(pattern_word[:-1])
    return word == pattern_word


def _is_code(word: str) -> bool:
    return any(c.isdigit() for c in word) or (len(word) >= 2 and word.isupper())


def glossary_english(question: str, language: str) -> str | None:
    """The English terms of the question through the plant's question terms; None when none match."""
    signature = GlossaryTerm.objects.filter(language=language, kind=TermKind.SEARCH)
    patterns = _patterns(
        language, (signature.count(), max(signature.values_list("pk", flat=True), default=0))
    )
    words = WORD.findall(question)
    folded = [fold(w) for w in words]
    out: list[str] = []
    matched = False
    i = 0
    while i < len(words):
        for pattern, term in patterns:
            n = len(pattern)
            if i + n <= len(words) and all(
                _word_matches(p, w) for p, w in zip(pattern, folded[i : i + n], strict=True)
            ):
                if not out or out[-1] != term:
                    out.append(term)
                matched = True
                i += n
                break
        else:
            if _is_code(words[i]):
                out.append(words[i])
            i += 1
    return " ".join(out) if matched else None


def question_to_english(question: str, language: str | None) -> EnglishQuestion:
    """The question to search with. Never raises: an engine failure falls back to the glossary, then to the
    question as asked."""
    if not language or language == "en":
        return EnglishQuestion(question, "original")
    translated = machine_translate([question], source=language, target="en")
    if translated is not None and translated[0] and translated[0][0].strip():
        return EnglishQuestion(translated[0][0].strip(), f"machine:{translated[1]}")
    english = glossary_english(question, language)
    if english:
        return EnglishQuestion(english, "glossary")
    return EnglishQuestion(question, "untranslated")
