"""``aspel-bot serve``: the production webhook server, N worker processes under uvicorn.

Deploy: ``aspel-bot migrate`` first (this command refuses a schema that is not the newest),
then ``aspel-bot serve --workers N`` behind the one HTTPS URL given to Telegram's setWebhook
(``--set-webhook URL`` does it) with TELEGRAM_WEBHOOK_SECRET as its secret_token.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import click

from bot.settings import Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _refusal(settings: Settings, workers: int) -> str | None:
    from bot.storage.db import is_sqlite

    token, secret = settings.telegram_bot_token, settings.telegram_webhook_secret
    if token is None or not token.get_secret_value():
        return "TELEGRAM_BOT_TOKEN is not set (see docs/TELEGRAM.md)."
    if secret is None or len(secret.get_secret_value()) < 16:
        return "TELEGRAM_WEBHOOK_SECRET is not set (16+ characters: A-Z, a-z, 0-9, _ and -)."
    if is_sqlite(settings.database_url) and workers > 1:
        return "SQLite serves one process: use PostgreSQL (DATABASE_URL) for --workers > 1."
    if not is_sqlite(settings.database_url) and settings.data_keys is None:
        return "DATA_KEYS is not set: the inbox seals updates with it (`aspel-bot keys new`)."
    if not _schema_is_current(settings.database_url):
        return "The database schema is not the newest: run `aspel-bot migrate` first."
    return None


def _schema_is_current(url: str) -> bool:
    from bot.storage.migrate import schema_is_current

    return schema_is_current(url)


def _set_webhook(settings: Settings, url: str, max_connections: int) -> None:
    import asyncio

    from telegram import Bot

    from bot.channels.telegram.app import ALLOWED_UPDATES

    assert settings.telegram_bot_token and settings.telegram_webhook_secret
    base = (settings.telegram_api_base_url or "https://api.telegram.org").rstrip("/")
    bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=f"{base}/bot")

    async def register() -> None:
        async with bot:
            await bot.set_webhook(
                url,
                secret_token=settings.telegram_webhook_secret.get_secret_value(),  # type: ignore[union-attr]
                allowed_updates=ALLOWED_UPDATES,
                max_connections=max_connections,
            )

    asyncio.run(register())


@click.command("serve")
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
@click.option("--workers", default=1, show_default=True, help="Worker processes.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option("--path", default="/telegram", show_default=True, help="The webhook's path.")
@click.option("--set-webhook", metavar="URL", help="Point Telegram at this public URL first.")
@click.option("--concurrency", default=8, show_default=True, help="Chats at once per worker.")
@click.option(
    "--hold-back-ms", default=150.0, show_default=True, help="Wait for reordered updates."
)
@click.option(
    "--send-rate", default=30.0, show_default=True, help="Bot API calls/s, all workers together."
)
@click.option("--sweep-seconds", default=5.0, show_default=True, help="Timer sweep interval.")
@click.option("--relay-poll", default=2.0, show_default=True, help="E-mail relay interval (s).")
@click.option("--relay-lease", default=60.0, show_default=True, help="E-mail claim lease (s).")
@click.option("--log-level", default=None, help="Overrides LOG_LEVEL.")
def command(
    database: str | None,
    workers: int,
    host: str,
    port: int,
    path: str,
    set_webhook: str | None,
    concurrency: int,
    hold_back_ms: float,
    send_rate: float,
    sweep_seconds: float,
    relay_poll: float,
    relay_lease: float,
    log_level: str | None,
) -> None:
    """Run the Telegram webhook server: N workers, updates stored before they are answered."""
    import uvicorn

    from bot.bootstrap import settings_for
    from bot.server.app import OPTIONS_ENV, ServerOptions

    settings = settings_for(database)
    if log_level:
        settings = settings.model_copy(update={"log_level": log_level})
        os.environ["LOG_LEVEL"] = log_level
    refusal = _refusal(settings, workers)
    if refusal:
        click.echo(refusal, err=True)
        sys.exit(2)
    if set_webhook:
        _set_webhook(settings, set_webhook, max_connections=min(100, 10 * workers))
    own_dir = MULTIPROC_ENV not in os.environ
    metrics_dir = os.environ.setdefault(MULTIPROC_ENV, tempfile.mkdtemp(prefix="aspel-metrics-"))
    options = ServerOptions(
        database=database,
        path=path,
        workers=workers,
        hold_back_ms=hold_back_ms,
        concurrency=concurrency,
        sweep_seconds=sweep_seconds,
        relay_poll_seconds=relay_poll,
        relay_lease_seconds=relay_lease,
        send_rate=send_rate,
        metrics_dir=metrics_dir,
    )
    os.environ[OPTIONS_ENV] = options.to_json()
    try:
        uvicorn.run(
            "bot.server.app:from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level=settings.log_level.lower(),
            timeout_graceful_shutdown=10,
        )
    finally:
        if own_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def serve_one(settings: Settings, url: str, listen: str, port: int, secret: str) -> None:
    """``aspel-bot run --webhook-url``: one webhook worker in this process."""
    import uvicorn
    from pydantic import SecretStr

    from bot.server.app import ServerOptions, single

    settings = settings.model_copy(update={"telegram_webhook_secret": SecretStr(secret)})
    refusal = _refusal(settings, 1)
    if refusal:
        click.echo(refusal, err=True)
        sys.exit(2)
    _set_webhook(settings, url, max_connections=10)
    path = (
        "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "/" in url.split("://", 1)[-1] else "/"
    )
    app = single(ServerOptions(path=path), settings)
    uvicorn.run(app, host=listen, port=port, access_log=False, log_level=settings.log_level.lower())
