"""A tiny client that reads like a transcript: ``await chat.send("/start")``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import App, build
from bot.conversation.messages import Button, Inbound, Outcome, Reply
from bot.scripts import matches
from bot.settings import Settings
from tests.conftest import TEST_DATA_KEY


class Chat:
    def __init__(self, app: App, chat_id: str = "test:1") -> None:
        self.app = app
        self.chat_id = chat_id
        self.outcome = Outcome()
        self.buttons: list[Button] = []

    @property
    def replies(self) -> list[Reply]:
        return self.outcome.replies

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    async def _handle(self, inbound: Inbound) -> Chat:
        self.outcome = await self.app.engine.handle(inbound)
        offered = [b for reply in self.replies for b in reply.all_buttons()]
        if offered:
            self.buttons = offered
        return self

    async def send(self, text: str | None) -> Chat:
        return await self._handle(Inbound(self.chat_id, text=text))

    async def press(self, label: str) -> Chat:
        found = [b for b in self.buttons if matches(b.label, label)]
        assert len(found) == 1, f"{label!r} among {[b.label for b in self.buttons]}"
        return await self._handle(Inbound(self.chat_id, button=found[0].data))

    async def press_data(self, data: str) -> Chat:
        return await self._handle(Inbound(self.chat_id, button=data))

    async def login(
        self, user: str = "mmendez", password: str = "Aspel-Demo-2026", journey: str = "Actualizar"
    ) -> Chat:
        await self.send("/start")
        await self.press(journey)
        await self.send(user)
        await self.send(password)
        assert "Bienvenido" in self.text, self.text
        return self


@pytest.fixture
async def app(database_url: str, clock, hasher, tmp_path) -> AsyncIterator[App]:
    settings = Settings(
        database_url=database_url, outbox_dir=tmp_path / "outbox", data_keys=TEST_DATA_KEY
    )
    app = await build(settings, clock=clock, hasher=hasher, migrate=False)
    yield app
    await app.aclose()


@pytest.fixture
def chat(app: App) -> Chat:
    return Chat(app)
