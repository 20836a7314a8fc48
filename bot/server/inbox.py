"""The webhook's durable inbox (table ``inbox``).

``accept`` stores an update once per update id (``INSERT … ON CONFLICT DO NOTHING``): Telegram's
retries of an update already stored are dropped and counted. The processor reads a chat's
pending updates in update-id order and ``finish``-es each: the row keeps its id (for dedupe) but
loses its payload, which may hold what the customer typed at a password step; the turn's stored
replies are dropped in the same transaction. Old processed rows are pruned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.handlers.customer import chat_key
from bot.storage.db import Database
from bot.storage.schema import inbox, processed_updates

JSON = dict[str, Any]
MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post")


@dataclass(frozen=True, slots=True)
class Pending:
    update_id: int
    payload: JSON
    received_at: datetime
    attempts: int
    next_attempt_at: datetime

    def due(self, now: datetime, cutoff: datetime) -> bool:
        """Old enough (an earlier update of the chat had time to arrive) and not backing off."""
        return self.received_at <= cutoff and self.next_attempt_at <= now


def chat_key_of(update: JSON) -> str:
    """The chat an update belongs to: the unit of ordering. Updates without one get their own."""
    for kind in MESSAGE_KINDS:
        chat = (update.get(kind) or {}).get("chat") or {}
        if isinstance(chat.get("id"), int):
            return chat_key(chat["id"])
    query = update.get("callback_query") or {}
    chat = (query.get("message") or {}).get("chat") or {}
    if isinstance(chat.get("id"), int):
        return chat_key(chat["id"])
    sender = query.get("from") or {}
    if isinstance(sender.get("id"), int):
        return chat_key(sender["id"])
    return f"update:{update['update_id']}"


class Inbox:
    def __init__(self, db: Database) -> None:
        self.db = db
        dialect = postgresql if db.dialect == "postgresql" else sqlite
        self._insert: Insert = (
            dialect.insert(inbox)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(inbox.c.update_id)  # a row back: stored now (rowcount is not reliable)
        )

    async def accept(self, update_id: int, chat: str, payload: str, now: datetime) -> bool:
        """Store an update; False when it was already stored (a retry)."""
        values = {
            "update_id": update_id,
            "chat_key": chat,
            "payload": payload,
            "received_at": now,
            "attempts": 0,
            "next_attempt_at": now,
        }
        statement = self._insert.values(**values)
        return await self.db.write(lambda conn: conn.execute(statement).first() is not None)

    async def due_chats(self, now: datetime, cutoff: datetime, limit: int) -> list[str]:
        """Chats whose first pending update is ready, those waiting longest first."""
        earlier = inbox.alias("earlier")
        before_it = (
            select(earlier.c.update_id)
            .where(
                earlier.c.chat_key == inbox.c.chat_key,
                earlier.c.processed_at.is_(None),
                earlier.c.update_id < inbox.c.update_id,
            )
            .exists()
        )
        query = (
            select(inbox.c.chat_key)
            .where(
                inbox.c.processed_at.is_(None),
                inbox.c.received_at <= cutoff,
                inbox.c.next_attempt_at <= now,
                ~before_it,
            )
            .order_by(inbox.c.update_id)
            .limit(limit)
        )
        return await self.db.read(lambda conn: list(conn.execute(query).scalars()))

    async def pending(self, chat: str, limit: int = 20) -> list[Pending]:
        query = (
            select(inbox)
            .where(inbox.c.chat_key == chat, inbox.c.processed_at.is_(None))
            .order_by(inbox.c.update_id)
            .limit(limit)
        )
        rows = await self.db.read(lambda conn: conn.execute(query).all())
        return [
            Pending(
                r.update_id, json.loads(r.payload), r.received_at, r.attempts, r.next_attempt_at
            )
            for r in rows
        ]

    async def finish(self, update_id: int, result: str, now: datetime) -> None:
        def finish(conn: Connection) -> None:
            conn.execute(
                update(inbox)
                .where(inbox.c.update_id == update_id, inbox.c.processed_at.is_(None))
                .values(processed_at=now, result=result, payload="")
            )
            conn.execute(
                update(processed_updates)
                .where(processed_updates.c.update_id == update_id)
                .values(outcome=None)
            )

        await self.db.write(finish)

    async def retry(self, update_id: int, attempts: int, at: datetime) -> None:
        statement = (
            update(inbox)
            .where(inbox.c.update_id == update_id)
            .values(attempts=attempts, next_attempt_at=at)
        )
        await self.db.write(lambda conn: conn.execute(statement))

    async def count_pending(self) -> int:
        query = select(func.count()).select_from(inbox).where(inbox.c.processed_at.is_(None))
        return await self.db.read(lambda conn: int(conn.execute(query).scalar_one()))

    async def prune(self, before: datetime) -> Sequence[int]:
        """Forget processed updates older than ``before``; returns (inbox, processed) counts."""

        def prune(conn: Connection) -> tuple[int, int]:
            gone = conn.execute(delete(inbox).where(inbox.c.processed_at < before))
            turns = conn.execute(delete(processed_updates).where(processed_updates.c.at < before))
            return gone.rowcount, turns.rowcount

        return await self.db.write(prune)
