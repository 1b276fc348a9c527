"""Pushing HTML to websocket groups from sync code without ever failing the caller.

A push is a courtesy on top of a saved change: when Redis is down the change is already committed, and the
pages catch up when their sockets reconnect (every consumer sends the current state on connect). So
`group_send_after_commit` sends once the transaction commits, gives up after a few seconds, and logs instead of
raising: an Andon raise must never answer 500 after saving the call (the operator would raise it again).
"""

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 3.0


def group_send_now(group: str, message: dict[str, Any]) -> bool:
    """Send `message` to `group`; True when it went out. Never raises."""
    layer = get_channel_layer()
    if layer is None:
        return False

    async def send() -> None:
        await asyncio.wait_for(layer.group_send(group, message), timeout=SEND_TIMEOUT_SECONDS)

    def run() -> None:
        async_to_sync(send)()

    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            run()
            return True
        # A sync caller inside a running event loop (a script or test driving a browser): send from a thread.
        outcome: list[BaseException] = []

        def in_thread() -> None:
            try:
                run()
            except BaseException as error:  # noqa: BLE001 — reported below
                outcome.append(error)

        worker = threading.Thread(target=in_thread, daemon=True)
        worker.start()
        worker.join(timeout=SEND_TIMEOUT_SECONDS + 2)
        if outcome:
            raise outcome[0]
        return not worker.is_alive()
    except Exception:
        logger.warning("Live update to %s not sent (channel layer unavailable); pages re-sync on reconnect", group,
                       exc_info=True)  # fmt: skip
        return False


def group_send_after_commit(group: str, build: Callable[[], dict[str, Any]]) -> None:
    """After the current transaction commits, build the message (it may read the database) and send it."""

    def deliver() -> None:
        try:
            message = build()
        except Exception:
            logger.exception("Live update to %s not built", group)
            return
        group_send_now(group, message)

    transaction.on_commit(deliver, robust=True)
