"""Request bodies are refused by size before they are read, and file uploads stop at the limit.

`BodySizeLimit` wraps the HTTP application (plexcopilot.asgi): a declared Content-Length over REQUEST_MAX_BYTES gets
413 at once, without reading a byte; a body without a length (chunked) is counted as it arrives and cut off at the
limit. `LimitedUploadHandler` (first in FILE_UPLOAD_HANDLERS) stops any single file at UPLOAD_FILE_MAX_BYTES while
it streams, so a big file is never held whole, in memory or on disk.
"""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

TOO_LARGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Too large</title>"
    b"<h1>That upload is too large</h1><p>Nothing was saved. Take a smaller photo or file and send it again.</p>"
)


class BodySizeLimit:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.REQUEST_MAX_BYTES
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send)
            return
        received = 0
        started = False
        cut = False

        async def counted_receive() -> Message:
            nonlocal received, cut
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut = True
                    return {"type": "http.disconnect"}  # Django stops reading and answers nothing
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if cut and not started:
            await self._refuse(send)

    @staticmethod
    async def _refuse(send: Send) -> None:
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"connection", b"close")]})  # fmt: skip
        await send({"type": "http.response.body", "body": TOO_LARGE})


class UploadTooLarge(Exception):
    """A file went past UPLOAD_FILE_MAX_BYTES while streaming; answered 413 by plexcopilot.outage.server_error."""


def too_large_response(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(TOO_LARGE, status=413)
    response["Connection"] = "close"
    return response


class LimitedUploadHandler(FileUploadHandler):
    """Counts each file's bytes as they stream in and stops the upload past UPLOAD_FILE_MAX_BYTES.

    Raising (rather than skipping the file) matters: a defect report must not be saved without the photo the
    operator attached, so the whole request is refused and the form keeps what was typed."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.seen = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.seen += len(raw_data)
        if self.seen > settings.UPLOAD_FILE_MAX_BYTES:
            raise UploadTooLarge(f"file over {settings.UPLOAD_FILE_MAX_BYTES} bytes")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
