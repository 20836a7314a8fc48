"""One worker process of ``aspel-bot serve``: a Starlette app over the bot's runtime.

Routes: ``POST <path>`` (the webhook), ``GET /healthz`` (the process answers), ``GET /readyz``
(the database answers and the Bot API was reached), ``GET /metrics`` (Prometheus).

The webhook checks Telegram's secret-token header, stores the update in the inbox (sealed) and
answers 200 only once it is committed: a worker that dies loses nothing that Telegram was told
it had. A database that cannot store it answers 503, and Telegram delivers it again later.
Everything else — processing, replies, deadlines, e-mail, clean-ups — is ``bot.runtime``, the
same as ``aspel-bot run``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.request import BaseRequest

from bot.bootstrap import App, build, settings_for, settle_heap
from bot.channels.telegram.app import TelegramBot, build_telegram
from bot.channels.telegram.sender import SenderOptions
from bot.domain.ports import PasswordHasher
from bot.report.metrics import FunnelCollector
from bot.runtime import Runtime, RuntimeOptions, metrics
from bot.runtime.locks import locks_for
from bot.runtime.processor import ProcessorOptions
from bot.settings import Settings

log = logging.getLogger(__name__)

OPTIONS_ENV = "ASPEL_SERVE_OPTIONS"  # how ``serve`` hands its options to worker processes
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LENGTH_HEADER = "Content-Length"
MAX_BODY = 1_000_000  # bytes; Telegram's updates are far smaller
READY_TIMEOUT = 2.0
START_RETRY = 2.0  # seconds between attempts to reach the Bot API at start-up


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
    recover_seconds: float = 30.0
    send_rate: float = 30.0  # Bot API calls per second for the whole deployment
    metrics_dir: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> ServerOptions:
        return cls(**json.loads(raw))

    def runtime(self) -> RuntimeOptions:
        processor = ProcessorOptions(
            hold_back=timedelta(milliseconds=self.hold_back_ms),
            concurrency=self.concurrency,
            poll=self.poll_seconds,
        )
        return RuntimeOptions(
            processor=processor,
            sweep_seconds=self.sweep_seconds,
            recover_seconds=self.recover_seconds,
            relay_poll_seconds=self.relay_poll_seconds,
            relay_lease_seconds=self.relay_lease_seconds,
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
        self.hasher, self.request = hasher, request
        self.secret = settings.telegram_webhook_secret.get_secret_value().encode()
        self.ready = False
        self.booted = asyncio.Event()  # the Bot API was reached and the duties run
        self._boot_task: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        settings, options = self.settings, self.options
        self.app: App = await build(settings, clock=self.clock, hasher=self.hasher, migrate=False)
        sender = SenderOptions(
            retry_for=settings.delivery_retry, rate=options.send_rate / options.workers
        )
        self.telegram: TelegramBot = build_telegram(
            self.app, request=self.request, sender_options=sender
        )
        locks = locks_for(settings.database_url, concurrency=options.concurrency)
        self.runtime = Runtime(self.app, self.telegram, locks=locks, options=options.runtime())
        settle_heap()
        idle = timedelta(minutes=settings.idle_timeout_minutes)
        self.registry = metrics.registry(
            options.metrics_dir, FunnelCollector.from_db(self.app.db, idle=idle)
        )
        self._boot_task = asyncio.create_task(self._boot(), name="boot")

    async def _boot(self) -> None:
        """Reach the Bot API, then run the duties: the webhook already stores updates meanwhile."""
        while True:
            try:
                await self.telegram.start()
                break
            except Exception as error:  # NetworkError, mostly: Telegram not reachable yet
                log.warning("Bot API unreachable at start-up (%s): retrying", type(error).__name__)
                await asyncio.sleep(START_RETRY)
        await self.runtime.start()
        self.ready = True
        self.booted.set()
        log.info("worker %d serving", os.getpid())

    async def stop(self) -> None:
        self.ready = False
        if self._boot_task is not None:
            self._boot_task.cancel()
        await self.runtime.stop()
        await self.telegram.stop()
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
        update = _update_of(await request.body())
        if update is None:
            metrics.UPDATES_RECEIVED.labels("rejected").inc()
            return Response(status_code=400)
        try:
            stored = await self.runtime.inbox.accept(update, self.clock())
        except Exception as error:  # not stored: Telegram must deliver it again
            metrics.UPDATES_RECEIVED.labels("unavailable").inc()
            log.warning("update not stored (%s): answered 503", type(error).__name__)
            self.runtime.processor.outage()  # Telegram delivers it again: order waits for it
            return Response(status_code=503)
        metrics.UPDATES_RECEIVED.labels("accepted" if stored else "duplicate").inc()
        if stored and self.ready:
            self.runtime.processor.notify()
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
    from bot.logs import configure_logging

    options = ServerOptions.from_json(os.environ[OPTIONS_ENV])
    settings = settings_for(options.database)
    configure_logging(settings)
    return create_app(Worker(options, settings))


def single(options: ServerOptions, settings: Settings) -> Starlette:
    """One worker in this process (``aspel-bot run --webhook-url``)."""
    return create_app(Worker(replace(options, workers=1), settings))
