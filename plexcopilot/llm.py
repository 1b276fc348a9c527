"""The one client for an OpenAI-compatible chat endpoint (`LLM_BASE_URL`), used by the copilot and quality.

- `llm_stream` streams tokens for an operator waiting at a tablet, under a watchdog: no first token within
  LLM_FIRST_TOKEN_SECONDS or no end within LLM_TOTAL_SECONDS raises LLMUnavailable (so the caller falls back to
  its extractive answer instead of leaving a spinner);
- `llm_complete` returns one whole answer for background work (an NCR narrative), same timeouts;
- `breaker` opens after LLM_BREAKER_FAILURES consecutive failures and keeps callers off the endpoint for
  LLM_BREAKER_COOLDOWN_SECONDS; `llm_complete` consults it, streaming callers call allow/success/failure around
  the stream (they decide when a stream counts as a success). What a caller does with the text (the copilot's
  numeric guard, citations) stays with the caller.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from django.conf import settings


class LLMUnavailable(Exception):
    pass


class CircuitBreaker:
    """Opens after N consecutive failures; while open the endpoint is not called for the cool-down."""

    def __init__(self) -> None:
        self.failures = 0
        self.opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        if time.monotonic() - self.opened_at >= settings.LLM_BREAKER_COOLDOWN_SECONDS:
            self.opened_at = None  # half-open: one more try
            self.failures = settings.LLM_BREAKER_FAILURES - 1
            return True
        return False

    def success(self) -> None:
        self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= settings.LLM_BREAKER_FAILURES:
            self.opened_at = time.monotonic()


breaker = CircuitBreaker()


def llm_configured() -> bool:
    return bool(settings.LLM_BASE_URL)


def _request(
    messages: list[dict[str, str]], *, stream: bool, temperature: float
) -> tuple[str, dict[str, Any], dict[str, str]]:
    url = settings.LLM_BASE_URL.rstrip("/") + "/chat/completions"
    headers = {"Accept": "text/event-stream"} if stream else {}
    if settings.LLM_API_KEY:
        headers["Authorization"] = f"Bearer {settings.LLM_API_KEY}"
    body = {"model": settings.LLM_MODEL, "messages": messages, "stream": stream, "temperature": temperature}
    return url, body, headers


async def llm_stream(messages: list[dict[str, str]]) -> AsyncIterator[str]:
    """Stream content deltas from an OpenAI-compatible /chat/completions endpoint.

    Raises LLMUnavailable when no first token arrives within LLM_FIRST_TOKEN_SECONDS, the whole answer takes
    longer than LLM_TOTAL_SECONDS, or the endpoint fails or sends something unreadable.
    """
    url, body, headers = _request(messages, stream=True, temperature=0)
    timeout = httpx.Timeout(
        connect=settings.LLM_CONNECT_TIMEOUT_SECONDS, read=settings.LLM_FIRST_TOKEN_SECONDS, write=5, pool=5
    )
    deadline = time.monotonic() + settings.LLM_TOTAL_SECONDS
    got_token = False
    first_token_by = time.monotonic() + settings.LLM_FIRST_TOKEN_SECONDS
    try:
        async with (
            httpx.AsyncClient(timeout=timeout) as client,
            client.stream("POST", url, json=body, headers=headers) as response,
        ):
            if response.status_code != 200:
                raise LLMUnavailable(f"the endpoint answered HTTP {response.status_code}")
            lines = response.aiter_lines()
            while True:
                limit = (deadline if got_token else min(first_token_by, deadline)) - time.monotonic()
                if limit <= 0:
                    raise LLMUnavailable("no first token in time" if not got_token else "answer too slow")
                try:
                    line = await asyncio.wait_for(anext(lines), timeout=limit)
                except StopAsyncIteration:
                    break
                except TimeoutError as error:
                    raise LLMUnavailable(
                        "no first token in time" if not got_token else "answer too slow"
                    ) from error
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                try:
                    delta = json.loads(data)["choices"][0].get("delta", {}).get("content") or ""
                except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
                    raise LLMUnavailable("the endpoint sent an unreadable stream") from error
                if delta:
                    got_token = True
                    yield delta
    except httpx.TimeoutException as error:
        raise LLMUnavailable("no first token in time" if not got_token else "answer too slow") from error
    except httpx.HTTPError as error:
        raise LLMUnavailable(f"the endpoint could not be reached ({type(error).__name__})") from error
    if not got_token:
        raise LLMUnavailable("the endpoint sent an empty answer")


def llm_complete(messages: list[dict[str, str]], *, temperature: float = 0.2) -> str:
    """One whole answer (no streaming) for background work. Raises LLMUnavailable when the endpoint is off, the
    breaker is open, or the endpoint fails, is slower than LLM_TOTAL_SECONDS or answers something unreadable."""
    if not llm_configured():
        raise LLMUnavailable("no endpoint configured")
    if not breaker.allow():
        raise LLMUnavailable("the endpoint failed repeatedly; waiting before trying it again")
    url, body, headers = _request(messages, stream=False, temperature=temperature)
    timeout = httpx.Timeout(
        float(settings.LLM_TOTAL_SECONDS), connect=float(settings.LLM_CONNECT_TIMEOUT_SECONDS)
    )
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=timeout)
        response.raise_for_status()
        text = str(response.json()["choices"][0]["message"]["content"]).strip()
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as error:
        breaker.failure()
        raise LLMUnavailable(f"{type(error).__name__}: {error}") from error
    breaker.success()
    return text
