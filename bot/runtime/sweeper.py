"""Stored deadlines, swept by every worker: nothing lives in one process's memory.

- Inactivity: a logged-in session's deadline is ``conversations.expires_at``, written by the
  engine in the same transaction as the state it guards. The sweeper takes each overdue chat's
  lock (the one the processor takes, so an expiry never interleaves with an update of the chat)
  and calls ``engine.expire``, which re-reads the deadline under that lock: fired once, however
  many workers sweep.
- Other timers (``timers`` table, one per kind and chat, e.g. ``handoff_reminder``) are claimed
  with ``FOR UPDATE SKIP LOCKED`` and a lease, fired under the chat's lock, then marked fired. A
  worker that dies mid-fire leaves the claim to expire; the next claimant fires it again, so an
  action must tolerate a repeat (the reminder is a turn that checks the chat still waits).
The turns' replies are deliveries, as any turn's: the customer is told, whatever Telegram does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.conversation.engine import HANDOFF_REMINDER, Engine
from bot.conversation.messages import Outcome
from bot.runtime import metrics
from bot.runtime.locks import ChatLocks
from bot.storage.db import Database
from bot.storage.schema import conversations, timers

log = logging.getLogger(__name__)

INACTIVITY = "inactivity"

Deliver = Callable[[Outcome], Awaitable[None]]  # hand a turn's deliveries to the reply sender


@dataclass(frozen=True, slots=True)
class Due:
    id: int
    kind: str
    chat: str


class Timers:
    def __init__(self, db: Database, lease: timedelta = timedelta(minutes=2)) -> None:
        self.db, self.lease = db, lease
        dialect = postgresql if db.dialect == "postgresql" else sqlite
        insert: Any = dialect.insert(timers)  # PostgreSQL's or SQLite's, both with ON CONFLICT
        self._upsert = insert.on_conflict_do_update(
            index_elements=["kind", "chat_id"],
            set_={"due_at": insert.excluded.due_at, "fired_at": None, "claimed_until": None},
        )

    async def schedule(self, kind: str, chat: str, due: datetime) -> None:
        statement = self._upsert.values(kind=kind, chat_id=chat, due_at=due)
        await self.db.write(lambda conn: conn.execute(statement))

    async def claim(self, now: datetime, limit: int = 50) -> list[Due]:
        query = (
            select(timers.c.id, timers.c.kind, timers.c.chat_id)
            .where(
                timers.c.fired_at.is_(None),
                timers.c.due_at <= now,
                or_(timers.c.claimed_until.is_(None), timers.c.claimed_until <= now),
            )
            .order_by(timers.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

        def claim(conn: Connection) -> list[Any]:
            rows = conn.execute(query).all()
            if rows:
                claimed = update(timers).where(timers.c.id.in_([r.id for r in rows]))
                conn.execute(claimed.values(claimed_until=now + self.lease))
            return list(rows)

        rows = await self.db.write(claim)
        return [Due(r.id, r.kind, r.chat_id) for r in rows]

    async def fired(self, timer_id: int, now: datetime) -> None:
        statement = (
            update(timers).where(timers.c.id == timer_id).values(fired_at=now, claimed_until=None)
        )
        await self.db.write(lambda conn: conn.execute(statement))

    async def overdue_sessions(self, now: datetime, limit: int = 100) -> list[str]:
        query = (
            select(conversations.c.chat_id)
            .where(conversations.c.expires_at <= now)
            .order_by(conversations.c.expires_at)
            .limit(limit)
        )
        return await self.db.read(lambda conn: list(conn.execute(query).scalars()))


class Sweeper:
    """Fires the stored deadlines as engine turns, under the chat's lock, and hands their
    deliveries to the reply sender."""

    def __init__(
        self,
        *,
        timers: Timers,
        locks: ChatLocks,
        engine: Engine,
        deliver: Deliver,
        clock: Callable[[], datetime],
    ) -> None:
        self.timers, self.locks, self.engine = timers, locks, engine
        self.deliver, self.clock = deliver, clock
        self.actions: Mapping[str, Callable[[str], Awaitable[Outcome]]] = {
            HANDOFF_REMINDER: engine.remind,
        }

    async def run(self, interval: float = 5.0) -> None:
        while True:
            try:
                await self.sweep()
            except Exception as error:  # the database may be restarting: next round
                metrics.ERRORS.labels("sweeper").inc()
                log.warning("sweeper: pass failed (%s)", type(error).__name__)
            await asyncio.sleep(interval)

    async def sweep(self) -> int:
        return await self._expire_sessions() + await self._fire_timers()

    async def _expire_sessions(self) -> int:
        fired = 0
        for chat in await self.timers.overdue_sessions(self.clock()):
            async with self.locks.hold(chat) as held:
                if held is None:  # being served: that update's turn expires it if still due
                    continue
                outcome = await self.engine.expire(chat)
                if outcome.replies:  # said under the lock: never between an update's replies
                    fired += 1
                    metrics.TIMERS.labels(INACTIVITY).inc()
                    await self.deliver(outcome)
        return fired

    async def _fire_timers(self) -> int:
        fired = 0
        for due in await self.timers.claim(self.clock()):
            action = self.actions.get(due.kind)
            async with self.locks.hold(due.chat) as held:
                if held is None:
                    continue  # the claim lapses and a later pass fires it
                if action is not None:
                    await self.deliver(await action(due.chat))
                await self.timers.fired(due.id, self.clock())
            fired += 1
            metrics.TIMERS.labels(due.kind).inc()
        return fired
