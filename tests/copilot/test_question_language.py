"""Questions in the operator's language search the English library: through the translation engine when one
is configured, else through the plant's question terms; the operator keeps seeing the question as asked."""

import json

import pytest

from copilot import index_schema, lexical, warmup
from copilot.models import CopilotQuestion
from languages.models import GlossaryTerm, TermKind
from languages.pipeline import glossary_for
from languages.question_terms import glossary_english, question_terms_load, question_to_english
from plexcopilot.models import AuditEvent
from tests.copilot.test_consumer import ask, session
from tests.languages.fakes import serve

pytestmark = pytest.mark.django_db(transaction=True)
JAM_ES = "¿Cómo quito un atasco de la prensa?"


@pytest.fixture(autouse=True)
def _no_engine(settings, tmp_path):
    settings.ARGOS_PACKAGES_DIR = (
        tmp_path / "argos-packages"
    )  # no Argos package: no engine unless a test sets one
    settings.LIBRETRANSLATE_URL = ""
    settings.TRANSLATION_LLM_URL = ""


def test_a_spanish_question_about_the_jam_finds_the_jam_procedure_over_the_websocket(station_run):
    question_terms_load()
    client, execution, _ana = station_run  # Ana reads Spanish
    frames = session(client, execution, lambda comm: ask(comm, JAM_ES))
    record = CopilotQuestion.objects.get()
    assert record.question == JAM_ES  # the operator's own words are kept and shown
    assert JAM_ES.replace("¿", "&iquest;") in frames[-1] or "atasco" in frames[-1]
    assert any("SOP-PRS-014" in c["title"] for c in record.citations)
    event = AuditEvent.objects.get(action="copilot.question")
    assert event.data["translation"] == "glossary"
    assert "jam" in event.data["searched_as"] and "press" in event.data["searched_as"]


def test_without_the_question_terms_the_spanish_question_is_searched_as_asked(station_run):
    client, execution, _ana = station_run
    session(client, execution, lambda comm: ask(comm, JAM_ES))
    assert AuditEvent.objects.get(action="copilot.question").data["translation"] == "untranslated"


def test_the_configured_translation_engine_is_used_before_the_glossary(settings, station_run):
    question_terms_load()
    client, execution, _ana = station_run
    with serve("libretranslate", lambda text: "how do I clear a jam on the press") as fake:
        settings.LIBRETRANSLATE_URL = fake.url
        session(client, execution, lambda comm: ask(comm, JAM_ES))
    # The question first (es → en); the answer is then translated back (en → es).
    assert fake.requests[0] == {"q": [JAM_ES], "source": "es", "target": "en", "format": "text"}
    event = AuditEvent.objects.get(action="copilot.question")
    assert event.data == event.data | {"translation": "machine:libretranslate",
                                       "searched_as": "how do I clear a jam on the press"}  # fmt: skip
    record = CopilotQuestion.objects.get()
    assert record.question == JAM_ES
    assert any("SOP-PRS-014" in c["title"] for c in record.citations)


def test_a_failing_engine_falls_back_to_the_glossary(settings, db):
    question_terms_load()
    settings.LIBRETRANSLATE_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.TRANSLATION_TIMEOUT_SECONDS = 1
    english = question_to_english(JAM_ES, "es")
    assert english.how == "glossary"
    assert english.text.split() == ["jam", "press"] or set(english.text.split()) >= {"jam", "press"}


class TestGlossaryFallback:
    @pytest.mark.parametrize(
        ("language", "question", "wanted"),
        [
            ("pl", "Prasa stoi, detal zaciął się na stemplu", {"press", "jam", "punch"}),
            ("vi", "Máy dập bị kẹt ở trạm 3", {"press", "jam", "station", "3"}),
            ("pt", "Como trocar os O-rings do cabeçote de vedação do LT-1?", {"O-ring", "seal head", "LT-1"}),
        ],
    )
    def test_it_keeps_the_english_terms_and_the_codes(self, db, language, question, wanted):
        question_terms_load()
        english = glossary_english(question, language)
        assert english is not None
        assert all(term in english for term in wanted), english

    def test_english_questions_are_not_touched(self, db):
        question_terms_load()
        assert question_to_english("how do I clear a jam", "en").how == "original"

    def test_question_terms_never_lock_an_instruction_translation(self, db):
        question_terms_load()
        assert GlossaryTerm.objects.filter(kind=TermKind.SEARCH, language="es").count() > 100
        assert "jam" not in dict(glossary_for(language="es").terms)


def test_the_warm_up_loads_the_model_and_the_indexes_so_the_first_question_does_not(library, monkeypatch):
    from copilot import retrieval
    from plexcopilot import embedding

    embedding._load.cache_clear()
    monkeypatch.setattr(lexical, "_lexical", None)
    monkeypatch.setenv("COPILOT_WARM_AT_START", "1")
    monkeypatch.setattr(warmup, "_started", None)
    warmup.done.clear()
    thread = warmup.warm_at_start()
    assert thread is not None and warmup.warm_at_start() is thread  # once per process
    thread.join(120)
    assert warmup.done.is_set()
    assert embedding._load.cache_info().currsize == 1 and lexical._lexical is not None
    loads = embedding._load.cache_info().misses
    hits = retrieval.search("clear a jam", index_schema.SearchFilter(), k=5)
    assert hits and embedding._load.cache_info().misses == loads  # the question did not load the model again


def test_the_warm_up_is_off_when_asked(monkeypatch):
    monkeypatch.setenv("COPILOT_WARM_AT_START", "0")
    monkeypatch.setattr(warmup, "_started", None)
    assert warmup.warm_at_start() is None


def test_the_consumer_answers_the_first_question_after_the_warm_up(station_run, monkeypatch):
    monkeypatch.setattr(warmup, "_started", None)
    monkeypatch.setenv("COPILOT_WARM_AT_START", "1")
    warmup.warm_at_start().join(120)
    client, execution, _ana = station_run

    async def first_frames(comm):
        await comm.send_to(text_data=json.dumps({"question": "how do I clear a jam on station 5?"}))
        pending = await comm.receive_from(timeout=10)
        token = await comm.receive_from(timeout=10)
        return pending, token

    pending, token = session(client, execution, first_frames)
    assert "copilot-msg-" in pending and 'hx-swap-oob="beforeend"' in token
