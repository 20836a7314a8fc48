"""One open ticket per chat, enforced by the store without timestamps (uq_tickets_open_chat)."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from bot.storage.schema import tickets
from tests.conftest import FIXED_NOW

CHAT = "tg:5150"


def _open(conn: Connection, chat: str = CHAT) -> int:
    row = {
        "chat_id": chat,
        "step": "menu",
        "reason": "asked",
        "status": "open",
        "opened_at": FIXED_NOW,  # always the same instant: timestamps decide nothing
    }
    result = conn.execute(insert(tickets).values(**row))
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def _close(conn: Connection, ticket_id: int) -> None:
    values = {"status": "closed", "closed_at": FIXED_NOW}
    conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(**values))


async def test_a_second_open_ticket_for_a_chat_is_refused(db: Database) -> None:
    await db.write(_open)
    with pytest.raises(IntegrityError):
        await db.write(_open)
    await db.write(lambda conn: _open(conn, "tg:other"))  # another chat: its own ticket


async def test_closed_tickets_at_the_same_instant_do_not_count(db: Database) -> None:
    for _ in range(3):
        ticket_id = await db.write(_open)
        await db.write(lambda conn, ticket_id=ticket_id: _close(conn, ticket_id))
    await db.write(_open)
    statuses = await db.read(
        lambda conn: list(conn.execute(select(tickets.c.status).where(tickets.c.chat_id == CHAT)))
    )
    assert sorted(s for (s,) in statuses) == ["closed", "closed", "closed", "open"]
