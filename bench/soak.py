"""`make soak`: a plant's shift in production mode, with faults, on this machine's PostgreSQL and Redis.

Deploys as README "Deployment" does — two daphne workers, the supervised `run_worker`, PostgreSQL with the pool,
Redis for the channel layer and cache — but every connection to PostgreSQL and Redis goes through a TCP proxy of
this script on 127.0.0.1, so it can cut them. Then, with an asyncio client (aiohttp):

1. idle websockets (Andon boards) held for SOAK_IDLE_SECONDS (default 600) while the shift's load runs:
   200 concurrent copilot conversations, 200 concurrent work-order scans, steady step views;
2. PostgreSQL cut for 10 s while operators raise Andon calls and report defects (retrying with the same key);
3. Redis cut for 10 s while operators sign in and raise Andon calls;
4. the worker killed (SIGKILL) while it drafts NCR triage;
5. the audit trail verified, its last events deleted, verified again.

Writes soak-results.json (a flat object of numbers) and prints `name: value` lines. Loopback only; every loop is
bounded and the whole run stops by itself. Environment: SOAK_IDLE_SECONDS, SOAK_PG (postgres://...:5432 admin URL,
default postgres://postgres@127.0.0.1:5432/test), SOAK_REDIS (default redis://127.0.0.1:6379/11),
SOAK_DB (default plexcopilot_soak), SOAK_POOL (per daphne worker, default 20).
"""

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import psycopg

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
DAPHNE = str(Path(PY).with_name("daphne"))
IDLE_SECONDS = int(os.environ.get("SOAK_IDLE_SECONDS", "600"))
PG_ADMIN = os.environ.get("SOAK_PG", "postgres://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("SOAK_REDIS", "redis://127.0.0.1:6379/11")
DB = os.environ.get("SOAK_DB", "plexcopilot_soak")
POOL = int(os.environ.get("SOAK_POOL", "20"))
WORKER_POOL = 4
STATION, BADGE, PIN = "ST-PRS-400", "100101", "4821"
WORK_ORDER = "WO-24123-10"
DESK_USER, DESK_PASSWORD = "200201", "northfield-demo"
QUESTIONS = ["how do I clear a jam on station 5?", "what torque for the clamp bolts?", "die set change steps",
             "light curtain test", "strip feed pitch", "what if the part has burrs?"]  # fmt: skip


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


# --- TCP proxy: the faults ------------------------------------------------------------------------


class Proxy:
    """Forwards 127.0.0.1:port to a target; `cut()` drops every connection and refuses new ones until `restore()`."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name, self.target = name, (host, port)
        self.down = False
        self.writers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*self.target), 5)
        except (OSError, TimeoutError, asyncio.CancelledError):
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while not self.down and (data := await src.read(65536)):
                    dst.write(data)
                    await dst.drain()
            except (OSError, ConnectionError):
                pass
            finally:
                dst.close()
                self.writers.discard(dst)

        # Connections still open when the run ends are cancelled by asyncio.run; on Python 3.12.1 the stream
        # server's done-callback then prints a traceback per connection (task.exception() of a cancelled task).
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        self.down = True
        for writer in list(self.writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self.writers.clear()
        log(f"{self.name} CUT")

    def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()

    def restore(self) -> None:
        self.down = False
        log(f"{self.name} restored")


# --- The deployment ---------------------------------------------------------------------------------


class Deployment:
    def __init__(self, pg_proxy: int, redis_proxy: int) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="plexcopilot-soak-"))
        pg = urlparse(PG_ADMIN)
        redis = urlparse(REDIS)
        self.direct_url = f"postgres://{pg.username or 'postgres'}@{pg.hostname}:{pg.port or 5432}/{DB}"
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_ALLOW"))
        }
        self.env = {
            **base,
            "PLEXCOPILOT_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": f"postgres://{pg.username or 'postgres'}@127.0.0.1:{pg_proxy}/{DB}",
            "REDIS_URL": f"redis://127.0.0.1:{redis_proxy}{redis.path or '/11'}",
            "REDIS_PREFIX": f"soak{os.getpid()}",
            "SECRET_KEY": uuid.uuid4().hex * 2,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DB_POOL_MAX_SIZE": str(POOL),
            "DB_POOL_TIMEOUT_SECONDS": "10",
            "LOG_LEVEL": "WARNING",
            "WORKER_HEARTBEAT_STALE_SECONDS": "20",
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: list[int] = []

    def manage(
        self, *args: str, check: bool = True, direct: bool = False
    ) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "DATABASE_URL": self.direct_url} if direct else self.env
        result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=900)  # fmt: skip
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def create_database(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB}"')
        for step in (("migrate", "--noinput"), ("load_demo_plant",), ("import_ncrs", "demo/ncr_history.csv"),
                     ("build_index",)):  # fmt: skip
            started = time.monotonic()
            self.manage(*step, direct=True)
            log(f"{' '.join(step)}: {time.monotonic() - started:.0f} s")

    def start(self) -> None:
        for n in range(2):
            port = free_port()
            self.ports.append(port)
            out = open(self.data_dir / f"daphne{n}.log", "wb")  # noqa: SIM115 — closed with the process
            self.procs[f"daphne{n}"] = subprocess.Popen(
                [DAPHNE, "-b", "127.0.0.1", "-p", str(port), "--websocket_connect_timeout", "30",
                 "plexcopilot.asgi:application"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        out = open(self.data_dir / "worker.log", "wb")  # noqa: SIM115
        self.procs["worker"] = subprocess.Popen([PY, "manage.py", "run_worker", "--interval", "0.5"], cwd=ROOT,
                                                env={**self.env, "DB_POOL_MAX_SIZE": str(WORKER_POOL)},
                                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    def drop(self) -> None:
        with contextlib.suppress(Exception), psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.direct_url, autocommit=True) as conn:
            return list(conn.execute(query, params).fetchall())

    @property
    def connection_cap(self) -> int:
        # two daphne pools, the worker child's pool and the supervisor's (one connection at a time)
        return 2 * POOL + WORKER_POOL + WORKER_POOL


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The client ---------------------------------------------------------------------------------------


class Tablet:
    """One browser session (cookies, CSRF) against one of the workers, like a tablet behind the proxy."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=60)
        )

    def csrf(self) -> str:
        for cookie in self.session.cookie_jar:
            if cookie.key == "csrftoken":
                return cookie.value
        return ""

    async def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + path, **kwargs.pop("headers", {})}
        async with self.session.post(self.base + path, data=data, headers=headers, allow_redirects=False,
                                     **kwargs) as response:  # fmt: skip
            return response.status, (
                await response.text()
            ) if response.status != 302 else response.headers.get("Location", "")

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.base + path, allow_redirects=False) as response:
            return response.status, await response.text()

    async def station_signin(self) -> bool:
        await self.get(f"/station/{STATION}/")
        status, _ = await self.post(f"/station/{STATION}/", {"badge": BADGE, "pin": PIN})
        return status == 302

    async def desk_signin(self) -> bool:
        await self.get("/accounts/login/")
        status, _ = await self.post("/accounts/login/", {"username": DESK_USER, "password": DESK_PASSWORD})
        return status == 302

    async def scan(self) -> tuple[int, str]:
        return await self.post("/station/scan/", {"code": WORK_ORDER})

    def ws(self, path: str) -> Any:
        return self.session.ws_connect(self.base.replace("http", "ws", 1) + path, origin=self.base,
                                       heartbeat=None, autoping=True, timeout=aiohttp.ClientWSTimeout(ws_close=5))  # fmt: skip

    async def close(self) -> None:
        await self.session.close()


