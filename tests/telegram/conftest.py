"""A demo-loaded SQLite copy per test, the fake Bot API, and the real Application over it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.bootstrap import App, build
from bot.channels.telegram.app import TelegramBot
from bot.domain.passwords import Argon2Hasher
from bot.settings import Settings
from bot.testing.chat import TelegramChat, start_fake
from bot.testing.telegram import FakeTelegram
from tests.conftest import FixedClock

PASSWORD = "Aspel-Demo-2026"


@pytest.fixture
def settings(sqlite_template: Path, tmp_path: Path) -> Settings:
    shutil.copyfile(sqlite_template, tmp_path / "bot.db")
    return Settings(database_url=f"sqlite:///{tmp_path / 'bot.db'}", outbox_dir=tmp_path / "out")


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, hasher: Argon2Hasher) -> AsyncIterator[App]:
    app = await build(settings, clock=clock, hasher=hasher, migrate=False)
    yield app
    await app.aclose()


@pytest.fixture
def server() -> FakeTelegram:
    return FakeTelegram()


class Waits:
    """The reply sender's waits between retries: recorded, and passed on the test's clock."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock, self.seconds = clock, []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        self.clock.advance(seconds=seconds)
        await asyncio.sleep(0)


@pytest.fixture
def waits(clock: FixedClock) -> Waits:
    return Waits(clock)


@pytest.fixture
async def telegram(app: App, server: FakeTelegram, waits: Waits) -> AsyncIterator[TelegramBot]:
    telegram = await start_fake(app, server, sleep=waits)
    yield telegram
    await telegram.stop()


@pytest.fixture
def application(telegram: TelegramBot) -> Application:
    return telegram.application


@pytest.fixture
def chat(telegram: TelegramBot, server: FakeTelegram) -> TelegramChat:
    return TelegramChat(telegram, server)


async def log_in(chat: TelegramChat, user: str = "mmendez", password: str = PASSWORD) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send(user)
    await chat.send(password)
    assert "Bienvenido" in chat.text, chat.text
