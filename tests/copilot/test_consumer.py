"""The copilot websocket, through the real ASGI application (origin check, session auth, routing)."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from copilot.library_files import library_ingest_paths
from copilot.models import CopilotQuestion
from plexcopilot.asgi import application
from plexcopilot.models import AuditEvent
from tests.copilot.fake_llm import FakeLLM

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(client, execution, order=4, origin="http://localhost"):
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, f"/ws/copilot/{execution.pk}/{order}/", headers=headers)


async def ask(comm, question, *, until="copilot-feedback"):
    """Send a question; collect frames until the final message (it carries the feedback buttons)."""
    await comm.send_to(text_data=json.dumps({"question": question, "HEADERS": {"HX-Request": "true"}}))
    frames = []
    while True:
        frame = await comm.receive_from(timeout=30)
        frames.append(frame)
        if until in frame or 'class="alert alert-error"' in frame:
            return frames


def session(client, execution, fn):
    async def run():
        comm = communicator(client, execution)
        connected, _ = await comm.connect(timeout=10)
        assert connected
        await comm.receive_from(timeout=10)  # the conversation so far
        try:
            return await fn(comm)
        finally:
            await comm.disconnect()

    return async_to_sync(run)()


class TestConnect:
    def test_it_refuses_a_visitor_without_a_station_session(self, station_run):
        _client, execution, _ana = station_run

        async def run():
            comm = communicator(None, execution)
            connected, _ = await comm.connect(timeout=10)
            return connected

        assert async_to_sync(run)() is False

    def test_it_refuses_a_foreign_origin(self, station_run):
        client, execution, _ana = station_run

        async def run():
            comm = communicator(client, execution, origin="https://evil.example")
            connected, _ = await comm.connect(timeout=10)
            return connected

        assert async_to_sync(run)() is False


class TestAnswering:
    def test_it_streams_tokens_out_of_band_then_swaps_in_the_final_cited_message(self, station_run):
        client, execution, ana = station_run
        frames = session(client, execution, lambda comm: ask(comm, "how do I clear a jam on station 5?"))
        record = CopilotQuestion.objects.get()
        pending, tokens, final = frames[0], frames[1:-1], frames[-1]
        assert f'id="copilot-msg-{record.pk}"' in pending and "Detener" in pending  # Ana reads Spanish
        assert tokens and all(f'id="copilot-answer-{record.pk}" hx-swap-oob="beforeend"' in t for t in tokens)
        assert f'hx-swap-oob="outerHTML" id="copilot-msg-{record.pk}"' in final
        assert "SOP-PRS-014 Clearing a jam on the 400 t transfer press" in final
        assert f'href="/copilot/source/{record.citations[0]["chunk_id"]}/#p-' in final
        assert record.work_order == execution.work_order and record.version == execution.version
        assert record.step.order == 4 and record.operator == ana and record.engine == "extractive"
        assert record.answer and record.citations[0]["title"].startswith("SOP-PRS-014")
        assert AuditEvent.objects.filter(action="copilot.question", object_id=str(record.pk)).exists()

    def test_document_and_model_html_is_escaped_everywhere(self, station_run, tmp_path, settings):
        client, execution, _ana = station_run
        folder = tmp_path / "xss"
        folder.mkdir()
        (folder / "jam.md").write_text(
            "---\nwork_center: PRS-400\n---\n# Jam <img src=x onerror=alert(1)>\n"
            "A jam on station 5 <b>onmouseover</b> needs the brass drift.\n\n<script>alert('doc')</script>\n"
        )
        library_ingest_paths(paths=[folder])
        frames = session(
            client, execution, lambda comm: ask(comm, "jam station 5 brass drift <script>alert(2)</script>")
        )
        joined = "".join(frames)
        assert "<script>" not in joined and "<img" not in joined and "<b>" not in joined
        assert "&lt;b&gt;onmouseover&lt;/b&gt;" in joined

        with FakeLLM() as fake:
            settings.LLM_BASE_URL = fake.url("hostile")
            frames = session(
                client, execution, lambda comm: ask(comm, "what torque for the die clamp bolts?")
            )
        joined = "".join(frames)
        assert "<script>" not in joined and "<img" not in joined
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in joined
        assert (
            '<mark class="verify"' in frames[-1]
            and "999 N·m (verifique contra la especificación)" in frames[-1]
        )

    def test_it_explains_an_empty_question_and_stores_nothing(self, station_run):
        client, execution, _ana = station_run
        frames = session(client, execution, lambda comm: ask(comm, "   "))
        assert "Escriba primero una pregunta." in frames[-1]  # in the operator's language
        assert not CopilotQuestion.objects.exists()

    def test_a_too_long_question_comes_back_whole_in_the_question_box(self, station_run):
        client, execution, _ana = station_run
        question = "¿Qué par de apriete para los pernos de la matriz, y en qué orden? " * 9  # 594 characters
        frames = session(client, execution, lambda comm: ask(comm, question))
        assert "La pregunta es demasiado larga: use menos de 500 caracteres." in frames[-1]
        # The box was emptied when the question was sent: the refusal puts the question back, every character.
        box = frames[-1][frames[-1].index('<input id="copilot-question"') :]
        box = box[: box.index(">") + 1]
        assert 'hx-swap-oob="true"' in box and f'value="{question}"' in box
        assert "maxlength" not in box and 'data-limit="500"' in box
        assert not CopilotQuestion.objects.exists()

    def test_an_answer_clears_the_error_a_blank_question_left(self, station_run):
        client, execution, _ana = station_run

        async def blank_then_real(comm):
            return await ask(comm, "   "), await ask(comm, "how do I clear a jam on station 5?")

        blank, frames = session(client, execution, blank_then_real)
        assert "Escriba primero una pregunta." in blank[-1]
        # The thinking frame and the answer both empty the error area: an error shown while the answer was being
        # written (a second, blank send) is not left above it.
        cleared = '<div id="copilot-error" hx-swap-oob="true"></div>'
        assert cleared in frames[0] and 'id="copilot-msg-' in frames[0]
        assert cleared in frames[-1] and "copilot-feedback" in frames[-1]

    def test_it_shows_the_conversation_again_after_a_reconnect(self, station_run):
        client, execution, _ana = station_run
        session(client, execution, lambda comm: ask(comm, "how do I clear a jam on station 5?"))

        async def reconnect():
            comm = communicator(client, execution)
            await comm.connect(timeout=10)
            history = await comm.receive_from(timeout=10)
            await comm.disconnect()
            return history

        history = async_to_sync(reconnect)()
        assert 'id="copilot-log" hx-swap-oob="innerHTML"' in history
        assert "how do I clear a jam on station 5?" in history and "SOP-PRS-014" in history

    def test_a_question_whose_answer_failed_ends_failed_never_pending_after_a_reconnect(
        self, station_run, monkeypatch
    ):
        from copilot import questions

        client, execution, _ana = station_run

        def broken_search(**_kwargs):
            raise RuntimeError("the index is being rebuilt")  # whatever breaks retrieval

        monkeypatch.setattr(questions, "knowledge_search", broken_search)
        frames = session(client, execution, lambda comm: ask(comm, "how do I clear a jam on station 5?"))
        record = CopilotQuestion.objects.get()
        assert record.answered_at is not None and record.engine == "failed" and not record.citations
        # Ana reads Spanish: the retry message, and her question in the log as failed (no Stop button).
        retry = "El copiloto no pudo responder"
        assert retry in frames[-1] and f'id="copilot-msg-{record.pk}"' in frames[-1]
        assert "copilot-stop" not in frames[-1]

        async def reconnect():
            comm = communicator(client, execution)
            await comm.connect(timeout=10)
            history = await comm.receive_from(timeout=10)
            more = await comm.receive_nothing(timeout=1)
            await comm.disconnect()
            return history, more

        history, nothing_more = async_to_sync(reconnect)()
        assert f'id="copilot-msg-{record.pk}"' in history and retry in history
        assert "how do I clear a jam on station 5?" in history
        assert "copilot-stop" not in history and "is-streaming" not in history
        assert nothing_more  # no "Thinking…" frame for it after the history

    def test_a_blank_question_does_not_cancel_the_answer_being_written(self, station_run, settings):
        client, execution, _ana = station_run
        with FakeLLM() as fake:
            settings.LLM_BASE_URL = fake.url("slow")
            settings.LLM_FIRST_TOKEN_SECONDS = 2  # the slow endpoint times out: the extractive answer follows

            async def blank_meanwhile(comm):
                await comm.send_to(text_data=json.dumps({"question": "what torque for the die clamp bolts?"}))
                frames = [await comm.receive_from(timeout=30)]  # thinking…
                await comm.send_to(text_data=json.dumps({"question": "   "}))
                while "copilot-feedback" not in frames[-1]:
                    frames.append(await comm.receive_from(timeout=30))
                return frames

            frames = session(client, execution, blank_meanwhile)
        assert any("Escriba primero una pregunta." in f for f in frames)
        assert "Detenido antes de completar la respuesta." not in frames[-1]
        assert CopilotQuestion.objects.get().engine == "extractive"

    def test_a_cancel_stops_the_answer_and_says_so(self, station_run, settings):
        client, execution, _ana = station_run
        with FakeLLM() as fake:
            settings.LLM_BASE_URL = fake.url("slow")
            settings.LLM_FIRST_TOKEN_SECONDS = 20

            async def cancel(comm):
                await comm.send_to(text_data=json.dumps({"question": "what torque for the die clamp bolts?"}))
                pending = await comm.receive_from(timeout=30)
                await comm.send_to(text_data=json.dumps({"action": "cancel"}))
                return [pending, await comm.receive_from(timeout=30)]

            frames = session(client, execution, cancel)
        assert "Detenido antes de completar la respuesta." in frames[-1]
        assert CopilotQuestion.objects.get().engine == "cancelled"

    def test_a_too_long_question_is_refused_without_cancelling_the_answer_being_written(
        self, station_run, settings
    ):
        client, execution, _ana = station_run
        with FakeLLM() as fake:
            settings.LLM_BASE_URL = fake.url("slow")
            settings.LLM_FIRST_TOKEN_SECONDS = 2  # the slow endpoint times out: the extractive answer follows

            async def too_long_meanwhile(comm):
                await comm.send_to(text_data=json.dumps({"question": "what torque for the die clamp bolts?"}))
                frames = [await comm.receive_from(timeout=30)]  # thinking…
                await comm.send_to(text_data=json.dumps({"question": "torque " * 80}))  # 559 characters
                while 'hx-swap-oob="outerHTML" id="copilot-msg-' not in frames[-1]:  # the final message
                    frames.append(await comm.receive_from(timeout=30))
                return frames

            frames = session(client, execution, too_long_meanwhile)
        # Ana reads Spanish: the refusal in her language, and the first answer written to the end.
        assert any("La pregunta es demasiado larga: use menos de 500 caracteres." in f for f in frames)
        assert "Detenido antes de completar la respuesta." not in frames[-1]
        assert CopilotQuestion.objects.get().engine == "extractive"
