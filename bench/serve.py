"""The webhook path end to end: ``aspel-bot serve`` on PostgreSQL, over real HTTP.

Every chat walks the bench journey (``bench.journey``): each update is POSTed to a real
``aspel-bot serve --workers N`` subprocess on 127.0.0.1, as Telegram's webhook does, and the
next is sent once the bot answered the last (a press is built from the keyboard it showed). The
Bot API is a stand-in served over real HTTP on 127.0.0.1 by this process (``BenchApi``'s
answers). The bot's database connections go through ``bench.pgwire``, which counts round trips
and transactions on the wire. Figures, per run:

- updates/s, from the first POST to the first reply of the last update;
- latency: POST to the first reply (message sent or edited) of that update, hold-back included;
- CPU per update of the bot's processes (the uvicorn master and its workers) and of the
  PostgreSQL backends serving the run's database (psutil), and database round trips and
  transactions per update;
- the same journeys through the in-process Application (``bench.workers``, one process, the
  same database and relay): the path the webhook's CPU is compared with.

The load generator, the stand-in and the relay share this process and the machine's cores with
the bot and PostgreSQL: on a small machine they compete, which the figures then include.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import psutil
import psycopg
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench import journey, workers
from bench.dataset import PostgresDatabases
from bench.pgwire import Counts, WireCounter
from bench.telegram import TOKEN, BenchApi, press_update, text_update
from bench.throughput import count_done
from bot.server.app import SECRET_HEADER
from bot.storage.db import Database
from bot.storage.schema import deliveries, inbox

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-0123456789abcdefABCDEF"
DATA_KEY = "Sp9c3g5k4yQxJ0mJ8o1b3nVf7Y2r6tW9a0Z4h8L1eKU="  # a Fernet key for the bench only
WAIT = 60.0  # seconds an answer may take before the run is declared broken
MARKUP = "reply_markup"


@dataclass
class ServeRun:
    label: str
    updates: int
    seconds: float
    latencies: list[float]  # seconds, POST to first reply
    bot_cpu: float  # seconds, the bot's processes
    pg_cpu: float  # seconds, the PostgreSQL backends of the run's database
    counts: Counts
    calls: int = 0  # Bot API calls
    statements: Counter[str] = field(default_factory=Counter)  # round trips per statement

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def per_update(self, value: float) -> float:
        return value / self.updates


class HttpBotApi:
    """``BenchApi`` over HTTP, telling the load generator when a chat was answered."""

    def __init__(self) -> None:
        self.api = BenchApi()
        self.messages: dict[int, int] = {}  # chat -> messages sent or edited there
        self._events: dict[int, asyncio.Event] = {}
        app = Starlette(routes=[Route("/{path:path}", self._call, methods=["POST", "GET"])])
        self.port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
            await asyncio.sleep(0.01)

    async def aclose(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task

    async def _call(self, request: Request) -> Response:
        name = request.url.path.rsplit("/", 1)[-1]
        params = _params(request.headers.get("content-type", ""), await request.body())
        status, body = self.api.answer(name, params)
        if name in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            chat = int(params["chat_id"])
            self.messages[chat] = self.messages.get(chat, 0) + 1
            event = self._events.pop(chat, None)
            if event is not None:
                event.set()
        return Response(body, status_code=status, media_type="application/json")

    async def until(self, chat: int, ok: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT
        while not ok():
            event = self._events.setdefault(chat, asyncio.Event())
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"chat {chat} was not answered within {WAIT:.0f} s")
            try:
                await asyncio.wait_for(event.wait(), left)
            except TimeoutError:
                continue

    def offered(self, chat: int, data: str) -> bool:
        message = self.api.keyboards.get(chat)
        rows = message[MARKUP]["inline_keyboard"] if message else []
        return any(button.get("callback_data") == data for row in rows for button in row)


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    if MARKUP in params:
        params[MARKUP] = json.loads(params[MARKUP])
    return params


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the bot's processes --------------------------------------------------------------------


class Serve:
    """``aspel-bot serve --workers N`` as a subprocess."""

    def __init__(self, url: str, api: str, workers: int, hold_back_ms: float, log: Path) -> None:
        self.port, self.log, self.workers = _free_port(), log, workers
        outbox = tempfile.mkdtemp(prefix="bench-serve-outbox-")
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.env = env | {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DATA_KEYS": DATA_KEY,
            "OUTBOX_DIR": outbox,
            "ARGON2_TIME_COST": "1",  # Argon2Hasher.cheap(): the dataset's hashes, no rehash
            "ARGON2_MEMORY_KIB": "8",
            "LOG_LEVEL": "WARNING",
        }
        self.command = [
            sys.executable, "-m", "bot.cli", "serve", "--database", url,
            "--workers", str(workers), "--port", str(self.port),
            "--hold-back-ms", str(hold_back_ms), "--send-rate", "100000",
        ]  # fmt: skip
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[psutil.Process]:
        assert self.process is not None
        master = psutil.Process(self.process.pid)
        return [master, *master.children(recursive=True)]

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *self.command, cwd=ROOT, env=self.env, stdout=out, stderr=out
            )
        deadline, seen = time.monotonic() + 90, set()
        async with httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)) as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"serve exited: {self.log.read_text()[-2000:]}")
                try:
                    answer = await client.get(f"{self.url}/readyz", timeout=2)
                    if answer.status_code == 200:
                        seen.add(answer.json()["pid"])
                except httpx.HTTPError:
                    pass
                if len(seen) >= self.workers:
                    return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"serve not ready: {self.log.read_text()[-2000:]}")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def _cpu(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent meanwhile; a process born meanwhile counts from zero."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


class Backends:
    """The PostgreSQL server processes serving one database (the server must be local),
    sampled while a run goes on: a connection that comes and goes between two samples of the
    run still counts up to its last sample."""

    def __init__(self, admin_url: str, database: str, every: float = 0.25) -> None:
        url = make_url(admin_url).set(drivername="postgresql")
        self.dsn, self.database, self.every = (
            url.render_as_string(hide_password=False),
            database,
            every,
        )
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    def _sample(self) -> dict[int, float]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)
            ).fetchall()
        return _cpu([psutil.Process(pid) for (pid,) in rows if psutil.pid_exists(pid)])

    async def start(self) -> None:
        self.first = await asyncio.to_thread(self._sample)
        self.last = dict(self.first)
        self._task = asyncio.create_task(self._sampling())

    async def _sampling(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            self.last |= await asyncio.to_thread(self._sample)

    async def stop(self) -> float:
        """CPU seconds spent by the database's backends since ``start``."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.last |= await asyncio.to_thread(self._sample)
        return _spent(self.first, self.last)


