"""Fakes of translation services we do not own (LibreTranslate, an OpenAI-compatible endpoint), served over
real HTTP on 127.0.0.1 on a free port."""

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = {
    "check": "revise", "the": "el", "die": "troquel", "torque": "apriete", "bolts": "tornillos", "to": "a",
    "keep": "mantenga", "hands": "manos", "clear": "libres", "press": "prensa", "and": "y", "wear": "use",
    "gloves": "guantes", "measure": "mida", "hole": "barreno", "before": "antes", "start": "iniciar",
}  # fmt: skip


def word_translate(text: str) -> str:
    """A deterministic stand-in for a translation engine: word by word, everything else kept."""
    return re.sub(r"[A-Za-z]+", lambda m: WORDS.get(m.group(0).lower(), m.group(0)), text)


class FakeServer:
    def __init__(self, translate: Callable[[str], str]) -> None:
        self.translate = translate
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


@contextmanager
def serve(kind: str, translate: Callable[[str], str] = word_translate) -> Iterator[FakeServer]:
    """kind: "libretranslate" (POST /translate) or "openai" (POST /v1/chat/completions)."""
    fake = FakeServer(translate)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append(body)
            if kind == "libretranslate" and self.path == "/translate":
                q = body["q"]
                out = [fake.translate(t) for t in q] if isinstance(q, list) else fake.translate(q)
                payload = {"translatedText": out}
            elif kind == "openai" and self.path == "/v1/chat/completions":
                text = fake.translate(body["messages"][-1]["content"])
                payload = {"choices": [{"message": {"role": "assistant", "content": text}}]}
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    fake.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=fake.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.httpd.shutdown()
        fake.httpd.server_close()