async def retrying(call: Any, tablet: "Tablet", *, budget: float = 90.0) -> tuple[bool, list[int]]:
    """Submit like the page does: on a 5xx or a dropped connection, wait and send the same form again; signed out
    (a station idle for STATION_IDLE_TIMEOUT_SECONDS), sign in again first, as the operator would."""
    statuses: list[int] = []
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        try:
            status, _ = await call()
        except (aiohttp.ClientError, TimeoutError, OSError):
            status = 0
        statuses.append(status)
        if status == 200:
            return True, statuses
        if status in (302, 204):  # signed out: the page would show the sign-in screen
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError, AssertionError):
                await tablet.station_signin()
        await asyncio.sleep(1.0)
    return False, statuses


# --- Phases ---------------------------------------------------------------------------------------------


class Soak:
    def __init__(self, dep: Deployment, pg: Proxy, redis: Proxy) -> None:
        self.dep, self.pg, self.redis = dep, pg, redis
        self.results: dict[str, float] = {}
        self.connections_max = 0
        self.sampling = True
        self.bases = [f"http://127.0.0.1:{port}" for port in dep.ports]

    def base(self, n: int) -> str:
        return self.bases[n % len(self.bases)]

    async def sample_connections(self) -> None:
        async with await psycopg.AsyncConnection.connect(PG_ADMIN, autocommit=True) as conn:
            while self.sampling:
                row = await (await conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [DB])).fetchone()  # fmt: skip
                self.connections_max = max(self.connections_max, int(row[0]) if row else 0)
                await asyncio.sleep(0.25)

    async def wait_ready(self) -> None:
        async with aiohttp.ClientSession() as session:
            for base in self.bases:
                for _ in range(240):
                    with contextlib.suppress(aiohttp.ClientError, OSError):
                        async with session.get(base + "/healthz") as response:
                            if response.status == 200:
                                break
                    await asyncio.sleep(0.5)
                else:
                    raise RuntimeError(f"{base} never became ready")

    async def station_tablets(self, n: int) -> list[Tablet]:
        tablets = [Tablet(self.base(i)) for i in range(n)]
        for tablet in tablets:
            assert await tablet.station_signin(), "station sign-in failed"
        return tablets

    # 1. idle websockets while the load runs
    async def idle_sockets(self, count: int, seconds: float) -> int:
        desk = [Tablet(self.base(i)) for i in range(2)]
        for tablet in desk:
            assert await tablet.desk_signin(), "desk sign-in failed"
        drops = 0
        end = time.monotonic() + seconds

        async def hold(n: int) -> None:
            nonlocal drops
            tablet = desk[n % 2]
            while time.monotonic() < end:
                try:
                    async with tablet.ws("/ws/labor/andon/") as ws:
                        while (left := end - time.monotonic()) > 0:
                            try:
                                message = await asyncio.wait_for(ws.receive(), left)  # pings do not extend it
                            except TimeoutError:
                                return  # the window closed with the socket open
                            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                                aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSING):  # fmt: skip
                                drops += 1
                                log(f"idle socket {n} dropped: {message.type} {message.data}")
                                break
                except (aiohttp.ClientError, OSError):
                    drops += 1
                await asyncio.sleep(1)  # reconnect, as the page does

        await asyncio.gather(*(hold(n) for n in range(count)))
        for tablet in desk:
            await tablet.close()
        return drops

    async def copilot_streams(self, tablets: list[Tablet], execution: int, count: int) -> None:
        first_tokens: list[float] = []
        completed = 0

        async def converse(n: int) -> None:
            nonlocal completed
            tablet = tablets[n % len(tablets)]
            try:
                async with tablet.ws(f"/ws/copilot/{execution}/1/") as ws:
                    await asyncio.wait_for(ws.receive(), 60)  # the conversation so far
                    sent = time.monotonic()
                    await ws.send_str(json.dumps({"question": QUESTIONS[n % len(QUESTIONS)], "HEADERS": {}}))
                    first = None
                    deadline = sent + 120
                    while time.monotonic() < deadline:
                        message = await asyncio.wait_for(ws.receive(), max(deadline - time.monotonic(), 0.1))
                        if message.type != aiohttp.WSMsgType.TEXT:
                            return
                        text = message.data
                        if first is None and 'hx-swap-oob="beforeend"><span>' in text:
                            first = time.monotonic() - sent
                        if 'hx-swap-oob="outerHTML" id="copilot-msg-' in text:
                            completed += 1
                            first_tokens.append(first if first is not None else time.monotonic() - sent)
                            return
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                log(f"copilot stream {n} failed: {error!r}")

        await asyncio.gather(*(converse(n) for n in range(count)))
        self.results["copilot_200_streams_completed"] = completed
        self.results["copilot_first_token_p95_s"] = round(p95(first_tokens), 3)
        self.results["copilot_first_token_median_s"] = (
            round(statistics.median(first_tokens), 3) if first_tokens else 0
        )

    async def concurrent_scans(self, tablets: list[Tablet], count: int) -> None:
        latencies: list[float] = []
        errors = 0

        async def scan(n: int) -> None:
            nonlocal errors
            started = time.monotonic()
            try:
                status, _ = await tablets[n % len(tablets)].scan()
            except (aiohttp.ClientError, TimeoutError, OSError):
                status = 0
            latencies.append(time.monotonic() - started)
            if not (200 <= status < 400):
                errors += 1

        await asyncio.gather(*(scan(n) for n in range(count)))
        self.results["scan_200_concurrent_errors"] = errors
        self.results["scan_p95_s"] = round(p95(latencies), 3)
        self.results["scan_median_s"] = round(statistics.median(latencies), 3)

    async def shift_traffic(self, tablets: list[Tablet], run_path: str, until: float) -> int:
        """Steady light traffic: step views and scans, a few a second, until the idle window ends."""
        done = 0
        while time.monotonic() < until:
            for tablet in tablets[:4]:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                    await tablet.get(run_path)
                    done += 1
            await asyncio.sleep(2)
        return done

    # 2. PostgreSQL cut while entries are made
    async def pg_outage(self, tablets: list[Tablet], run_path: str) -> None:
        keys: dict[str, str] = {}
        statuses: list[int] = []

        async def entry(n: int) -> None:
            await asyncio.sleep(n * 0.5)
            tablet = tablets[n % len(tablets)]
            key = f"pg{n:03d}{uuid.uuid4().hex[:12]}"
            if n % 2:
                keys[key] = "andon"
                ok, seen = await retrying(lambda: tablet.post("/labor/station/andon/", {
                    "category": "material", "note": f"pg outage {key}", "idempotency_key": key}), tablet)  # fmt: skip
            else:
                keys[key] = "defect"
                ok, seen = await retrying(lambda: tablet.post(run_path + "defect/", {
                    "category": "surface", "quantity": "1", "description": f"pg outage {key}",
                    "idempotency_key": key}), tablet)  # fmt: skip
            statuses.extend(seen)

        async def fault() -> None:
            await asyncio.sleep(2)
            self.pg.cut()
            await asyncio.sleep(10)
            self.pg.restore()

        await asyncio.gather(fault(), *(entry(n) for n in range(30)))
        andon = {k for (k,) in self.dep.sql("SELECT idempotency_key FROM labor_andoncall WHERE idempotency_key = ANY(%s)", [list(keys)])}  # fmt: skip
        defects = {k for (k,) in self.dep.sql("SELECT idempotency_key FROM quality_defectreport WHERE idempotency_key = ANY(%s)", [list(keys)])}  # fmt: skip
        self.results["pg_outage_entries"] = len(keys)
        self.results["pg_outage_lost_entries"] = len(set(keys) - andon - defects)
        self.results["pg_outage_503_responses"] = statuses.count(503)
        self.results["pg_outage_500_responses"] = statuses.count(500)

    # 3. Redis cut while operators sign in and raise Andon calls
    async def redis_outage(self, tablets: list[Tablet]) -> None:
        notes: list[str] = []
        statuses: list[int] = []
        signin_errors = 0

        async def raise_call(n: int) -> None:
            await asyncio.sleep(n * 0.5)
            tablet = tablets[n % len(tablets)]
            key = f"rd{n:03d}{uuid.uuid4().hex[:12]}"
            note = f"redis outage {key}"
            notes.append(note)
            _ok, seen = await retrying(lambda: tablet.post("/labor/station/andon/", {
                "category": "maintenance", "note": note, "idempotency_key": key}), tablet)  # fmt: skip
            statuses.extend(seen)

        async def sign_in(n: int) -> None:
            nonlocal signin_errors
            await asyncio.sleep(4 + n)
            tablet = Tablet(self.base(n))
            try:
                if not await tablet.station_signin():
                    signin_errors += 1
            except (aiohttp.ClientError, TimeoutError, OSError):
                signin_errors += 1
            finally:
                await tablet.close()

        async def fault() -> None:
            await asyncio.sleep(2)
            self.redis.cut()
            await asyncio.sleep(10)
            self.redis.restore()

        await asyncio.gather(fault(), *(raise_call(n) for n in range(20)), *(sign_in(n) for n in range(5)))
        rows = self.dep.sql(
            "SELECT note, count(*) FROM labor_andoncall WHERE note = ANY(%s) GROUP BY note", [notes]
        )
        self.results["redis_outage_andons"] = len(notes)
        self.results["redis_outage_andons_saved"] = len(rows)
        self.results["redis_outage_duplicate_andons"] = sum(count - 1 for _note, count in rows)
        self.results["redis_outage_5xx_responses"] = sum(1 for s in statuses if s >= 500)
        self.results["redis_outage_signin_errors"] = signin_errors
        # the board catches up: a (re)connecting board shows every call raised during the outage
        desk = Tablet(self.base(0))
        caught_up = 0
        await desk.desk_signin()
        for attempt in range(5):  # as the page does: a failed socket reconnects after a pause
            try:
                async with desk.ws("/ws/labor/andon/") as ws:
                    board = (await asyncio.wait_for(ws.receive(), 30)).data
                    caught_up = int(all(note in board for note in notes))
                    break
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                log(f"board after the Redis outage, attempt {attempt + 1}: {type(error).__name__}")
                await asyncio.sleep(2)
        await desk.close()
        self.results["redis_outage_board_caught_up"] = caught_up

    # 4. the worker killed while it drafts
    async def worker_kill(self, tablets: list[Tablet], run_path: str, drafts: int = 12) -> None:
        keys = [f"wk{n:03d}{uuid.uuid4().hex[:12]}" for n in range(drafts)]
        await asyncio.gather(*(retrying(lambda k=k, n=n: tablets[n % len(tablets)].post(run_path + "defect/", {
            "category": "dimensional", "quantity": "1", "description": f"Bore oversize 18.03 mm {k}",
            "idempotency_key": k}), tablets[n % len(tablets)]) for n, k in enumerate(keys)))  # fmt: skip
        killed = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            running = self.dep.sql(
                "SELECT t.worker_ids FROM django_tasks_database_dbtaskresult t WHERE t.status = 'RUNNING' "
                "AND t.task_path LIKE %s", ["%ncr_triage_task"])  # fmt: skip
            for (worker_ids,) in running:
                owner = (worker_ids or [""])[-1]
                pid = self.dep.sql(
                    "SELECT pid FROM plexcopilot_workerheartbeat WHERE worker_id = %s", [owner]
                )
                if pid:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid[0][0]), signal.SIGKILL)
                        killed = 1
                        log(f"worker {owner} (pid {pid[0][0]}) killed mid-task")
                        break
            await asyncio.sleep(0.02)
        self.results["worker_killed_mid_task"] = killed
        ready = 0
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            rows = self.dep.sql(
                "SELECT d.status FROM quality_ncrtriagedraft d JOIN quality_ncr n ON d.ncr_id = n.id "
                "JOIN quality_defectreport r ON n.defect_id = r.id WHERE r.idempotency_key = ANY(%s)", [keys])  # fmt: skip
            ready = sum(1 for (status,) in rows if status == "ready")
            if ready == drafts:
                break
            await asyncio.sleep(1)
        self.results["worker_kill_drafts"] = drafts
        self.results["worker_kill_drafts_recovered"] = ready

    # 5. audit truncation
    def audit_truncation(self) -> None:
        before = self.dep.manage("verify_audit", check=False, direct=True)
        self.results["audit_intact_before"] = int(before.returncode == 0)
        if before.returncode:
            log(f"audit before truncation: {before.stderr.strip()[-300:]}")
        with psycopg.connect(
            self.dep.direct_url, autocommit=False
        ) as conn:  # the table owner, as an intruder
            conn.execute("SELECT set_config('plexcopilot.audit_guard', 'off', true)")
            conn.execute("DELETE FROM plexcopilot_auditevent WHERE id IN "
                         "(SELECT id FROM plexcopilot_auditevent ORDER BY id DESC LIMIT 3)")  # fmt: skip
            conn.commit()
        after = self.dep.manage("verify_audit", check=False, direct=True)
        self.results["audit_truncation_detected"] = int(
            after.returncode != 0 and "deleted from its end" in after.stderr
        )

    async def run(self) -> None:
        sampler = asyncio.create_task(self.sample_connections())
        await self.wait_ready()
        tablets = await self.station_tablets(10)
        status, location = await tablets[0].scan()
        match = re.search(r"/station/run/(\d+)/", location)
        assert status == 302 and match, (status, location[:200])
        execution = int(match.group(1))
        run_path = f"/station/run/{execution}/1/"
        log(
            f"deployment ready on {', '.join(self.bases)}; execution {execution}; idle window {IDLE_SECONDS} s"
        )

        started = time.monotonic()
        idle = asyncio.create_task(self.idle_sockets(20, IDLE_SECONDS))
        await asyncio.sleep(3)
        await self.copilot_streams(tablets, execution, 200)
        log(f"copilot: {self.results['copilot_200_streams_completed']}/200")
        await self.concurrent_scans(tablets, 200)
        log(f"scans: {self.results['scan_200_concurrent_errors']} errors")
        await self.shift_traffic(tablets, run_path, started + IDLE_SECONDS - 2)
        self.results["ws_idle_drops_10min"] = await idle
        self.results["ws_idle_seconds"] = IDLE_SECONDS
        log(f"idle sockets: {self.results['ws_idle_drops_10min']} drops in {IDLE_SECONDS} s")

        await self.pg_outage(tablets, run_path)
        log(f"pg outage: {self.results['pg_outage_lost_entries']} lost")
        await self.redis_outage(tablets)
        log(f"redis outage: {self.results['redis_outage_duplicate_andons']} duplicates")
        worker_pid = self.dep.procs["worker"].pid
        await self.worker_kill(tablets, run_path)
        self.results["worker_supervisor_alive"] = int(self.dep.procs["worker"].poll() is None)
        log(f"worker kill: {self.results['worker_kill_drafts_recovered']}/{self.results['worker_kill_drafts']} "
            f"(supervisor pid {worker_pid})")  # fmt: skip
        for tablet in tablets:
            await tablet.close()
        self.sampling = False
        await sampler
        self.results["db_connections_max"] = self.connections_max
        self.results["db_connections_cap"] = self.dep.connection_cap
        self.audit_truncation()