# --- the load -------------------------------------------------------------------------------


@dataclass
class Load:
    stand_in: HttpBotApi
    url: str
    latencies: list[float] = field(default_factory=list)
    last_reply: float = 0.0

    async def chat(self, client: httpx.AsyncClient, i: int, gate: asyncio.Semaphore) -> None:
        chat, api, stand_in = journey.chat_id(i), self.stand_in.api, self.stand_in
        for turn in journey.journey(i):
            async with gate:
                if turn.kind == "press":
                    await stand_in.until(chat, lambda d=turn.value: stand_in.offered(chat, d))
                    update = press_update(api, chat, turn.value)
                else:
                    update = text_update(api, chat, turn.value)
                said = stand_in.messages.get(chat, 0)
                began = time.perf_counter()
                answer = await client.post(self.url, json=update, headers={SECRET_HEADER: SECRET})
                if answer.status_code != 200:
                    raise RuntimeError(f"the webhook answered {answer.status_code}")
                await stand_in.until(chat, lambda s=said: stand_in.messages.get(chat, 0) > s)
                self.last_reply = time.perf_counter()
                self.latencies.append(self.last_reply - began)


async def _drained(url: str) -> None:
    """Until no update is pending and every reply was sent (the run's last turns)."""
    db = Database(url)
    unsent = deliveries.c.sent_at.is_(None)
    pending = inbox.c.processed_at.is_(None)

    def left(conn: Any) -> int:
        waiting = conn.execute(select(func.count()).where(pending)).scalar_one()
        return int(waiting) + int(conn.execute(select(func.count()).where(unsent)).scalar_one())

    try:
        deadline = time.monotonic() + WAIT
        while await db.read(left):
            if time.monotonic() > deadline:
                raise RuntimeError("the inbox or the deliveries did not drain")
            await asyncio.sleep(0.1)
    finally:
        await db.aclose()


async def serve_run(
    admin_url: str, url: str, workers_: int, chats: int, window: int, hold_back_ms: float
) -> ServeRun:
    wire = WireCounter(url)
    await wire.start()
    stand_in = HttpBotApi()
    await stand_in.start()
    database = make_url(url).database or ""
    log = Path(tempfile.mkdtemp(prefix="bench-serve-")) / "serve.log"
    serve = Serve(wire.url_for(), stand_in.url, workers_, hold_back_ms, log)
    backends = Backends(admin_url, database)
    try:
        await serve.start()
        load = Load(stand_in, f"{serve.url}/telegram")
        gate = asyncio.Semaphore(window)
        limits = httpx.Limits(max_connections=window, max_keepalive_connections=window)
        async with httpx.AsyncClient(limits=limits, timeout=WAIT) as client:
            counts, bot = wire.snapshot(), _cpu(serve.processes())
            statements = Counter(wire.statements)
            await backends.start()
            calls = sum(stand_in.api.calls.values())
            began = time.perf_counter()
            await asyncio.gather(*(load.chat(client, i, gate) for i in range(chats)))
            seconds = load.last_reply - began
            await _drained(url)
            spent = wire.snapshot() - counts
            statements = wire.statements - statements
            bot_cpu = _spent(bot, _cpu(serve.processes()))
            pg_cpu = await backends.stop()
            calls = sum(stand_in.api.calls.values()) - calls
    finally:
        await serve.stop()
        await stand_in.aclose()
        await wire.aclose()
    await _check(url, chats)
    label = f"serve, {workers_} worker{'s' if workers_ > 1 else ''}"
    updates = len(load.latencies)
    return ServeRun(
        label, updates, seconds, load.latencies, bot_cpu, pg_cpu, spent, calls, statements
    )


