"""After the answer: the operator's feedback, the recent conversation and how a stored answer is shown."""

import dataclasses
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from copilot import safety
from copilot.answers import FIXED_REPLIES, Answer, Passage, answer_segments
from copilot.models import (
    CopilotQuestion,
)
from copilot.questions import QuestionInvalid
from languages.answers import AnswerTranslation, answer_translate
from languages.pipeline import SOURCE_LANGUAGE
from plexcopilot.services import audit_record


def question_feedback(*, record: CopilotQuestion, employee: Any, helpful: bool) -> CopilotQuestion:
    if record.operator_id != employee.pk:
        raise QuestionInvalid("Only the person who asked can rate this answer.")
    record.helpful = helpful
    record.save(update_fields=["helpful"])
    audit_record(
        actor=employee.user, action="copilot.feedback", obj=record,
        summary=f"Marked a copilot answer {'helpful' if helpful else 'not helpful'}",
    )  # fmt: skip
    return record


def conversation_recent(*, employee: Any, work_order: Any | None, limit: int = 5) -> list[CopilotQuestion]:
    qs = CopilotQuestion.objects.filter(operator=employee, work_order=work_order).exclude(answered_at=None)
    return list(reversed(qs.order_by("-asked_at", "-id")[:limit]))


def message_context(*, record: CopilotQuestion, answer: Answer | None = None) -> dict[str, Any]:
    """What copilot/_message.html needs, from a fresh answer or from the stored record."""
    if answer is None:
        citations = [
            Passage(
                number=c["number"],
                chunk_id=c["chunk_id"],
                title=c["title"],
                location=c["location"],
                text="",
                doc_type="",
                url=c["url"],
                document=c.get("document", ""),
                revision=c.get("revision"),
            )  # fmt: skip
            for c in record.citations
        ]
        answer = Answer(text=record.answer, citations=citations, engine=record.engine, notice=record.notice,
                        unverified=record.unverified)  # fmt: skip
    # languages: the answer in the operator's language, numbers/units/terms guarded, [n] citations kept.
    language = record.operator.language
    withheld = safety.withheld_in(
        text=answer.text, notice=answer.notice, version=record.version, language=language
    )
    if withheld is not None:
        # Withheld for safety: the copilot's own words, from the catalogs like its other fixed replies.
        text, notice = withheld
        answer = dataclasses.replace(answer, notice=notice)
        translated = AnswerTranslation(text=text, original=answer.text, language=SOURCE_LANGUAGE)
    elif answer.text in FIXED_REPLIES:
        # The copilot's own words come from the catalogs, a reviewed translation like the page around them: no
        # translation engine and no machine-translation marks (so no "Original (English)" beside them).
        with translation.override(language or None):
            text = gettext(answer.text)
        translated = AnswerTranslation(text=text, original=answer.text, language=SOURCE_LANGUAGE)
    else:
        translated = answer_translate(text=answer.text, language=language)
    return {
        "q": record,
        "answer": answer,
        "translated": translated,
        "segments": answer_segments(translated.text, answer.citations, answer.unverified),
    }
