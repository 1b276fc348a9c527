"""The copilot's websocket: a question in, the answer streamed out as HTML fragments for htmx's ws extension.

Tokens are appended out-of-band into the message's answer element; when the answer is complete the whole
message is swapped for the final rendered one (escaped, cited, with feedback buttons).
"""

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy, gettext_noop

from copilot import answering, answers, conversation, models, questions, selectors
from plexcopilot.middleware import STATION_SESSION_KEY

logger = logging.getLogger(__name__)
PROBLEM = questions.FAILED_NOTICE
# Fixed texts the panel shows as they come from the copilot services; listed so the catalogs translate them
# (the panel renders them with {% translate %} in the operator's language).
PANEL_TEXTS = (
    gettext_noop("Type a question first."),
    gettext_noop("That question is too long: keep it under 500 characters."),
    gettext_noop("Only the person who asked can rate this answer."),
    gettext_noop("Stopped before the answer was complete."),
    gettext_noop("The answer to your last question was interrupted. Ask it again."),
)
INTERRUPTED = "The answer to your last question was interrupted. Ask it again."
# Sent with every answer: an error shown meanwhile (a blank second send) is not left above the answer.
CLEAR_ERROR = '<div id="copilot-error" hx-swap-oob="true"></div>'


class CopilotConsumer(AsyncWebsocketConsumer):
    context: questions.QuestionContext | None = None
    task: asyncio.Task[None] | None = None
    watcher: asyncio.Task[None] | None = None
    closed = False

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        session = self.scope.get("session")
        station_id = session.get(STATION_SESSION_KEY) if session is not None else None
        self.context = await database_sync_to_async(questions.question_context)(
            user=self.scope.get("user"), station_id=station_id,
            execution_id=int(kwargs["execution_id"]), order=int(kwargs["order"]),
        )  # fmt: skip
        if self.context is None:
            await self.close(code=4403)
            return
        await self.accept()
        # A (re)connect shows the conversation so far: nothing is lost when the tablet's Wi-Fi drops.
        await self.send(text_data=await database_sync_to_async(self._history)())
        # An answer still being written when the socket dropped is shown when it completes.
        pending = await database_sync_to_async(self._in_progress)()
        if pending is not None:
            await self.send(text_data=render_to_string("copilot/_pending.html", {"q": pending}))
            self.watcher = asyncio.create_task(self._watch(pending.pk))

    async def disconnect(self, code: int) -> None:
        # A dropped socket does not stop the answer: it finishes (bounded by the LLM watchdog), is stored, and
        # the reconnected page shows it. Only the operator's Stop button cancels.
        self.closed = True
        if self.watcher is not None:
            self.watcher.cancel()

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        if not self.closed:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    def _in_progress(self) -> models.CopilotQuestion | None:
        assert self.context is not None
        return selectors.question_in_progress(
            employee=self.context.employee,
            work_order=self.context.execution.work_order if self.context.execution else None,
            within_seconds=settings.LLM_TOTAL_SECONDS + 15,
        )

    async def _watch(self, pk: int) -> None:
        """Wait for an answer another connection is still writing, then show it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.LLM_TOTAL_SECONDS + 15
        while loop.time() < deadline:
            record = await database_sync_to_async(selectors.question_answered)(pk=pk)
            if record is not None:
                html = await database_sync_to_async(self._render_stored)(record)
                await self.send(
                    text_data=CLEAR_ERROR
                    + html.replace(' id="copilot-msg-', ' hx-swap-oob="outerHTML" id="copilot-msg-', 1)
                )
                return
            await asyncio.sleep(0.5)
        await self.send(text_data=self._render("copilot/_error.html", {"error": INTERRUPTED}))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame: dict[str, Any] = json.loads(text_data or "")
        except ValueError:
            return
        if not isinstance(frame, dict):
            return
        if frame.get("action") == "cancel":
            if self.task is not None:
                self.task.cancel()
            return
        question = frame.get("question")
        if not isinstance(question, str):
            return
        if questions.question_refusal(question=question) is not None:
            # Refused with a message (blank, too long); an answer still being written is not cancelled for it.
            await self._answer(question)
            return
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.task = asyncio.create_task(self._answer(question))

    def _history(self) -> str:
        assert self.context is not None
        recent = conversation.conversation_recent(
            employee=self.context.employee,
            work_order=self.context.execution.work_order if self.context.execution else None,
        )
        with self._language():
            return render_to_string(
                "copilot/_log.html", {"messages": [conversation.message_context(record=r) for r in recent]}
            )

    async def _answer(self, question: str) -> None:
        assert self.context is not None
        try:
            prepared = await questions.aquestion_prepare(context=self.context, question=question)
        except questions.QuestionInvalid as error:
            await self.send(
                text_data=self._render(
                    "copilot/_error.html", {"error": str(error), "kept_question": question}
                )
            )
            return
        except questions.QuestionFailed as failed:
            # Stored as failed: shown in the log as failed (as a reconnect shows it), with the retry message.
            logger.exception("copilot question failed before answering")
            html = await database_sync_to_async(self._render_stored_in_language)(failed.record)
            banner = self._render("copilot/_error.html", {"error": gettext_lazy(PROBLEM)})
            await self.send(text_data=f'{banner}\n<div id="copilot-log" hx-swap-oob="beforeend">{html}</div>')
            return
        except Exception:
            # Never an endless spinner: say so, give the question back to ask again, keep the details for the log.
            logger.exception("copilot question failed before answering")
            refusal = {"error": gettext_lazy(PROBLEM), "kept_question": question}
            await self.send(text_data=self._render("copilot/_error.html", refusal))
            return
        pk = prepared.record.pk
        await self.send(text_data=self._render("copilot/_pending.html", {"q": prepared.record}))
        final: answers.Answer | None = None
        try:
            async for kind, value in answering.question_answer_stream(prepared=prepared):
                if kind == "token":
                    await self.send(
                        text_data=f'<div id="copilot-answer-{pk}" hx-swap-oob="beforeend"><span>{escape(value)}</span></div>'
                    )
                else:
                    final = value
        except asyncio.CancelledError:
            final = answers.Answer(
                text="",
                citations=[],
                engine="cancelled",
                notice="Stopped before the answer was complete.",
                found=False,
            )
            await asyncio.shield(self._finish(prepared, final))
            raise
        except Exception:
            logger.exception("copilot answer stream failed")
            final = answers.Answer(text=prepared.extractive.text, citations=prepared.extractive.citations,
                                    engine="extractive", notice=PROBLEM, found=prepared.extractive.found)  # fmt: skip
        if final is not None:
            await self._finish(prepared, final)

    @staticmethod
    def _render_stored(record: models.CopilotQuestion) -> str:
        return render_to_string("copilot/_message.html", conversation.message_context(record=record))

    def _render_stored_in_language(self, record: models.CopilotQuestion) -> str:
        with self._language():
            return self._render_stored(record)

    def _language(self) -> translation.override:
        """Fragments in the operator's language, like the station page around them."""
        employee = self.context.employee if self.context is not None else None
        return translation.override(getattr(employee, "language", None) or None)

    def _render(self, template: str, context: dict[str, Any]) -> str:
        with self._language():
            return render_to_string(template, context)

    def _render_final(self, record: models.CopilotQuestion, answer: answers.Answer) -> str:
        return self._render(
            "copilot/_message.html", conversation.message_context(record=record, answer=answer)
        )

    async def _finish(self, prepared: questions.Prepared, answer: answers.Answer) -> None:
        record = await questions.aquestion_finish(prepared=prepared, answer=answer)
        # Rendering may read the database (the operator's language, cached translations): not on the event loop.
        html = await database_sync_to_async(self._render_final)(record, answer)
        with contextlib.suppress(
            Exception
        ):  # the tablet went away: the answer is stored and shown on reconnect
            await self.send(
                text_data=CLEAR_ERROR
                + html.replace(' id="copilot-msg-', ' hx-swap-oob="outerHTML" id="copilot-msg-', 1)
            )
