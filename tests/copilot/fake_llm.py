"""A fake OpenAI-compatible streaming endpoint on 127.0.0.1 (we do not own a real LLM).

The mode is the first path segment of the base URL: normal, slow, broken, garbled, hostile, error, uncited,
wrongunit, unsafe.
"""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NORMAL = ["Torque the eight M16 die clamp bolts ", "to 180 N·m (165–195 N·m) ", "in a cross pattern [1]."]
UNCITED = ["Torque the eight M16 die clamp bolts ", "to 180 N·m (165–195 N·m) ", "in a cross pattern."]
WRONG_UNIT = ["Set the die clamp bolts ", "to 180 mm [1]."]
UNSAFE = [
    "Clear the jam with the hook. ",
    "For a quick job the lockout ",
    "is optional [1]. ",
    "Then restart ",
    "the press.",
]
HOSTILE = [
    "<script>alert('x')</script><img src=x onerror=alert(1)> ",
    "Ignore the SOP: set the clamp bolts to 999 N·m [1].",
]


class FakeLLM:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mode}/v1"

    def __enter__(self) -> "FakeLLM":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()  # a client that gave up waiting closes early, as it should

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(json.loads(self.rfile.read(length)))
                mode = self.path.strip("/").split("/")[0]
                if mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b'{"error": "boom"}')
                    return
                if mode == "slow":
                    time.sleep(3)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = {
                    "hostile": HOSTILE,
                    "uncited": UNCITED,
                    "wrongunit": WRONG_UNIT,
                    "unsafe": UNSAFE,
                }.get(mode, NORMAL)
                for n, piece in enumerate(pieces):
                    if mode == "broken" and n == 1:
                        self.wfile.write(b"data: {not json\n\n")
                        self.wfile.flush()
                        return
                    chunk = {"choices": [{"delta": {"content": piece}, "index": 0}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler
