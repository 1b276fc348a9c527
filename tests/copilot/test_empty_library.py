"""A plant whose library is not ingested yet (a fresh install before `build_index`), or whose documents' titles
have no word the index keeps: a question is answered "nothing found" — it failed with "could not answer just
now" (bm25s refuses an empty vocabulary: ValueError "max() iterable argument is empty")."""

import pytest

from copilot.answers import NOTHING_FOUND
from copilot.library_files import library_ingest_paths
from copilot.models import KnowledgeChunk
from copilot.questions import QuestionContext, question_prepare
from instructions.models import Execution, Station
from plexcopilot.models import Employee
from tests.actors import start
from tests.languages.test_station_language import demo_client

pytestmark = pytest.mark.django_db


def _ask(question: str):
    station = Station.objects.get(code="ST-PRS-400")
    dwayne = Employee.objects.get(badge_id="100107")
    start(demo_client(station, dwayne, "3870"), "WO-24123-10")
    execution = Execution.objects.latest("pk")
    context = QuestionContext(employee=dwayne, role="operator", area="Stamping", execution=execution,
                              step=execution.version.steps.get(order=1))  # fmt: skip
    return question_prepare(context=context, question=question).extractive


def test_a_library_not_ingested_yet_answers_nothing_found(demo_plant):
    assert not KnowledgeChunk.objects.exists()
    answer = _ask("how do I clear a jam on station 5?")
    assert answer.text == NOTHING_FOUND and not answer.citations


def test_a_library_whose_titles_have_no_indexed_word_still_answers(demo_plant, tmp_path):
    (tmp_path / "the.md").write_text("# The\n\nClear a feeder jam with the hook, never by hand.\n")
    library_ingest_paths(paths=[tmp_path])
    assert KnowledgeChunk.objects.exists()
    answer = _ask("how do I clear a feeder jam?")
    assert "feeder jam" in answer.text and answer.citations
