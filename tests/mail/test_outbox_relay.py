"""The outbox relay against a real SMTP server (aiosmtpd on 127.0.0.1, a free port)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.domain.model import OutgoingEmail
from bot.mail_relay import (
    BACKOFF_CAP,
    UNREACHABLE_CAP,
    OutboxRelay,
    SmtpTransport,
    message_id,
    pause,
)
from bot.storage.db import Database
from bot.storage.schema import outbox
from bot.storage.unit_of_work import SqlUnitOfWork
from tests.conftest import TEST_DATA_KEY


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _transport(server: SmtpServer) -> SmtpTransport:
    return SmtpTransport(f"smtp://127.0.0.1:{server.port}", "Aspel <no-reply@aspel.example>", 5)


def _queue(db: Database, clock: Any, *keys: str) -> None:
    with SqlUnitOfWork(db) as uow:
        for key in keys:
            email = OutgoingEmail(
                "magdalena.mendez@example.com", f"Asunto {key}", "Hola ñ", key, "x"
            )
            uow.outbox.add(email, clock())
        uow.commit()


def _rows(db: Database) -> list[Any]:
    with db.reading() as conn:
        return list((conn.execute(select(outbox).order_by(outbox.c.id))).all())


async def test_sends_due_mail_once_with_a_stable_message_id(
    db: Database, clock: Any, smtp_server: SmtpServer
) -> None:
    _queue(db, clock, "upgrade:CLSNRR123456", "cda:PHSNLM552019:1")
    relay = OutboxRelay(db, _transport(smtp_server), clock)
    assert await relay.run_once() == 2
    assert await relay.run_once() == 0
    [first, second] = smtp_server.inbox.messages
    assert first["Message-ID"] == message_id("upgrade:CLSNRR123456", "no-reply@aspel.example")
    assert first["To"] == "magdalena.mendez@example.com"
    assert first["Subject"] == "Asunto upgrade:CLSNRR123456"
    assert first.get_payload(decode=True).decode().strip() == "Hola ñ"  # type: ignore[union-attr]
    assert all(row.sent_at == clock() and row.attempts == 0 for row in _rows(db))


async def test_server_down_then_back_loses_nothing_and_sends_nothing_twice(
    db: Database, clock: Any, smtp_server: SmtpServer
) -> None:
    _queue(db, clock, "a", "b")
    relay = OutboxRelay(db, _transport(smtp_server), clock, random_unit=lambda: 0.0)
    smtp_server.stop()

    assert await relay.run_once() == 0
    rows = _rows(db)
    # the server, not the messages: the pass stops at the first, nothing is pushed back
    assert [(r.attempts, r.sent_at, r.claimed_until) for r in rows] == [
        (1, None, None),
        (0, None, None),
    ]
    assert rows[0].last_error and all(r.next_attempt_at == clock() for r in rows)
    assert relay.down == 1
    assert await relay.run_once() == 0
    assert [r.attempts for r in _rows(db)] == [2, 0]
    assert relay.down == 2

    smtp_server.start()  # back: everything waiting goes at the next pass, no backoff to sit out
    _queue(db, clock, "c")
    assert await relay.run_once() == 3
    assert relay.down == 0
    assert await relay.run_once() == 0
    subjects = sorted(str(m["Subject"]) for m in smtp_server.inbox.messages)
    assert subjects == ["Asunto a", "Asunto b", "Asunto c"]
    assert all(r.sent_at is not None for r in _rows(db))


def test_while_the_server_is_unreachable_the_relay_waits_longer_up_to_a_cap() -> None:
    waits = [pause(down, 0.5) for down in range(12)]
    assert waits[:4] == [0.5, 1.0, 2.0, 4.0]
    assert waits == sorted(waits) and max(waits) == UNREACHABLE_CAP


class Refusing(Inbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "554 Transaction failed"


async def test_a_refused_message_backs_off_on_its_own_and_stays_under_five_minutes(
    db: Database, clock: Any, smtp_server: SmtpServer
) -> None:
    _queue(db, clock, "slow")
    smtp_server.stop()
    smtp_server.inbox = Refusing()
    smtp_server.start()
    relay = OutboxRelay(db, _transport(smtp_server), clock, random_unit=lambda: 0.999)
    delays = []
    for _ in range(8):
        await relay.run_once()
        [row] = _rows(db)
        delays.append(row.next_attempt_at - clock())
        clock.advance(seconds=delays[-1].total_seconds())
    assert delays == sorted(delays) and max(delays) <= BACKOFF_CAP
    assert delays[0] < timedelta(seconds=10)  # jitter took some off
    assert row.attempts == 8 and "554" in row.last_error
    assert relay.down == 0  # the server answered: it is not down


async def test_concurrent_relays_send_each_message_once(
    db: Database, database_url: str, clock: Any, smtp_server: SmtpServer
) -> None:
    _queue(db, clock, *(f"k{i}" for i in range(12)))
    other = Database(database_url, data_keys=TEST_DATA_KEY)
    try:
        relays = [OutboxRelay(e, _transport(smtp_server), clock, batch_size=4) for e in (db, other)]
        total = 0
        for _ in range(4):
            total += sum(await asyncio.gather(*(r.run_once() for r in relays)))
    finally:
        other.dispose()
    assert total == 12
    ids = [m["Message-ID"] for m in smtp_server.inbox.messages]
    assert len(ids) == len(set(ids)) == 12
