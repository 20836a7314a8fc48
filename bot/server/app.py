"""One worker process of ``aspel-bot serve``: a Starlette app and its background tasks.

Routes: ``POST <path>`` (the webhook), ``GET /healthz`` (the process answers), ``GET /readyz``
(the database answers and the Bot API was reached), ``GET /metrics`` (Prometheus).

The webhook checks Telegram's secret-token header, stores the update in the inbox and answers
200 only once it is committed: a worker that dies loses nothing that Telegram was told it had.
A database that cannot store it answers 503, and Telegram delivers it again later.

Background tasks: the processor (inbox -> handlers -> engine -> replies), the sweeper (stored
deadlines) and the e-mail relay, each surviving a database restart on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.request import BaseRequest

from bot.bootstrap import App, build, hasher_from
from bot.domain.ports import PasswordHasher
from bot.mail_relay import OutboxRelay, transport_from_settings
from bot.report.metrics import FunnelCollector
from bot.server import metrics
from bot.server.channel import TelegramChannel, build_application
from bot.server.inbox import Inbox, chat_key_of
from bot.server.locks import AdvisoryChatLocks, ChatLocks, LocalChatLocks
from bot.server.processor import Processor, ProcessorOptions
from bot.server.timers import HANDOFF_REMINDER, Sweeper, Timers
from bot.settings import Settings
from bot.storage.db import is_sqlite

log = logging.getLogger(__name__)

OPTIONS_ENV = "ASPEL_SERVE_OPTIONS"  # how ``serve`` hands its options to worker processes
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LENGTH_HEADER = "Content-Length"
MAX_BODY = 1_000_000  # bytes; Telegram's updates are far smaller
READY_TIMEOUT = 2.0
SWEEPER_LOCKS = 2  # chat locks kept for the sweeper beside the processor's


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ServerOptions:
    database: str | None = None
    path: str = "/telegram"
    workers: int = 1
    hold_back_ms: float = 150.0
    concurrency: int = 8
    poll_seconds: float = 0.25
    sweep_seconds: float = 5.0
    relay_poll_seconds: float = 2.0
    relay_lease_seconds: float = 60.0
    send_rate: float = 30.0  # Bot API calls per second for the whole deployment
    reminder_minutes: float = 10.0
    metrics_dir: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> ServerOptions:
        return cls(**json.loads(raw))

    def processor(self) -> ProcessorOptions:
        return ProcessorOptions(
            hold_back=timedelta(milliseconds=self.hold_back_ms),
            concurrency=self.concurrency,
            poll=self.poll_seconds,
        )


class Worker:
    def __init__(
        self,
        options: ServerOptions,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        hasher: PasswordHasher | None = None,
        request: BaseRequest | None = None,
    ) -> None:
        assert settings.telegram_bot_token is not None, "TELEGRAM_BOT_TOKEN is not set"
        assert settings.telegram_webhook_secret is not None, "TELEGRAM_WEBHOOK_SECRET is not set"
        self.options, self.settings, self.clock = options, settings, clock
        self.hasher, self.request = hasher or hasher_from(settings), request
        self.secret = settings.telegram_webhook_secret.get_secret_value().encode()
        self.ready = False
        self.booted = asyncio.Event()  # the Bot API was reached and the tasks run
        self._tasks: list[asyncio.Task[Any]] = []

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        settings, options = self.settings, self.options
        self.app: App = await build(settings, clock=self.clock, hasher=self.hasher, migrate=False)
        self.inbox = Inbox(self.app.db)
        self.timers = Timers(self.app.db)
        self.locks = self._locks()
        application, customer = build_application(
            self.app,
            settings.telegram_bot_token.get_secret_value(),  # type: ignore[union-attr]
            send_rate=options.send_rate / options.workers,
            request=self.request,
        )
        self.channel = TelegramChannel(
            self.app,
            application,
            customer,
            self.timers,
            reminder_after=timedelta(minutes=options.reminder_minutes),
            clock=self.clock,
        )
        self.processor = Processor(
            self.inbox, self.locks, self.channel.process, self.clock, options.processor()
        )
        idle = timedelta(minutes=settings.idle_timeout_minutes)
        funnel = FunnelCollector.from_db(self.app.db, idle=idle)
        self.registry = metrics.registry(options.metrics_dir, funnel)
        self._tasks.append(asyncio.create_task(self._boot(), name="boot"))

    async def _boot(self) -> None:
        """Reach the Bot API, then start serving: the webhook already stores updates meanwhile."""
        options = self.options
        await self.channel.start()
        sweeper = Sweeper(
            timers=self.timers,
            inbox=self.inbox,
            locks=self.locks,
            engine=self.app.engine,
            tell=self.channel.tell,
            actions={HANDOFF_REMINDER: self.channel.remind},
            clock=self.clock,
        )
        relay = OutboxRelay(
            self.app.db,
            transport_from_settings(self.settings),
            self.clock,
            lease=timedelta(seconds=options.relay_lease_seconds),
        )
        self._tasks += [
            asyncio.create_task(self.processor.run(), name="processor"),
            asyncio.create_task(sweeper.run(options.sweep_seconds), name="sweeper"),
            asyncio.create_task(relay.run_forever(options.relay_poll_seconds), name="relay"),
        ]
        self.ready = True
        self.booted.set()
        log.info("worker %d serving", os.getpid())

    def _locks(self) -> ChatLocks:
        if is_sqlite(self.settings.database_url):
            return LocalChatLocks()
        size = self.options.concurrency + SWEEPER_LOCKS
        return AdvisoryChatLocks(self.settings.database_url, size)

    async def stop(self) -> None:
        self.ready = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.processor.aclose()
        await self.channel.stop()
        await self.locks.aclose()
        await self.app.aclose()

    @asynccontextmanager
    async def lifespan(self, _: Starlette) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    # --- routes ---------------------------------------------------------------------------

    async def webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secrets.compare_digest(given, self.secret):
            metrics.UPDATES_RECEIVED.labels("rejected").inc()
            return Response(status_code=401)
        if int(request.headers.get(LENGTH_HEADER) or 0) > MAX_BODY:
            return Response(status_code=413)
        body = await request.body()
        update = _update_of(body)
        if update is None:
            metrics.UPDATES_RECEIVED.labels("rejected").inc()
            return Response(status_code=400)
        try:
            stored = await self.inbox.accept(
                update["update_id"], chat_key_of(update), body.decode(), self.clock()
            )
        except Exception as error:  # not stored: Telegram must deliver it again
            metrics.UPDATES_RECEIVED.labels("unavailable").inc()
            log.warning("update not stored (%s): answered 503", type(error).__name__)
            return Response(status_code=503)
        metrics.UPDATES_RECEIVED.labels("accepted" if stored else "duplicate").inc()
        if stored and self.ready:
            self.processor.notify()
        return Response(status_code=200)

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "pid": os.getpid()})

    async def readyz(self, request: Request) -> Response:
        problems = [] if self.ready else ["Bot API not reached yet"]
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                await self.app.db.read(lambda conn: conn.execute(text("SELECT 1")))
        except Exception as error:
            problems.append(f"database: {type(error).__name__}")
        body = {"ready": not problems, "problems": problems, "pid": os.getpid()}
        return JSONResponse(body, status_code=503 if problems else 200)

    async def metrics(self, request: Request) -> Response:
        body = await run_in_threadpool(metrics.exposition, self.registry)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def _update_of(body: bytes) -> dict[str, Any] | None:
    try:
        update = json.loads(body)
    except ValueError:
        return None
    if not isinstance(update, dict) or type(update.get("update_id")) is not int:
        return None
    return update


def create_app(worker: Worker) -> Starlette:
    routes = [
        Route(worker.options.path, worker.webhook, methods=["POST"]),
        Route("/healthz", worker.healthz),
        Route("/readyz", worker.readyz),
        Route("/metrics", worker.metrics),
    ]
    return Starlette(routes=routes, lifespan=worker.lifespan)


def from_environment() -> Starlette:
    """uvicorn's factory in each worker process: options from ``serve``, settings from the env."""
    from bot.channels.telegram import configure_logging

    options = ServerOptions.from_json(os.environ[OPTIONS_ENV])
    settings = Settings().with_database(options.database)
    secret = settings.telegram_webhook_secret
    configure_logging(settings, secret.get_secret_value() if secret else "")
    return create_app(Worker(options, settings))
