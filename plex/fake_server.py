"""A fake Plex Connect server on 127.0.0.1 for tests and the demo.

Serves the resources plexcopilot reads and writes with the field names of Plex's OpenAPI description
(ecookmva/plex-developer-sdk api/openapi.yaml and its generated docs/*.md), checks the API key (401),
rate-limits (429 with Retry-After) on an injectable clock, and can be made slow or go down (503 or a
dropped connection). Every request is logged so tests can assert on what reached "Plex". The tenant's records
are in `plex.fake_data`.
"""

import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from plex.fake_data import FakePlexData, seed_plant


class FakeClock:
    """A clock tests can move by hand; `sleep` advances it instead of waiting."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(seconds, 0.0)


@dataclass
class LoggedRequest:
    method: str
    path: str
    at: float
    status: int


ROUTES_GET: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/mdm/v1/employees$"), "employees"),
    (re.compile(r"^/mdm/v1/parts$"), "parts"),
    (re.compile(r"^/mdm/v1/part-operations$"), "part_operations"),
    (re.compile(r"^/production/v1/production-definitions/workcenters$"), "workcenters"),
    (re.compile(r"^/production/v1/control/workcenters/(?P<id>[^/]+)$"), "setup"),
    (re.compile(r"^/scheduling/v1/jobs$"), "jobs"),
    (re.compile(r"^/scheduling/v1/jobs/(?P<id>[^/]+)/operations$"), "job_operations"),
    (re.compile(r"^/quality/v1/part-specifications$"), "part_specifications"),
    (re.compile(r"^/quality/v1/control-plans$"), "control_plans"),
    (re.compile(r"^/production/v1/production-history/labor-entries$"), "labor_entries"),
    (re.compile(r"^/hcm/v1/time-clock-entries$"), "time_clock_entries"),
    (re.compile(r"^/engineering/v1/boms$"), "boms"),
    (re.compile(r"^/inventory/v1/inventory-tracking/containers$"), "containers"),
    (re.compile(r"^/inventory/v1/inventory-definitions/locations$"), "inventory_locations"),
]
ROUTES_POST: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/quality/v1/checksheets$"), "checksheet"),
    (re.compile(r"^/production/v1/control/workcenters/(?P<id>[^/]+)/operators/clockin$"), "clock_in"),
    (re.compile(r"^/production/v1/control/workcenters/(?P<id>[^/]+)/operators/clockout$"), "clock_out"),
    (re.compile(r"^/production/v1/control/workcenters/(?P<id>[^/]+)/status$"), "workcenter_status"),
    (re.compile(r"^/management/v1/activity-manager$"), "activity"),
    (re.compile(r"^/platform/custom-objects/v1/data/(?P<id>[^/]+)$"), "custom_object"),
    (re.compile(r"^/scheduling/v1/jobs/(?P<id>[^/]+)/sequence$"), "schedule_sequence"),
]


class FakePlex:
    """Run with `with FakePlex() as plex:`; `plex.url` is the base URL to give the client."""

    def __init__(
        self,
        *,
        data: FakePlexData | None = None,
        api_key: str = "fake-plex-key",
        rate_limit: int = 200,
        rate_window: float = 60.0,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.data = data if data is not None else seed_plant()
        self.api_key = api_key
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.clock = clock
        self.mode = "ok"  # "ok" | "outage" (503) | "drop" (close the connection) | "unauthorized" (401)
        self.delay = 0.0  # seconds before each answer: a slow Plex
        self.fail_next: list[int] = []  # statuses to answer the next requests with, in order
        self.requests: list[LoggedRequest] = []
        self.received: dict[str, list[dict[str, Any]]] = {}
        self._seen_keys: dict[str, dict[str, Any]] = {}
        self._admitted: list[float] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> "FakePlex":
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-plex", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakePlex":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, method: str = "", path_prefix: str = "") -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (not method or r.method == method) and r.path.startswith(path_prefix)
            )

    # -- request handling (called from the handler threads) --

    def _admit(self) -> tuple[bool, float]:
        """Plex's own 200/min limit, on this server's clock."""
        with self._lock:
            now = self.clock()
            self._admitted = [t for t in self._admitted if t > now - self.rate_window]
            if len(self._admitted) >= self.rate_limit:
                return False, self._admitted[0] + self.rate_window - now
            self._admitted.append(now)
            return True, 0.0

    def handle(
        self, method: str, raw_path: str, headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        split = urlsplit(raw_path)
        path, query = split.path.rstrip("/") or "/", parse_qs(split.query)
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            forced = self.fail_next.pop(0) if self.fail_next else None
        if self.mode == "outage" or forced in (500, 502, 503, 504):
            return forced or 503, {"code": "ServiceUnavailable", "message": "Plex is unavailable."}, {}
        if self.mode == "unauthorized" or headers.get("X-Plex-Connect-Api-Key") != self.api_key:
            return 401, {"code": "Unauthorized", "message": "Invalid or missing API key."}, {}
        admitted, wait = self._admit()
        if not admitted or forced == 429:
            return (
                429,
                {"code": "TooManyRequests", "message": "Rate limit exceeded."},
                {"Retry-After": str(max(int(wait + 0.999), 1))},
            )
        if method == "GET":
            return self._get(path, query)
        if method == "POST":
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                return 400, {"code": "BadRequest", "message": "Body is not JSON."}, {}
            return self._post(path, payload, headers.get("X-Plexcopilot-Idempotency-Key", ""))
        return 405, {"code": "MethodNotAllowed", "message": method}, {}

    def _get(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        for pattern, name in ROUTES_GET:
            match = pattern.match(path)
            if not match:
                continue
            if name == "setup":
                setup = self.data.setups.get(match["id"])
                return (200, setup, {}) if setup else (404, {"code": "NotFound", "message": path}, {})
            if name == "job_operations":
                return 200, self.data.job_operations.get(match["id"], []), {}
            if name == "boms":  # Plex requires partId here
                if not query.get("partId"):
                    return 400, {"code": "BadRequest", "message": "partId is required."}, {}
                return 200, [b for b in self.data.boms if b["partId"] == query["partId"][0]], {}
            # Like Plex, most list filters (limit, dates) are ignored: the whole collection comes back.
            return 200, getattr(self.data, name), {}
        return 404, {"code": "NotFound", "message": path}, {}

    def _post(self, path: str, payload: Any, key: str) -> tuple[int, Any, dict[str, str]]:
        for pattern, kind in ROUTES_POST:
            match = pattern.match(path)
            if not match:
                continue
            with self._lock:
                if key and key in self._seen_keys:
                    return 200, self._seen_keys[key], {}
            if not isinstance(payload, dict):
                return 400, {"code": "BadRequest", "message": "Expected a JSON object."}, {}
            if kind == "checksheet":
                measurements = payload.get("measurements") or []
                if len(measurements) > 100:
                    return (
                        400,
                        {"code": "BadRequest", "message": "At most 100 measurements per checksheet."},
                        {},
                    )
                if not all(isinstance(m, dict) and m.get("specificationId") for m in measurements):
                    return (
                        400,
                        {"code": "BadRequest", "message": "Each measurement needs a specificationId."},
                        {},
                    )
            if kind.startswith(("clock", "workcenter")) and match["id"] not in self.data.setups:
                return 404, {"code": "NotFound", "message": "Unknown workcenter."}, {}
            status_id = payload.get("workcenterStatusId")
            if kind == "workcenter_status" and (
                not isinstance(status_id, str) or status_id not in self.data.workcenter_statuses
            ):
                return 400, {"code": "BadRequest", "message": "Unknown workcenterStatusId."}, {}
            answer: dict[str, Any] = {"id": str(uuid.uuid4())}
            if kind in ("clock_in", "clock_out"):
                setup = self.data.setups[match["id"]]
                if kind == "clock_in":
                    setup["operators"].append(
                        {
                            "accountID": payload.get("accountId"),
                            "employeeName": "",
                            "costSubTypeId": payload.get("costSubTypeId"),
                        }
                    )
                else:
                    setup["operators"] = []
                answer = {"operators": setup["operators"]}
            if kind == "workcenter_status":
                assert isinstance(status_id, str)  # checked above
                self.data.setups[match["id"]]["statusId"] = status_id
                self.data.setups[match["id"]]["statusDescription"] = self.data.workcenter_statuses[status_id]
                answer = {
                    "workcenterId": match["id"],
                    "workcenterStatusId": status_id,
                }
            with self._lock:
                self.received.setdefault(kind, []).append({"path": path, "body": payload, "key": key})
                if key:
                    self._seen_keys[key] = answer
            return (201 if kind in ("checksheet", "activity", "custom_object") else 200), answer, {}
        return 404, {"code": "NotFound", "message": path}, {}


def _handler_for(fake: FakePlex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes; without this, delayed ACKs add 40 ms per request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if fake.mode == "drop":
                # A network failure: the connection closes without an answer.
                self.close_connection = True
                self.connection.close()
                with fake._lock:
                    fake.requests.append(LoggedRequest(method, self.path, fake.clock(), 0))
                return
            status, payload, extra = fake.handle(method, self.path, self.headers, body)
            with fake._lock:
                fake.requests.append(LoggedRequest(method, urlsplit(self.path).path, fake.clock(), status))
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            # The client may have given up waiting (a timeout test): then there is nobody to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler
