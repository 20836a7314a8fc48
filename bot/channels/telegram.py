"""The Telegram channel: ``aspel-bot run`` (long polling, or ``--webhook-url`` for a webhook).

Everything comes from ``bot.bootstrap.build(settings)``; this module only adds Telegram: the
Application (per-chat ordering, rate limiter, handlers of ``bot.handlers``), the command menu,
the e-mail relay running beside it, and logs that never carry the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import click
from telegram import BotCommand
from telegram.error import InvalidToken, NetworkError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter
from telegram.request import BaseRequest

from bot.bootstrap import App, build
from bot.handlers import register
from bot.handlers.ordering import PerChatUpdateProcessor
from bot.i18n import Translator
from bot.settings import Settings

log = logging.getLogger(__name__)

COMMANDS = ("start", "menu", "cancelar", "ayuda", "asesor", "salir")
COMMAND_KEYS = {  # literal ids, so the locale checks see them
    "start": "tg-cmd-start",
    "menu": "tg-cmd-menu",
    "cancelar": "tg-cmd-cancelar",
    "ayuda": "tg-cmd-ayuda",
    "asesor": "tg-cmd-asesor",
    "salir": "tg-cmd-salir",
}
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "callback_query"]
RETRIES_ON_FLOOD = 3  # RetryAfter (429): wait as told, then try again
CONCURRENT_UPDATES = 256
BOOT_RETRIES = 3  # Telegram unreachable at start-up: retry a little, then say so and exit
NOISY_LOGGERS = ("httpx", "httpcore")  # httpx logs request URLs, and they hold the token


def commands(t: Translator) -> list[BotCommand]:
    return [BotCommand(name, t(COMMAND_KEYS[name])) for name in COMMANDS]


@dataclass
class Lifecycle:
    """post_init / post_shutdown: the command menu, and the e-mail relay as a background task."""

    app: App
    relay: bool = True
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def started(self, application: Application) -> None:
        await application.bot.set_my_commands(commands(self.app.translate))
        if self.relay:
            self._task = asyncio.create_task(self.app.relay.run_forever(), name="outbox_relay")

    async def stopped(self, application: Application) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def build_application(
    app: App,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    relay: bool = True,
) -> Application:
    settings = app.settings
    if token is None:
        assert settings.telegram_bot_token is not None, "TELEGRAM_BOT_TOKEN is not set"
        token = settings.telegram_bot_token.get_secret_value()
    lifecycle = Lifecycle(app, relay)
    builder = (
        ApplicationBuilder()
        .token(token)
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=RETRIES_ON_FLOOD))
        .post_init(lifecycle.started)
        .post_shutdown(lifecycle.stopped)
    )
    if settings.telegram_api_base_url:  # a self-hosted Bot API server
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    register(application, app)
    return application


# --- logs without secrets ------------------------------------------------------------------


class RedactSecrets(logging.Filter):
    """Replaces each secret by ``[secret]`` in a record's message and traceback."""

    def __init__(self, *secrets_: str) -> None:
        super().__init__()
        self.secrets = [s for s in secrets_ if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(settings: Settings, *more_secrets: str) -> None:
    logging.basicConfig(level=settings.log_level, stream=sys.stderr)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # PTB logs raw API results at DEBUG, and getUpdates results hold what customers typed.
    telegram_logger = logging.getLogger("telegram")
    telegram_logger.setLevel(max(logging.INFO, logging.getLogger().getEffectiveLevel()))
    token = settings.telegram_bot_token
    redact = RedactSecrets(token.get_secret_value() if token else "", *more_secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


# --- the command ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    url: str
    listen: str
    port: int
    secret_token: str

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


def serve(settings: Settings, webhook: Webhook | None) -> None:
    """One event loop for everything: the App is built on it, then PTB runs on it."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = loop.run_until_complete(build(settings))
    try:
        application = build_application(app)
        if webhook is None:
            log.info("Telegram: long polling")
            application.run_polling(
                allowed_updates=ALLOWED_UPDATES, bootstrap_retries=BOOT_RETRIES, close_loop=False
            )
        else:
            log.info("Telegram: webhook on %s:%d/%s", webhook.listen, webhook.port, webhook.path)
            application.run_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path,
                webhook_url=webhook.url,
                secret_token=webhook.secret_token,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=BOOT_RETRIES,
                close_loop=False,
            )
    finally:
        loop.run_until_complete(app.aclose())
        loop.close()


NO_TOKEN = """\
TELEGRAM_BOT_TOKEN is not set, so there is no bot to run.
  Create a bot with @BotFather, then set its token in the environment or in .env:
      TELEGRAM_BOT_TOKEN=123456:ABC…
  See docs/TELEGRAM.md. To try the bot without Telegram, run: aspel-bot chat"""


@click.command("run")
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
@click.option("--webhook-url", metavar="URL", help="Public HTTPS URL: run a webhook server.")
@click.option("--listen", default="127.0.0.1", show_default=True, help="Webhook: address.")
@click.option("--port", default=8443, show_default=True, help="Webhook: port.")
@click.option(
    "--secret-token",
    metavar="T",
    help="Webhook: the secret Telegram must send in its header (random when not given).",
)
def command(
    database: str | None,
    webhook_url: str | None,
    listen: str,
    port: int,
    secret_token: str | None,
) -> None:
    """Run the Telegram bot (long polling; --webhook-url for a webhook) and the e-mail relay."""
    settings = Settings().with_database(database)
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        click.echo(NO_TOKEN, err=True)
        sys.exit(2)
    webhook = None
    if webhook_url:
        webhook = Webhook(webhook_url, listen, port, secret_token or secrets.token_urlsafe(32))
    configure_logging(settings, webhook.secret_token if webhook else "")
    try:
        serve(settings, webhook)
    except InvalidToken:
        click.echo("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather.", err=True)
        sys.exit(1)
    except NetworkError as error:
        api = settings.telegram_api_base_url or "https://api.telegram.org"
        click.echo(f"Cannot reach the Bot API at {api} ({type(error).__name__}).", err=True)
        sys.exit(1)
