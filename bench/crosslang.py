"""Questions in the operator's language find the English library: recall@5 of the first 20 labelled questions
of bench/copilot.py, asked in es, pl, vi and pt (bench/data/crosslang_questions.toml), against the same 20 in
English in the same run, on the demo library. Each question goes through languages.question_terms
(the translation engine when one is configured, else the demo question terms) before hybrid retrieval.

`crosslang_recall5_ratio_<lang>` = recall@5 in that language / recall@5 in English; goal ≥ 0.9. Also
reported: the recall of the untranslated question (the baseline: what the copilot did before) and how many
questions went through each path.
"""

import tomllib
from pathlib import Path

from django.conf import settings

from bench.copilot import QUESTIONS
from copilot import retrieval
from copilot.index_schema import SearchFilter
from copilot.library_files import library_ingest_paths
from copilot.models import KnowledgeChunk
from copilot.plant_index import instruction_versions_index
from instructions.models import WorkInstruction
from languages.question_terms import question_terms_load, question_to_english

QUESTIONS_FILE = Path(__file__).parent / "data" / "crosslang_questions.toml"
LANGUAGES = ("es", "pl", "vi", "pt")
COUNT = 20


def _found(question: str, expected: str, search_filter: SearchFilter) -> bool:
    hits = retrieval.search(question, search_filter, k=5, mode="hybrid")
    titles = KnowledgeChunk.objects.filter(pk__in=[h.chunk_id for h in hits]).values_list(
        "document__title", flat=True
    )
    return any(title.startswith(expected) for title in titles)


def run() -> dict[str, float]:
    settings.LLM_BASE_URL = ""
    question_terms_load()
    library_ingest_paths(paths=[Path(settings.BASE_DIR) / "demo" / "library"])
    instruction_versions_index()
    current = tuple(
        WorkInstruction.objects.exclude(current_version=None).values_list("current_version", flat=True)
    )
    search_filter = SearchFilter(versions=current)
    labelled = QUESTIONS[:COUNT]
    translated = tomllib.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    english = sum(_found(q, expected, search_filter) for q, expected in labelled) / COUNT
    results = {"crosslang_recall5_en": english}
    for language in LANGUAGES:
        asked = translated[language]
        assert len(asked) == COUNT, f"{language}: {len(asked)} questions"
        hits = untranslated = 0
        paths: dict[str, int] = {}
        for question, (_, expected) in zip(asked, labelled, strict=True):
            searched = question_to_english(question, language)
            paths[searched.how] = paths.get(searched.how, 0) + 1
            hits += _found(searched.text, expected, search_filter)
            untranslated += _found(question, expected, search_filter)
        results[f"crosslang_recall5_{language}"] = hits / COUNT
        results[f"crosslang_recall5_ratio_{language}"] = hits / COUNT / english if english else 0.0
        results[f"crosslang_recall5_untranslated_{language}"] = untranslated / COUNT
        results[f"crosslang_glossary_share_{language}"] = paths.get("glossary", 0) / COUNT
    return results
