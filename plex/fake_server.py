"""A fake Plex Connect server on 127.0.0.1 for tests and the demo.

Serves the resources plexcopilot reads and writes with the field names of Plex's OpenAPI description
(ecookmva/plex-developer-sdk api/openapi.yaml and its generated docs/*.md), checks the API key (401),
rate-limits (429 with Retry-After) on an injectable clock, and can be made slow or go down (503 or a
dropped connection). Every request is logged so tests can assert on what reached "Plex".
"""

import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

NAMESPACE = uuid.UUID("0b7e1c52-6a43-4b7e-9d1e-5c0ad3f1e001")


def fake_id(*parts: object) -> str:
    """Stable UUIDs, so a replayed seed produces the same Plex ids."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _ts(day: int, hour: int = 6, minute: int = 0) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00.0000000Z"


@dataclass
class FakePlexData:
    """The tenant's records, as Plex returns them (camelCase JSON)."""

    workcenters: list[dict[str, Any]] = field(default_factory=list)
    setups: dict[str, dict[str, Any]] = field(default_factory=dict)
    employees: list[dict[str, Any]] = field(default_factory=list)
    parts: list[dict[str, Any]] = field(default_factory=list)
    part_operations: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    job_operations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    part_specifications: list[dict[str, Any]] = field(default_factory=list)
    control_plans: list[dict[str, Any]] = field(default_factory=list)
    labor_entries: list[dict[str, Any]] = field(default_factory=list)
    time_clock_entries: list[dict[str, Any]] = field(default_factory=list)
    boms: list[dict[str, Any]] = field(default_factory=list)
    containers: list[dict[str, Any]] = field(default_factory=list)
    inventory_locations: list[dict[str, Any]] = field(default_factory=list)


