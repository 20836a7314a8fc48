"""``aspel-bot run``: the Telegram bot in one process, by long polling (or ``--webhook-url``).

The same runtime as ``aspel-bot serve`` (``bot.runtime``): updates are stored in the inbox
before they are acknowledged, turns write their replies as deliveries and the reply sender
delivers them through Telegram's failures, inactivity expiry tells the customer, the advisor
queue is reminded, e-mails are relayed, and what a previous run left unsent is sent first. Only
the source differs: here the poller (``getUpdates``); with ``--webhook-url``, one webhook worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from typing import Any

import click
from telegram.error import InvalidToken, NetworkError
from telegram.request import BaseRequest

from bot.channels.telegram.app import ALLOWED_UPDATES, build_telegram
from bot.channels.telegram.poller import Poller
from bot.logs import configure_logging
from bot.runtime import RuntimeOptions
from bot.settings import Settings

log = logging.getLogger(__name__)

# Telegram unreachable at start-up: retried this long (seconds), then said and the run exits
BOOT_PATIENCE = 120.0
BOOT_BACKOFF, BOOT_BACKOFF_CAP = 1.0, 10.0
NO_TOKEN = """\
TELEGRAM_BOT_TOKEN is not set, so there is no bot to run.
  Create a bot with @BotFather, then set its token in the environment or in .env:
      TELEGRAM_BOT_TOKEN=123456:ABC…
  See docs/TELEGRAM.md. To try the bot without Telegram, run: aspel-bot chat"""


async def poll(
    settings: Settings,
    stop: asyncio.Event | None = None,
    *,
    request: BaseRequest | None = None,
    build_options: dict[str, Any] | None = None,
    runtime_options: RuntimeOptions | None = None,
) -> None:
    """Build everything on this loop and run until ``stop`` (or SIGINT/SIGTERM). ``request``,
    ``build_options`` and ``runtime_options`` are for tests (a fake Bot API, a clock…)."""
    from bot.bootstrap import build, settle_heap
    from bot.runtime import Runtime
    from bot.runtime.locks import locks_for

    app = await build(settings, **(build_options or {}))
    telegram = build_telegram(app, request=request)
    locks = locks_for(settings.database_url, concurrency=8)
    runtime = Runtime(app, telegram, locks=locks, options=runtime_options or RuntimeOptions())
    settle_heap()
    stop = stop or _stop_on_signals()
    try:
        await _reach(telegram.start)
        await runtime.start()
        poller = Poller(
            telegram.bot, runtime.inbox, app.clock, runtime.processor.notify, ALLOWED_UPDATES
        )
        log.info("Telegram: long polling")
        polling = asyncio.create_task(poller.run(), name="poller")
        waiting = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({polling, waiting}, return_when=asyncio.FIRST_COMPLETED)
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        if polling in done and polling.exception() is not None:
            raise polling.exception()  # type: ignore[misc]
    finally:
        await runtime.stop()
        await telegram.stop()
        await app.aclose()


async def _reach(start: object, patience: float = BOOT_PATIENCE) -> None:
    """Reach the Bot API at start-up, through an outage of Telegram's (a 5xx storm lasts tens
    of seconds; the process would otherwise exit and leave the replies of a restart unsent):
    retried with capped backoff for ``patience`` seconds, then the error is raised. A refused
    token is never retried."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    attempt = 0
    while True:
        attempt += 1
        try:
            await start()  # type: ignore[operator]
            return
        except InvalidToken:
            raise
        except NetworkError as error:
            wait = min(BOOT_BACKOFF * 2 ** (attempt - 1), BOOT_BACKOFF_CAP)
            if loop.time() + wait > deadline:
                raise
            log.warning("Bot API unreachable at start-up (%s): again in %.0f s", error, wait)
            await asyncio.sleep(wait)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in ("SIGINT", "SIGTERM"):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(getattr(signal, name), stop.set)
    return stop


@click.command("run")
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
@click.option("--webhook-url", metavar="URL", help="Public HTTPS URL: run a webhook instead.")
@click.option("--listen", default="127.0.0.1", show_default=True, help="Webhook: address.")
@click.option("--port", default=8443, show_default=True, help="Webhook: port.")
@click.option(
    "--secret-token",
    metavar="T",
    help="Webhook: the secret Telegram must send in its header (random when not given).",
)
@click.option("--sweep-seconds", default=5.0, show_default=True, help="Timer sweep interval.")
@click.option("--relay-poll", default=2.0, show_default=True, help="E-mail relay interval (s).")
@click.option("--relay-lease", default=60.0, show_default=True, help="E-mail claim lease (s).")
def command(
    database: str | None,
    webhook_url: str | None,
    listen: str,
    port: int,
    secret_token: str | None,
    sweep_seconds: float,
    relay_poll: float,
    relay_lease: float,
) -> None:
    """Run the Telegram bot (long polling; --webhook-url for a webhook) and its duties."""
    from bot.bootstrap import settings_for

    settings = settings_for(database)
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        click.echo(NO_TOKEN, err=True)
        sys.exit(2)
    if webhook_url:
        from bot.server.serve import serve_one

        secret = secret_token or secrets.token_urlsafe(32)
        configure_logging(settings, secret)
        serve_one(settings, webhook_url, listen, port, secret)
        return
    configure_logging(settings)
    try:
        duties = RuntimeOptions(
            sweep_seconds=sweep_seconds,
            relay_poll_seconds=relay_poll,
            relay_lease_seconds=relay_lease,
        )
        asyncio.run(poll(settings, runtime_options=duties))
    except InvalidToken:
        click.echo("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather.", err=True)
        sys.exit(1)
    except NetworkError as error:
        api = settings.telegram_api_base_url or "https://api.telegram.org"
        click.echo(f"Cannot reach the Bot API at {api} ({type(error).__name__}).", err=True)
        sys.exit(1)
