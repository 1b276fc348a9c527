"""Copilot answers in the operator's language, under the same guards as instructions."""

import pytest
from django.template.loader import render_to_string

from copilot.conversation import message_context
from copilot.models import Conversation, CopilotQuestion
from languages.answers import answer_translate
from languages.models import MemorySegment
from tests.actors import make_employee
from tests.languages.fakes import serve

pytestmark = pytest.mark.django_db

ANSWER = "Torque the clamp bolts to 26 N·m [1]. Keep hands clear."


class TestAnswerTranslate:
    def test_it_translates_an_answer_keeping_citations_and_numbers(self, settings):
        with serve("libretranslate") as fake:
            settings.LIBRETRANSLATE_URL = fake.url
            result = answer_translate(text=ANSWER, language="es")
            again = answer_translate(text=ANSWER, language="es")
        assert result.text == "apriete el clamp tornillos a 26 N·m [1]. Mantenga las manos alejadas."
        assert "[1]" not in fake.requests[0]["q"][0]  # the citation was shielded from the machine
        assert result.machine and not result.flagged and result.original == ANSWER
        assert again == result and len(fake.requests) == 1  # cached: one machine call

    def test_it_keeps_the_english_sentence_when_a_number_is_lost(self, settings):
        with serve("libretranslate", lambda t: t.replace("26", "62")) as fake:
            settings.LIBRETRANSLATE_URL = fake.url
            result = answer_translate(text=ANSWER, language="es")
        assert result.text.startswith("Torque the clamp bolts to 26 N·m [1].") and result.flagged

    def test_it_marks_an_answer_it_cannot_translate(self):
        result = answer_translate(text="Check the die [2].", language="pl")
        assert result.text == "Check the die [2]." and result.untranslated

    def test_it_leaves_english_readers_alone(self):
        result = answer_translate(text=ANSWER, language="en")
        assert result.text == ANSWER and not result.translated


class TestCopilotMessage:
    def test_it_renders_the_copilot_answer_in_spanish_with_the_english_one_tap_away(self):
        MemorySegment.objects.create(
            language="es",
            source_text="Torque the clamp bolts to 26 N·m [1].",
            target_text="Apriete los tornillos a 26 N·m [1].",
        )
        ana = make_employee("560001", language="es")
        record = CopilotQuestion.objects.create(
            conversation=Conversation.objects.create(employee=ana),
            operator=ana,
            question="What torque?",
            answer=ANSWER,
            citations=[
                {
                    "number": 1,
                    "chunk_id": 1,
                    "title": "Press SOP",
                    "location": "p. 2",
                    "url": "/copilot/source/1/#p-1",
                }
            ],
            engine="extractive",
        )
        html = render_to_string("copilot/_message.html", message_context(record=record))
        assert "Apriete los tornillos a 26 N·m" in html and "Mantenga las manos alejadas." in html
        assert 'class="cite" href="/copilot/source/1/#p-1"' in html  # the citation still links
        assert 'data-testid="answer-translation"' in html and ANSWER in html  # the original, escaped

    def test_the_history_keeps_the_not_translated_mark_the_live_answer_shows(self):
        """After a reload or "Back to the step" the socket sends the history (copilot/_log.html): the same answer
        carries the same marks as when it arrived live (copilot/_message.html)."""
        ana = make_employee("560002", language="es")
        record = CopilotQuestion.objects.create(
            conversation=Conversation.objects.create(employee=ana),
            operator=ana,
            question="¿Qué par de apriete?",
            answer="Check the die [2].",  # no memory and no machine translation: it stays English
            engine="extractive",
        )
        live = render_to_string("copilot/_message.html", message_context(record=record))
        history = render_to_string("copilot/_log.html", {"messages": [message_context(record=record)]})
        for html in (live, history):
            assert 'data-testid="answer-translation"' in html
            assert "lang-mark-untranslated" in html and "Original (English)" in html


class TestInsideTheConsumer:
    def test_it_never_touches_the_database_from_the_event_loop(self):
        import asyncio

        async def render():
            return answer_translate(text="Check the die [2].", language="es")

        result = asyncio.run(render())
        assert result.text == "Check the die [2]." and result.untranslated
