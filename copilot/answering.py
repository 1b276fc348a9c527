"""Answering a prepared question as a stream: the generative engine with its guards, or the extractive answer."""

from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.utils.translation import gettext_noop

from copilot import safety
from copilot.answers import FIXED_REPLIES, Answer, llm_messages, numeric_guard
from copilot.questions import Prepared, safety_checked
from plexcopilot.llm import LLMUnavailable, breaker, llm_configured, llm_stream

# Stored in English; copilot/_message.html shows them with {% translate %} in the operator's language.
UNCITED_NOTICE = gettext_noop(
    "This answer cites no passage of the plant library: check it against the related passages."
)
FALLBACK_NOTICES = {
    "busy": gettext_noop(
        "The language model is unavailable right now (too many recent failures); this answer quotes the plant "
        "library directly."
    ),
    "slow": gettext_noop(
        "The language model did not answer in time; this answer quotes the plant library directly."
    ),
    "failed": gettext_noop("The language model failed; this answer quotes the plant library directly."),
}


async def question_answer_stream(
    *, prepared: Prepared, chunk_words: int = 4
) -> AsyncIterator[tuple[str, Any]]:
    """Yield ("token", text) while answering, then ("final", Answer). Never hangs: the generative engine is
    bounded by its watchdog and falls back to the extractive answer with a notice."""
    extractive = prepared.extractive
    if llm_configured() and prepared.passages:
        if not breaker.allow():
            yield "final", _with_notice(extractive, "busy")
            return
        pieces: list[str] = []
        shown, held = 0, False  # whole sentences go out, none that the safety check may withhold
        try:
            messages = llm_messages(prepared.record.question, prepared.passages, prepared.context)
            async for token in llm_stream(messages):
                pieces.append(token)
                if held:
                    continue
                received = "".join(pieces)
                end, held = safety.stream_release(received, shown)
                if end > shown:
                    yield "token", received[shown:end]
                    shown = end
        except LLMUnavailable as error:
            breaker.failure()
            yield "final", _with_notice(extractive, _reason(str(error)))
            return
        breaker.success()
        text = "".join(pieces).strip()
        cited = [p for p in prepared.passages if f"[{p.number}]" in text]
        # An answer that cites nothing is shown as uncited: the passages it was given are "related", not
        # sources, and its values are checked against the step spec alone.
        unverified = numeric_guard(text, [p.text for p in cited] + prepared.spec_sources)
        final = Answer(text=text, citations=cited, engine="llm", unverified=unverified,
                       related=[] if cited else list(prepared.passages), notice="" if cited else UNCITED_NOTICE)  # fmt: skip
        # The safety check reads the instruction's steps: ORM work, off the event loop.
        yield "final", await sync_to_async(safety_checked, thread_sensitive=True)(final, prepared.execution)
        return
    if extractive.text in FIXED_REPLIES or safety.is_withheld(extractive.text):
        yield (
            "final",
            extractive,
        )  # a fixed reply is shown whole, in the operator's language, never streamed in English
        return
    words = extractive.text.split(" ")
    for start in range(0, len(words), chunk_words):
        yield "token", " ".join(words[start : start + chunk_words]) + " "
    yield "final", extractive


def _reason(error: str) -> str:
    return "slow" if "time" in error or "slow" in error else "failed"


def _with_notice(answer: Answer, reason: str) -> Answer:
    return Answer(
        text=answer.text, citations=answer.citations, engine="extractive", found=answer.found,
        notice=FALLBACK_NOTICES[reason],
    )  # fmt: skip