ORDER = [
    "ws_idle_drops_10min", "ws_idle_seconds", "copilot_200_streams_completed", "copilot_first_token_p95_s",
    "copilot_first_token_median_s", "scan_200_concurrent_errors", "scan_p95_s", "scan_median_s",
    "db_connections_max", "db_connections_cap", "pg_outage_entries", "pg_outage_lost_entries",
    "pg_outage_503_responses", "pg_outage_500_responses", "redis_outage_andons", "redis_outage_andons_saved",
    "redis_outage_duplicate_andons", "redis_outage_5xx_responses", "redis_outage_signin_errors",
    "redis_outage_board_caught_up", "worker_killed_mid_task", "worker_kill_drafts", "worker_kill_drafts_recovered",
    "worker_supervisor_alive", "audit_intact_before", "audit_truncation_detected",
]  # fmt: skip


async def main() -> int:
    pg_target = urlparse(PG_ADMIN)
    redis_target = urlparse(REDIS)
    pg = Proxy("PostgreSQL", pg_target.hostname or "127.0.0.1", pg_target.port or 5432)
    redis = Proxy("Redis", redis_target.hostname or "127.0.0.1", redis_target.port or 6379)
    dep = Deployment(await pg.start(), await redis.start())
    soak = Soak(dep, pg, redis)
    try:
        await asyncio.to_thread(dep.create_database)
        dep.start()
        soak.bases = [f"http://127.0.0.1:{port}" for port in dep.ports]
        await asyncio.wait_for(soak.run(), timeout=IDLE_SECONDS + 1500)
    finally:
        soak.sampling = False
        pg.close()
        redis.close()
        dep.stop()
        logs = ROOT / "var" / "soak-logs"
        shutil.rmtree(logs, ignore_errors=True)
        shutil.copytree(
            dep.data_dir, logs, ignore=shutil.ignore_patterns("chroma", "media", "*.sqlite3*", "*key*")
        )
        dep.drop()
    results = {name: soak.results[name] for name in ORDER if name in soak.results}
    (ROOT / "soak-results.json").write_text(json.dumps(results, indent=2) + "\n")
    for name, value in results.items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