def seed_plant() -> FakePlexData:
    """Lakeside Stamping: a small but complete tenant (3 work centers, 2 parts, 3 jobs, specs, labor)."""
    data = FakePlexData()
    centers = [
        ("PRS-250", "250 t press", "Press"),
        ("WLD-07", "Robot weld cell 7", "Weld"),
        ("CMM-01", "CMM inspection", "Inspection"),
    ]
    for code, name, kind in centers:
        wc_id = fake_id("workcenter", code)
        data.workcenters.append(
            {
                "workcenterId": wc_id,
                "workcenterCode": code,
                "name": name,
                "workcenterType": kind,
                "workcenterGroup": "Plant 1",
                "buildingId": fake_id("building", "B1"),
                "buildingCode": "B1",
                "tankSilo": False,
                "productionLineId": fake_id("line", "L1"),
                "ipAddress": "",
                "plcName": "",
            }
        )
        data.setups[wc_id] = {
            "id": wc_id,
            "code": code,
            "name": name,
            "type": kind,
            "statusId": fake_id("status", "Running"),
            "statusDescription": "Running",
            "jobId": None,
            "jobNumber": None,
            "jobOperationId": None,
            "operationNumber": None,
            "operationCode": None,
            "jobOperationQuantity": None,
            "lotId": None,
            "productionLineId": fake_id("line", "L1"),
            "batches": [],
            "operators": [],
        }
    people = [
        ("410001", "Lena", "Kowalski", "Press operator", "1"),
        ("410002", "Tomás", "Rivera", "Press operator", "1"),
        ("410003", "Mai", "Nguyen", "Welder", "2"),
        ("410009", "Grace", "Okafor", "Supervisor", "1"),
    ]
    for badge, first, last, position, shift in people:
        data.employees.append(
            {
                "id": fake_id("employee", badge),
                "badgeNumber": badge,
                "userId": f"{first[0].lower()}{last.lower()}",
                "firstName": first,
                "middleName": "",
                "lastName": last,
                "supervisorId": fake_id("employee", "410009") if badge != "410009" else None,
                "status": "Active",
                "position": position,
                "shift": shift,
                "building": "B1",
                "type": "Full-Time",
                "department": "Production",
                "email": f"{first.lower()}@lakeside.example",
                "workPhone": "",
                "workExtension": "",
                "homePhone": "",
                "mobilePhone": "",
            }
        )
    parts = [
        (
            "LS-4410",
            "C",
            "Seat track bracket",
            [(10, "Blank & pierce", "PRS-250"), (20, "Weld nut", "WLD-07")],
        ),
        ("LS-5120", "A", "Hinge reinforcement", [(10, "Form", "PRS-250"), (30, "CMM check", "CMM-01")]),
    ]
    for number, revision, name, ops in parts:
        part_id = fake_id("part", number, revision)
        data.parts.append(
            {
                "id": part_id,
                "number": number,
                "name": name,
                "revision": revision,
                "description": f"{name}, HSLA 340, 2.0 mm",
                "type": "Production",
                "group": "Stampings",
                "source": "Manufactured",
                "productType": "Component",
                "status": "Production",
                "note": "",
                "leadTimeDays": 5.0,
                "buildingCode": "B1",
                "createdById": fake_id("account", "eng"),
                "createdDate": _ts(1),
                "modifiedById": fake_id("account", "eng"),
                "modifiedDate": _ts(15),
                "allergens": [],
            }
        )
        for seq, _op_name, _wc in ops:
            data.part_operations.append(
                {
                    "id": fake_id("part-operation", number, seq),
                    "partId": part_id,
                    "operationId": fake_id("operation", _op_name),
                    "type": "Standard",
                    "operationNumber": seq,
                    "active": True,
                    "subOperation": False,
                    "shippable": seq == ops[-1][0],
                    "multiple": 1,
                    "netWeight": 0.42,
                }
            )
    specs = [
        ("LS-4410", "C", "S-01", "Pierce hole diameter", 8.5, 0.1, 0.1, "mm"),
        ("LS-4410", "C", "S-02", "Flange height", 22.0, 0.3, 0.3, "mm"),
        ("LS-4410", "C", "S-03", "Weld nut push-out", None, None, None, "kN"),
        ("LS-5120", "A", "S-01", "Hinge hole true position", 0.0, 0.25, 0.0, "mm"),
    ]
    for number, revision, spec_no, description, target, plus, minus, unit in specs:
        tolerance: dict[str, Any] = {
            "name": "Two Sided",
            "attribute": False,
            "target": target,
            "targetPlus": plus,
            "targetMinus": minus,
            "decimalPrecision": 2,
            "unit": unit,
            "oneSidedMinimum": None,
            "oneSidedMaximum": None,
            "measurementText": "",
            "compareValue": "",
            "referenceDisplayPopup": False,
            "referencePopupMessage": "",
            "bonusTolerances": [],
        }
        if target is None:
            tolerance.update(name="One Sided Minimum", oneSidedMinimum=4.0)
        data.part_specifications.append(
            {
                "id": fake_id("spec", number, spec_no),
                "partId": fake_id("part", number, revision),
                "partNumber": number,
                "partRevision": revision,
                "specificationNumber": spec_no,
                "description": description,
                "formula": "",
                "formulaType": "",
                "defaultGageType": "Caliper",
                "plcName": "",
                "specialSymbol": "",
                "customerSpecified": spec_no == "S-01",
                "toleranceType": tolerance,
                "note": description,
                "functionRequirementType": "",
                "specificationDimensionType": "",
                "updatedDateTime": _ts(14),
            }
        )
    for number, revision, _name, _ops in parts:
        data.control_plans.append(
            {
                "id": fake_id("control-plan", number),
                "buildingCode": "B1",
                "buildingId": fake_id("building", "B1"),
                "controlPlanNo": float(len(data.control_plans) + 101),
                "controlPlanStatus": "Active",
                "controlPlanType": "Production",
                "description": f"{number} rev {revision} production control plan",
                "externalDocumentId": "",
                "externalDocumentRevisionLevel": "",
                "originalDate": _ts(2),
            }
        )
    jobs = [
        ("J-24017", "LS-4410", "C", 500, 28),
        ("J-24018", "LS-5120", "A", 240, 29),
        ("J-24019", "LS-4410", "C", 800, 30),
    ]
    for job_no, number, revision, qty, due in jobs:
        job_id = fake_id("job", job_no)
        data.jobs.append(
            {
                "id": job_id,
                "externalJobCode": "",
                "jobNumber": job_no,
                "createdDate": _ts(18),
                "partId": fake_id("part", number, revision),
                "partNumber": number,
                "partRevision": revision,
                "partNumberRevision": f"{number}-{revision}",
                "dueDate": _ts(due, 0),
                "completedDate": None,
                "quantity": float(qty),
                "quantityCompleted": 0.0,
                "jobStatus": "Scheduled",
                "buildingId": fake_id("building", "B1"),
                "buildingCode": "B1",
                "jobType": "Production",
                "earliestStartDateTime": _ts(20),
                "priority": "Normal",
            }
        )
        ops = next(p[3] for p in parts if p[0] == number)
        data.job_operations[job_id] = [
            {
                "jobId": job_id,
                "jobNumber": job_no,
                "partId": fake_id("part", number, revision),
                "partNumber": number,
                "partRevision": revision,
                "partNumberRevision": f"{number}-{revision}",
                "jobOperationId": fake_id("job-operation", job_no, seq),
                "jobOperationNumber": seq,
                "operationCode": op_name,
                "workcenterId": fake_id("workcenter", wc),
                "workcenterCode": wc,
                "quantity": float(qty),
                "quantityCompleted": 0.0,
                "dueDate": _ts(due, 0),
                "scheduledStartDate": _ts(21),
                "completedDate": None,
                "jobOperationStatus": "Scheduled",
                "setupTime": 0.5,
                "rate": 120.0,
                "unitOfMeasure": "pcs/hr",
                "runTime": qty / 120.0,
                "batchCriteria": "",
                "partOperationType": "Standard",
                "batchOperation": False,
                "preProcessOperation": False,
            }
            for seq, op_name, wc in ops
        ]
    for index, (badge, wc, minutes) in enumerate(
        [("410001", "PRS-250", 240), ("410002", "PRS-250", 180), ("410003", "WLD-07", 300)]
    ):
        person = next(p for p in people if p[0] == badge)
        data.labor_entries.append(
            {
                "employee": f"{person[2]}, {person[1]} (Production)",
                "employeeId": fake_id("employee", badge),
                "accountId": fake_id("account", badge),
                "costActivity": "Production",
                "workcenterId": fake_id("workcenter", wc),
                "workcenterCode": wc,
                "jobId": fake_id("job", "J-24017"),
                "jobCode": "J-24017",
                "partId": fake_id("part", "LS-4410", "C"),
                "partNumber": "LS-4410",
                "revision": "C",
                "partNumberRevision": "LS-4410-C",
                "partOperationId": fake_id("part-operation", "LS-4410", 10),
                "operationNumber": 10,
                "operationCode": "Blank & pierce",
                "beginTime": _ts(20, 6 + index),
                "endTime": _ts(20, 6 + index + minutes // 60),
                "duration": minutes,
            }
        )
    _seed_materials(data)
    return data


def _seed_materials(data: FakePlexData) -> None:
    """BOM components (engineering/v1/boms), line-side locations and containers (inventory/v1) for LS-4410."""
    data.inventory_locations.append(
        {
            "id": fake_id("location", "LS-PRS-250"),
            "location": "LS-PRS-250",
            "locationType": "Line side",
            "building": "B1",
            "active": True,
        }  # fmt: skip
    )
    components = [("CL-340-2", "HSLA 340 coil 2.0 mm", "kg", 1.8), ("NUT-M8", "M8 weld nut", "ea", 1.0)]
    # Purchased components are not in mdm/v1/parts here (the sync would make floor parts of them).
    for number, _name, unit, per in components:
        data.boms.append(
            {
                "id": fake_id("bom", "LS-4410", number),
                "partId": fake_id("part", "LS-4410", "C"),
                "partNumber": "LS-4410",
                "partRevision": "C",
                "partOperationId": fake_id(
                    "part-operation", "LS-4410", 10 if number.startswith("CL") else 20
                ),
                "partOperationNumber": 10 if number.startswith("CL") else 20,
                "componentPartId": fake_id("part", number, ""),
                "componentPartNumber": number,
                "componentPartRevision": "",
                "componentUnitOfMeasure": unit,
                "quantity": per,
                "active": True,
            }
        )
    data.containers.append(
        {
            "serialNo": "S0012345",
            "partId": fake_id("part", "CL-340-2", ""),
            "partNo": "CL-340-2",
            "containerStatus": "OK",
            "locationId": fake_id("location", "LS-PRS-250"),
            "location": "LS-PRS-250",
            "quantity": 1250.0,
            "quantityInventoryUnit": "kg",
            "lotNo": "H24-0871",
            "updateDateTime": _ts(20, 5),
        }
    )


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
                self.data.setups[match["id"]]["statusId"] = payload.get("workcenterStatusId")
                answer = {
                    "workcenterId": match["id"],
                    "workcenterStatusId": payload.get("workcenterStatusId"),
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
