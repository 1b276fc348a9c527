"""The translation pipeline, per sentence (the per-version step cache is `languages.step_cache`).

Per sentence, in order: (1) curated safety phrases, verbatim; (2) approved translation memory, exact match;
(3) sentences that are only codes and numbers stay as written; (4) translation memory, fuzzy match; (5) a
machine translation backend, with glossary terms and codes shielded by placeholders; (6) nothing available →
the English sentence, marked "not translated" (and queued for a supervisor to translate). Whatever a fuzzy match or a machine produced must pass the
number/unit/term guard, or the English sentence is kept and flagged. Machine and fuzzy results stay marked
until a supervisor approves them into the memory (TranslationReview).
"""

import difflib
import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q

from languages.backends import machine_translate
from languages.guards import GuardResult, codes_in, guard_check, normalise, sentences_split
from languages.models import (
    GlossaryTerm,
    MemorySegment,
    ReviewStatus,
    TermKind,
    TranslationReview,
    segment_hash,
)
from languages.safety_phrases import safety_phrase

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
NO_MACHINE = "no machine translation"  # the review's backend when a person must write the translation


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
        elif queue_review:  # no machine: the sentence still needs a person's translation
            for segment, *_rest in pending:
                _review_queue(segment, target, "", NO_MACHINE)
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
