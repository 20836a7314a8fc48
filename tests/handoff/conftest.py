"""A demo-loaded database per test (SQLite; PostgreSQL with TEST_DATABASE_URL), the engine's
tiny client, and the ticket store over the same database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import App, build
from bot.domain.passwords import Argon2Hasher
from bot.handoff.tickets import Ticket, TicketStore
from bot.settings import Settings
from tests.conftest import TEST_DATA_KEY, FixedClock
from tests.conversation.conftest import Chat

PASSWORD = "Aspel-Demo-2026"


@pytest.fixture
async def app(
    database_url: str, clock: FixedClock, hasher: Argon2Hasher, tmp_path: Path
) -> AsyncIterator[App]:
    settings = Settings(
        database_url=database_url, outbox_dir=tmp_path / "outbox", data_keys=TEST_DATA_KEY
    )
    app = await build(settings, clock=clock, hasher=hasher, migrate=False)
    yield app
    await app.aclose()


@pytest.fixture
def chat(app: App) -> Chat:
    return Chat(app, "tg:77")


@pytest.fixture
def store(app: App) -> TicketStore:
    return TicketStore(app.db)


async def only_ticket(store: TicketStore) -> Ticket:
    [ticket] = await store.by_status("all")
    return ticket