async def in_process_run(admin_url: str, url: str, chats: int, window: int) -> ServeRun:
    """The same journeys through the in-process Application, one process, via the relay."""
    wire = WireCounter(url)
    await wire.start()
    backends = Backends(admin_url, make_url(url).database or "")
    try:
        counts, statements = wire.snapshot(), Counter(wire.statements)
        await backends.start()
        run = await workers.one_run(wire.url_for(), chats, 1, window)
        spent, pg_cpu = wire.snapshot() - counts, await backends.stop()
        statements = wire.statements - statements
    finally:
        await wire.aclose()
    label = "in-process Application"
    return ServeRun(label, run.updates, run.seconds, [], run.cpu, pg_cpu, spent, 0, statements)


async def _check(url: str, chats: int) -> None:
    emails, finished = await count_done(url)
    if (emails, finished) != (chats * journey.EMAILS_PER_CHAT, chats):
        raise RuntimeError(f"{chats} journeys left {emails} e-mails, {finished} finished")


async def measure(
    dbs: PostgresDatabases,
    template: str,
    chats: int,
    reps: int,
    window: int,
    hold_back_ms: float,
    log: Callable[[str], None] = print,
) -> dict[str, list[ServeRun]]:
    runs: dict[str, list[ServeRun]] = {}
    kinds: list[int | None] = [1, 2, None]  # None: the in-process Application
    for rep in range(reps):
        for kind in kinds if rep % 2 == 0 else kinds[::-1]:
            url = dbs.clone(template)
            try:
                if kind is None:
                    run = await in_process_run(dbs.admin_url, url, chats, window)
                else:
                    run = await serve_run(dbs.admin_url, url, kind, chats, window, hold_back_ms)
            finally:
                dbs.drop(url)
            runs.setdefault(run.label, []).append(run)
            for sql, n in run.statements.most_common(14):
                log(f"    {n / run.updates:5.2f}/update  {sql}")
            log(
                f"  {run.label}, rep {rep + 1}/{reps}: {run.per_second:,.1f} updates/s,"
                f" {run.per_update(run.bot_cpu) * 1e3:.1f} + {run.per_update(run.pg_cpu) * 1e3:.1f}"
                f" ms CPU/update, {run.per_update(run.counts.round_trips):.1f} round trips/update"
            )
    return runs


def rows(runs: dict[str, list[ServeRun]]) -> list[tuple[str, str, str]]:
    """The figures of ``measure`` as the report's rows (figure, value, goal)."""
    from bench.measure import Figure, percentile

    def fig(values: list[float], digits: int = 1) -> str:
        return Figure.of(values).show(digits)

    out: list[tuple[str, str, str]] = []
    for label, group in runs.items():
        out.append((f"{label}: updates/s", fig([r.per_second for r in group]), ""))
        if group[0].latencies:
            shown = " / ".join(
                fig([percentile(r.latencies, q) * 1e3 for r in group], 0) for q in (50, 90, 99)
            )
            out.append((f"{label}: latency p50 / p90 / p99, ms", shown, ""))
        for name, pick in (
            ("bot CPU ms/update", lambda r: r.per_update(r.bot_cpu) * 1e3),
            ("PostgreSQL CPU ms/update", lambda r: r.per_update(r.pg_cpu) * 1e3),
            ("round trips/update", lambda r: r.per_update(r.counts.round_trips)),
            ("transactions/update", lambda r: r.per_update(r.counts.transactions)),
        ):
            out.append((f"{label}: {name}", fig([pick(r) for r in group], 2), ""))
        if group[0].calls:
            out.append(
                (f"{label}: Bot API calls/update", fig([r.calls / r.updates for r in group], 2), "")
            )
    one, two = runs.get("serve, 1 worker", []), runs.get("serve, 2 workers", [])
    local = runs.get("in-process Application", [])
    if one and local:
        ratio = [
            (a.bot_cpu + a.pg_cpu) / a.updates / ((b.bot_cpu + b.pg_cpu) / b.updates)
            for a, b in zip(one, local, strict=True)
        ]
        out.append(
            (
                "serve (1 worker) / in-process, bot + PostgreSQL CPU per update",
                fig(ratio, 2),
                "≤ 2.0",
            )
        )
    if one and two:
        scale = [b.per_second / a.per_second for a, b in zip(one, two, strict=True)]
        out.append(
            ("serve: 2 workers / 1 worker, updates/s", fig(scale, 2), "≥ 1.5 (cores of their own)")
        )
    return out
