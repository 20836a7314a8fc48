"""A demo-loaded SQLite copy per test, the fake Bot API, and the real Application over it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.bootstrap import App, build
from bot.domain.passwords import Argon2Hasher
from bot.handlers.testing import FakeTelegram, TelegramChat, start_fake
from bot.settings import Settings
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


@pytest.fixture
async def application(app: App, server: FakeTelegram) -> AsyncIterator[Application]:
    application = await start_fake(app, server)
    yield application
    await application.post_shutdown(application)  # type: ignore[misc]
    await application.shutdown()


@pytest.fixture
def chat(application: Application, server: FakeTelegram) -> TelegramChat:
    return TelegramChat(application, server)


async def log_in(chat: TelegramChat, user: str = "mmendez", password: str = PASSWORD) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send(user)
    await chat.send(password)
    assert "Bienvenido" in chat.text, chat.text
