"""An in-process webhook worker over the fake Bot API, and a clock that runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.domain.passwords import Argon2Hasher
from bot.server.app import SECRET_HEADER, ServerOptions, Worker, create_app
from bot.settings import Settings
from bot.storage.schema import inbox
from bot.testing.telegram import TOKEN, FakeTelegram, RecordingRequest
from tests.conftest import FIXED_NOW

SECRET = "test-secret-0123456789abcdef"
DATA_KEY = "Sp9c3g5k4yQxJ0mJ8o1b3nVf7Y2r6tW9a0Z4h8L1eKU="  # a Fernet key for the tests only
USER = {"id": 777, "is_bot": False, "first_name": "Magdalena"}


class RunningClock:
    """FIXED_NOW when created, then real time passes; ``advance`` jumps ahead."""

    def __init__(self) -> None:
        self.started, self.offset = time.monotonic(), timedelta()

    def __call__(self) -> datetime:
        return FIXED_NOW + self.offset + timedelta(seconds=time.monotonic() - self.started)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


class Harness:
    """One worker, the fake Bot API it talks to, and a client posting updates to it."""

    def __init__(self, worker: Worker, server: FakeTelegram, client: httpx.AsyncClient) -> None:
        self.worker, self.server, self.client = worker, server, client

    async def post(self, update: dict[str, Any], secret: str = SECRET) -> int:
        response = await self.client.post("/telegram", json=update, headers={SECRET_HEADER: secret})
        return response.status_code

    async def settle(self, within: float = 10.0) -> None:
        """Until the inbox has nothing pending and every chat's replies are out."""
        deadline = time.monotonic() + within
        runtime = self.worker.runtime
        while await runtime.inbox.count_pending() or runtime.processor.busy:
            assert time.monotonic() < deadline, "the inbox did not drain"
            await asyncio.sleep(0.02)

    async def results(self) -> dict[int, str | None]:
        with self.worker.app.db.reading() as conn:
            rows = conn.execute(select(inbox.c.update_id, inbox.c.result))
            return dict(rows.all())  # type: ignore[arg-type]

    def texts(self, chat_id: int) -> list[str]:
        """What the chat was shown: messages sent, and messages edited into a new screen."""
        return [
            c.params["text"]
            for c in self.server.calls
            if c.ok
            and c.method in ("sendMessage", "editMessageText")
            and int(c.params["chat_id"]) == chat_id
        ]


@pytest.fixture
def running_clock() -> RunningClock:
    return RunningClock()


@pytest.fixture
async def harness(
    database_url: str, running_clock: RunningClock, hasher: Argon2Hasher, tmp_path: Any
) -> AsyncIterator[Harness]:
    settings = Settings(
        database_url=database_url,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        data_keys=DATA_KEY,
        outbox_dir=tmp_path / "outbox",
        business_hours="mon-sun 00:00-23:59",
    )
    options = ServerOptions(hold_back_ms=0, poll_seconds=0.05, send_rate=10_000, sweep_seconds=3600)
    server = FakeTelegram()
    worker = Worker(
        options, settings, clock=running_clock, hasher=hasher, request=RecordingRequest(server)
    )
    app = create_app(worker)
    await worker.start()
    await asyncio.wait_for(worker.booted.wait(), 10)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        yield Harness(worker, server, client)
    await worker.stop()


# The load test's figures, shown in pytest's summary even when it passes.
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("load and fault test: figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
