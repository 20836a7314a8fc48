"""``aspel-bot run``: what it needs, where it points, what it starts, what it never logs."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pydantic import SecretStr
from telegram.ext import Application

from bot.bootstrap import App
from bot.channels.telegram import RedactSecrets, build_application, command, configure_logging
from bot.handlers.testing import TOKEN, FakeTelegram, RecordingRequest, TelegramChat
from tests.telegram.conftest import log_in


def test_without_a_token_it_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(command, [])
    assert result.exit_code != 0
    assert "TELEGRAM_BOT_TOKEN" in result.output and "aspel-bot chat" in result.output


async def test_a_self_hosted_bot_api_server_is_used_for_calls_and_files(app: App) -> None:
    app.settings = app.settings.model_copy(
        update={
            "telegram_api_base_url": "http://127.0.0.1:8081/",
            "telegram_bot_token": SecretStr(TOKEN),
        }
    )
    bot = build_application(app, request=RecordingRequest(FakeTelegram())).bot
    assert bot.base_url == f"http://127.0.0.1:8081/bot{TOKEN}"
    assert bot.base_file_url == f"http://127.0.0.1:8081/file/bot{TOKEN}"


async def test_post_init_starts_the_mail_relay_and_post_shutdown_stops_it(app: App) -> None:
    server = FakeTelegram()
    application = build_application(app, token=TOKEN, request=RecordingRequest(server))
    await application.initialize()
    await application.post_init(application)  # type: ignore[misc]
    [relay] = [t for t in asyncio.all_tasks() if t.get_name() == "outbox_relay"]
    assert not relay.done() and server.of("setMyCommands")
    await application.post_shutdown(application)  # type: ignore[misc]
    await application.shutdown()
    assert relay.cancelled()


async def test_the_token_reaches_no_log(
    chat: TelegramChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await log_in(chat)
    assert TOKEN not in caplog.text
    assert not any(TOKEN in str(r.args) for r in caplog.records)


def test_logs_are_redacted_and_httpx_is_quiet(app: App) -> None:
    settings = app.settings.model_copy(update={"telegram_bot_token": SecretStr(TOKEN)})
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        configure_logging(settings)
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("telegram").level >= logging.INFO
        assert any(isinstance(f, RedactSecrets) for f in handler.filters)
    finally:
        root.removeHandler(handler)
        for name in ("httpx", "httpcore", "telegram"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    redact = RedactSecrets(TOKEN)
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: POST %s",
        (f"https://x/bot{TOKEN}/getMe",),
        None,
    )
    try:
        raise RuntimeError(f"failed https://x/bot{TOKEN}/getMe")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    redact.filter(record)
    assert TOKEN not in record.getMessage() and TOKEN not in (record.exc_text or "")
    assert "[secret]" in record.getMessage()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_webhook_checks_telegrams_secret_header(app: App, server: FakeTelegram) -> None:
    application: Application = build_application(  # type: ignore[type-arg]
        app, token=TOKEN, request=RecordingRequest(server), relay=False
    )
    port = _free_port()
    async with application:
        await application.updater.start_webhook(  # type: ignore[union-attr]
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url="https://bot.example/tg",
            secret_token="s3cret-token",
        )
        await application.start()
        try:
            update = server.message_update(
                4242, {"id": 4242, "is_bot": False, "first_name": "M"}, text="/start"
            )
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                forged = await client.post("/tg", json=update)
                genuine = await client.post(
                    "/tg", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
                )
            assert forged.status_code == 403 and genuine.status_code == 200
            async with asyncio.timeout(5):
                while not server.of("sendMessage"):  # noqa: ASYNC110 (the fake has no event)
                    await asyncio.sleep(0.01)
            assert server.of("setWebhook")[0].params["secret_token"] == "s3cret-token"
        finally:
            await application.updater.stop()  # type: ignore[union-attr]
            await application.stop()
