"""The pipeline: safety phrases, memory, machine backends, guards, and the "not translated" fallback."""

import pytest

from languages.models import GlossaryTerm, MemorySegment, TranslationReview
from languages.pipeline import text_translate
from tests.languages.fakes import serve, word_translate

pytestmark = pytest.mark.django_db


class TestWithoutBackend:
    def test_it_uses_curated_safety_phrases_verbatim(self):
        result = text_translate(text="Keep hands clear. Never bypass the light curtain.", target="vi")
        assert result.text == "Giữ tay tránh xa. Không bao giờ vô hiệu hóa màn chắn sáng."
        assert result.origins == ["safety", "safety"] and result.approved

    def test_it_keeps_english_and_marks_it_when_nothing_can_translate(self):
        result = text_translate(text="Check the die before you start.", target="pl")
        assert result.text == "Check the die before you start."
        assert result.untranslated and not result.machine and not result.approved

    def test_it_uses_an_approved_memory_segment_exactly(self):
        MemorySegment.objects.create(
            language="es", source_text="Check the die.", target_text="Revise el troquel."
        )
        result = text_translate(text="check the die", target="es")
        assert result.text == "Revise el troquel." and result.origins == ["memory"]

    def test_it_leaves_codes_and_numbers_alone(self):
        result = text_translate(text="D-2040-C, 180 N·m.", target="es")
        assert result.text == "D-2040-C, 180 N·m." and result.origins == ["verbatim"]

    def test_it_uses_a_close_memory_match_marked_as_machine_work(self):
        MemorySegment.objects.create(
            language="es",
            source_text="Check the die set before you start",
            target_text="Revise el juego de troqueles antes de empezar",
        )
        result = text_translate(text="Check the die set before you start!", target="es", queue_review=True)
        assert result.origins == ["fuzzy"] and result.machine
        assert TranslationReview.objects.filter(language="es", status="pending").count() == 1

    def test_it_never_takes_a_close_match_whose_numbers_differ(self):
        MemorySegment.objects.create(
            language="es",
            source_text="Torque the bolts to 180 N·m.",
            target_text="Apriete los tornillos a 180 N·m.",
        )
        result = text_translate(text="Torque the bolts to 190 N·m.", target="es")
        assert "180" not in result.text and result.untranslated


class TestLibreTranslate:
    def test_it_machine_translates_and_marks_the_result(self, settings):
        with serve("libretranslate") as fake:
            settings.LIBRETRANSLATE_URL = fake.url
            result = text_translate(text="Check the die.", target="es", queue_review=True)
        assert result.text == "revise el troquel." and result.machine
        assert fake.requests[0]["source"] == "en" and fake.requests[0]["target"] == "es"
        review = TranslationReview.objects.get()
        assert review.machine_text == "revise el troquel." and review.backend == "libretranslate"

    def test_it_shields_locked_terms_and_codes_from_the_machine(self, settings):
        GlossaryTerm.objects.create(term="light curtain", language="es", translation="cortina de luz")
        GlossaryTerm.objects.create(term="Plex", language="")
        with serve("libretranslate") as fake:
            settings.LIBRETRANSLATE_URL = fake.url
            result = text_translate(text="Check the light curtain in Plex with rod TR-30.", target="es")
        sent = fake.requests[0]["q"][0]
        assert "light curtain" not in sent and "Plex" not in sent and "TR-30" not in sent
        assert result.text == "revise el cortina de luz in Plex with rod TR-30."

    def test_it_keeps_the_source_and_flags_it_when_a_number_is_mangled(self, settings):
        with serve("libretranslate", lambda t: word_translate(t).replace("180", "18")) as fake:
            settings.LIBRETRANSLATE_URL = fake.url
            result = text_translate(text="Torque the bolts to 180 N·m. Check the die.", target="es")
        assert (
            result.segments[0].text == "Torque the bolts to 180 N·m."
            and result.segments[0].origin == "flagged"
        )
        assert "180" in result.segments[0].note
        assert result.segments[1].origin == "machine" and result.flagged

    def test_it_flags_a_translation_that_shortens_a_warning(self, settings):
        with serve("libretranslate", lambda t: "Cuidado.") as fake:
            settings.LIBRETRANSLATE_URL = fake.url
            result = text_translate(text="Blank edges and skeleton scrap are razor sharp.", target="es")
        assert result.text == "Blank edges and skeleton scrap are razor sharp." and result.flagged

    def test_it_falls_back_to_not_translated_when_the_server_is_down(self, settings):
        with serve("libretranslate") as fake:
            url = fake.url
        settings.LIBRETRANSLATE_URL = url  # the server is gone now
        result = text_translate(text="Check the die.", target="es")
        assert result.text == "Check the die." and result.untranslated


class TestOpenAICompatible:
    def test_it_translates_through_a_chat_completions_endpoint(self, settings):
        with serve("openai") as fake:
            settings.TRANSLATION_LLM_URL = fake.url + "/v1"
            result = text_translate(text="Wear gloves.", target="es")
        assert result.text == "use guantes." and result.machine
        assert "Spanish" in fake.requests[0]["messages"][0]["content"]
