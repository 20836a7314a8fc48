"""``aspel-bot run``: what it needs, where it points, the duties it runs, what it never logs."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import SecretStr
from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.telegram.app import build_telegram
from bot.channels.telegram.run import command, poll
from bot.logs import RedactSecrets, configure_logging
from bot.runtime import RuntimeOptions
from bot.runtime.processor import ProcessorOptions
from bot.settings import Settings
from bot.storage.schema import inbox
from bot.testing.chat import TelegramChat
from bot.testing.telegram import TOKEN, FakeTelegram, RecordingRequest
from tests.scale.conftest import RunningClock
from tests.telegram.conftest import log_in

USER = {"id": 4242, "is_bot": False, "first_name": "Magdalena"}


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
    bot = build_telegram(app, request=RecordingRequest(FakeTelegram())).bot
    assert bot.base_url == f"http://127.0.0.1:8081/bot{TOKEN}"
    assert bot.base_file_url == f"http://127.0.0.1:8081/file/bot{TOKEN}"


async def test_the_token_reaches_no_log(
    chat: TelegramChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await log_in(chat)
    assert TOKEN not in caplog.text
    assert not any(TOKEN in str(r.args) for r in caplog.records)


def test_logs_are_redacted_and_the_noisy_are_quiet(app: App) -> None:
    settings = app.settings.model_copy(update={"telegram_bot_token": SecretStr(TOKEN)})
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        configure_logging(settings)
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("telegram").level >= logging.INFO
        assert logging.getLogger("transitions").level == logging.WARNING
        assert any(isinstance(f, RedactSecrets) for f in handler.filters)
    finally:
        root.removeHandler(handler)
        for name in ("httpx", "httpcore", "telegram"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    redact = RedactSecrets(TOKEN)
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s",
        (f"https://x/bot{TOKEN}/getMe",), None,
    )  # fmt: skip
    try:
        raise RuntimeError(f"failed https://x/bot{TOKEN}/getMe")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    redact.filter(record)
    assert TOKEN not in record.getMessage() and TOKEN not in (record.exc_text or "")
    assert "[secret]" in record.getMessage()


# --- the polling runtime, on a fake Bot API -------------------------------------------------


class Polling:
    """``aspel-bot run``'s ``poll`` on this loop, over a fake Bot API, with a running clock."""

    def __init__(self, settings: Settings, server: FakeTelegram, hasher: Any) -> None:
        self.settings, self.server, self.hasher = settings, server, hasher
        self.clock = RunningClock()
        self.ids = 10_000

    async def start(self) -> None:
        self.stop = asyncio.Event()
        options = RuntimeOptions(
            processor=ProcessorOptions(hold_back=timedelta(0), poll=0.05),
            sweep_seconds=0.05,
            recover_seconds=0.2,
        )
        self.task = asyncio.create_task(
            poll(
                self.settings,
                self.stop,
                request=RecordingRequest(self.server),
                build_options={"clock": self.clock, "hasher": self.hasher, "migrate": False},
                runtime_options=options,
            )
        )
        await self.until(lambda: self.server.of("getUpdates"))

    async def halt(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)

    def say(self, text: str) -> None:
        self.ids += 1
        self.server.push(
            self.server.message_update(4242, USER, text=text) | {"update_id": self.ids}
        )

    def press(self, data: str) -> None:
        self.ids += 1
        message = self.server.keyboard_of(4242, data)
        assert message is not None, data
        self.server.push(
            self.server.press_update(4242, USER, message, data) | {"update_id": self.ids}
        )

    def said(self) -> list[str]:
        return [
            c.params["text"]
            for c in self.server.calls
            if c.ok and c.method in ("sendMessage", "editMessageText")
        ]

    async def until(self, condition: Callable[[], Any], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.02)


@pytest.fixture
async def polling(settings: Settings, server: FakeTelegram, hasher: Any) -> AsyncIterator[Polling]:
    settings = settings.model_copy(update={"telegram_bot_token": SecretStr(TOKEN)})
    running = Polling(settings, server, hasher)
    await running.start()
    yield running
    if not running.task.done():
        await running.halt()


async def test_polling_settles_the_heap_once_built(
    settings: Settings, server: FakeTelegram, hasher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.bootstrap

    settled: list[bool] = []
    monkeypatch.setattr(bot.bootstrap, "settle_heap", lambda: settled.append(True))
    settings = settings.model_copy(update={"telegram_bot_token": SecretStr(TOKEN)})
    running = Polling(settings, server, hasher)
    await running.start()
    await running.halt()
    assert settled == [True]


async def test_polling_stores_every_update_before_acknowledging_it(
    polling: Polling, server: FakeTelegram
) -> None:
    polling.say("/start")
    await polling.until(lambda: any("Mi cuenta Aspel" in t for t in polling.said()))
    polling.press("m:upgrade")
    await polling.until(lambda: any("usuario" in t for t in polling.said()))
    await polling.halt()
    offsets = [c.params.get("offset") for c in server.of("getUpdates")]
    assert 10_002 in offsets  # the second update was asked past only once both were stored
    app_db = polling.settings.database_url
    from bot.storage.db import Database

    db = Database(app_db)
    try:
        with db.reading() as conn:
            rows = conn.execute(select(inbox.c.update_id, inbox.c.result, inbox.c.payload)).all()
    finally:
        db.dispose()
    assert [(r.update_id, r.result, r.payload) for r in rows] == [
        (10_001, "done", ""),
        (10_002, "done", ""),
    ]


async def test_polling_tells_a_silent_customer_the_session_was_closed(polling: Polling) -> None:
    polling.say("/start")
    await polling.until(lambda: any("Mi cuenta Aspel" in t for t in polling.said()))
    polling.press("m:upgrade")
    await polling.until(lambda: any("usuario" in t for t in polling.said()))
    polling.clock.advance(minutes=31)  # no message from the customer: the sweeper's turn
    await polling.until(lambda: any("sesión" in t.lower() for t in polling.said()))


async def test_polling_sends_after_a_restart_what_was_left_unsent(
    polling: Polling, server: FakeTelegram
) -> None:
    polling.say("/start")
    await polling.until(lambda: any("Mi cuenta Aspel" in t for t in polling.said()))
    server.outage({"editMessageText", "sendMessage"}, 502, "Bad Gateway", lambda: True)
    polling.press("m:upgrade")
    await polling.until(lambda: len(server.of("editMessageText")) >= 2)  # failing, retried
    await polling.halt()  # the process stops with the reply unsent
    server.outages.clear()
    await polling.start()
    await polling.until(lambda: any("usuario" in t for t in polling.said()))
