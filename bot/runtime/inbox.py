"""The durable inbox (table ``inbox``): every Telegram update, stored before it is acknowledged.

The webhook stores an update before Telegram gets its 200; the poller stores a batch before it
asks for the next (which acknowledges them). ``accept`` stores an update once per update id
(``INSERT … ON CONFLICT DO NOTHING``): Telegram's retries of an update already stored are
dropped and counted. Payloads are sealed (``bot.storage.sealed``). The processor reads a chat's
pending updates in update-id order; the turn that handles one marks it done in its own
transaction (``TurnStore.finish_update``), which also drops the payload; ``finish`` does the same
for an update no turn handled. An update whose turn keeps failing is ``park``-ed in
``dead_letters`` with the reason; ``aspel-bot inbox retry`` puts it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.db import Database
from bot.storage.schema import dead_letters, inbox
from bot.storage.sealed import Sealer

JSON = dict[str, Any]
MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post")


@dataclass(frozen=True, slots=True)
class Pending:
    update_id: int
    chat_key: str
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
            return f"tg:{chat['id']}"
    query = update.get("callback_query") or {}
    chat = (query.get("message") or {}).get("chat") or {}
    if isinstance(chat.get("id"), int):
        return f"tg:{chat['id']}"
    sender = query.get("from") or {}
    if isinstance(sender.get("id"), int):
        return f"tg:{sender['id']}"
    return f"update:{update['update_id']}"


class Inbox:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self.db = db
        self.sealer = sealer
        dialect = postgresql if db.dialect == "postgresql" else sqlite
        self._insert = (
            dialect.insert(inbox)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(inbox.c.update_id)  # a row back: stored now (rowcount is not reliable)
        )

    def _row(self, update: JSON, now: datetime) -> dict[str, Any]:
        return {
            "update_id": update["update_id"],
            "chat_key": chat_key_of(update),
            "payload": self.sealer.seal(json.dumps(update, separators=(",", ":"))),
            "received_at": now,
            "attempts": 0,
            "next_attempt_at": now,
        }

    async def accept(self, update: JSON, now: datetime) -> bool:
        """Store an update; False when it was already stored (a retry)."""
        statement = self._insert.values(**self._row(update, now))
        return await self.db.write(lambda conn: conn.execute(statement).first() is not None)

    async def accept_many(self, updates: Sequence[JSON], now: datetime) -> int:
        """Store a batch in one transaction (the poller's); returns how many were new."""
        rows = [self._row(u, now) for u in updates]

        def store(conn: Connection) -> int:
            return sum(conn.execute(self._insert.values(**row)).first() is not None for row in rows)

        return await self.db.write(store) if rows else 0

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
                r.update_id,
                r.chat_key,
                json.loads(self.sealer.open(r.payload)),
                r.received_at,
                r.attempts,
                r.next_attempt_at,
            )
            for r in rows
        ]

    async def finish(self, update_id: int, result: str, now: datetime) -> None:
        statement = (
            update(inbox)
            .where(inbox.c.update_id == update_id, inbox.c.processed_at.is_(None))
            .values(processed_at=now, result=result, payload="")
        )
        await self.db.write(lambda conn: conn.execute(statement))

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

    async def prune(self, before: datetime) -> int:
        """Forget processed updates older than ``before`` (kept that long to drop retries)."""
        statement = delete(inbox).where(inbox.c.processed_at < before)
        return await self.db.write(lambda conn: int(conn.execute(statement).rowcount))


def requeue(conn: Connection, update_ids: Sequence[int] | None, now: datetime) -> list[int]:
    """Put parked updates back in the inbox (all when ``update_ids`` is None)."""
    query = select(dead_letters).where(dead_letters.c.retried_at.is_(None))
    if update_ids is not None:
        query = query.where(dead_letters.c.update_id.in_(list(update_ids)))
    done = []
    for row in conn.execute(query).all():
        again = {"payload": row.payload, "attempts": 0, "next_attempt_at": now}
        back = conn.execute(
            update(inbox)
            .where(inbox.c.update_id == row.update_id)
            .values(processed_at=None, result=None, **again)
        )
        if back.rowcount == 0:  # pruned meanwhile
            conn.execute(
                insert(inbox).values(
                    update_id=row.update_id, chat_key=row.chat_key, received_at=now, **again
                )
            )
        conn.execute(
            update(dead_letters)
            .where(dead_letters.c.update_id == row.update_id)
            .values(retried_at=now)
        )
        done.append(row.update_id)
    return done
