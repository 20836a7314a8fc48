"""Conversation state, transcript and flow events: the per-update hot path, in SQLAlchemy Core.

Per update: one primary-key read, then one write transaction that updates the row (guarded by
its turn counter, so a concurrent writer is detected instead of overwritten) and appends the
transcript and flow events. No ORM here: see shared/BASELINE.md for why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.db import SINGLE_READ
from bot.storage.schema import (
    conversations,
    flow_events,
    processed_updates,
    tickets,
    transcript_events,
)

_COLUMNS = (
    conversations.c.state,
    conversations.c.state_version,
    conversations.c.slots,
    conversations.c.account_id,
    conversations.c.turn,
    conversations.c.updated_at,
    conversations.c.expires_at,
)


class ConcurrentUpdate(Exception):
    """Another worker saved this conversation since we loaded it."""


@dataclass(slots=True)
class StoredConversation:
    chat_id: str
    state: str
    state_version: int = 1
    slots: dict[str, Any] = field(default_factory=dict)
    account_id: int | None = None
    turn: int = 0
    updated_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(slots=True)
class Changes:
    """Everything one update writes, in one transaction."""

    conversation: StoredConversation
    transcript: list[dict[str, Any]] = field(default_factory=list)
    flow: list[dict[str, Any]] = field(default_factory=list)
    ticket: dict[str, Any] | None = None
    close_tickets: datetime | None = None  # close the chat's open tickets at this time
    close_status: str = "closed"  # "closed" by an advisor, "left" by the customer
    # (update id, the turn's outcome as JSON-able data): the update is recorded as processed in
    # this same transaction, so a re-run of it finds the turn instead of acting twice
    processed: tuple[int, dict[str, Any]] | None = None


class ConversationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # The per-update reads are one SELECT each: on SQLite they take no write lock.
        self._reads = engine.execution_options(**{SINGLE_READ: True})

    async def load(self, chat_id: str) -> StoredConversation | None:
        async with self._reads.connect() as conn:
            row = (
                await conn.execute(select(*_COLUMNS).where(conversations.c.chat_id == chat_id))
            ).first()
            await conn.rollback()
        if row is None:
            return None
        return StoredConversation(
            chat_id=chat_id,
            state=row.state,
            state_version=row.state_version,
            slots=json.loads(row.slots),
            account_id=row.account_id,
            turn=row.turn,
            updated_at=row.updated_at,
            expires_at=row.expires_at,
        )

    async def processed(self, update_id: int) -> dict[str, Any] | None:
        """The recorded outcome of an update whose turn was saved; None if it was not."""
        query = select(processed_updates.c.outcome).where(
            processed_updates.c.update_id == update_id
        )
        async with self._reads.connect() as conn:
            row = (await conn.execute(query)).first()
            await conn.rollback()
        if row is None:
            return None
        return dict(json.loads(row.outcome)) if row.outcome else {}

    async def save(self, changes: Changes) -> int | None:
        """Write one update's changes; returns the id of a ticket opened by it, if any."""
        async with self.engine.begin() as conn:
            ticket_id = await self._write(conn, changes)
            if changes.processed is not None:
                await self._record(conn, changes, ticket_id)
        return ticket_id

    async def _record(self, conn: AsyncConnection, changes: Changes, ticket_id: int | None) -> None:
        assert changes.processed is not None
        update_id, outcome = changes.processed
        values = {
            "update_id": update_id,
            "at": changes.conversation.updated_at,
            "outcome": json.dumps(outcome | {"ticket_id": ticket_id}, ensure_ascii=False),
        }
        try:
            await conn.execute(insert(processed_updates).values(**values))
        except IntegrityError as exc:  # another worker saved this very update meanwhile
            raise ConcurrentUpdate(changes.conversation.chat_id) from exc

    async def _write(self, conn: AsyncConnection, changes: Changes) -> int | None:
        await self._write_conversation(conn, changes.conversation)
        if changes.transcript:
            await conn.execute(insert(transcript_events), changes.transcript)
        if changes.flow:
            await conn.execute(insert(flow_events), changes.flow)
        if changes.close_tickets is not None:
            await conn.execute(
                update(tickets)
                .where(tickets.c.chat_id == changes.conversation.chat_id)
                .where(tickets.c.status == "open")
                .values(status=changes.close_status, closed_at=changes.close_tickets)
            )
        if changes.ticket is not None:
            result = await conn.execute(insert(tickets).values(**changes.ticket))
            return int(result.inserted_primary_key[0])
        return None

    async def _write_conversation(self, conn: AsyncConnection, c: StoredConversation) -> None:
        values = {
            "state": c.state,
            "state_version": c.state_version,
            "slots": json.dumps(c.slots, separators=(",", ":"), ensure_ascii=False),
            "account_id": c.account_id,
            "turn": c.turn + 1,
            "updated_at": c.updated_at,
            "expires_at": c.expires_at,
        }
        if c.turn == 0:
            try:
                await conn.execute(insert(conversations).values(chat_id=c.chat_id, **values))
            except IntegrityError as exc:
                raise ConcurrentUpdate(c.chat_id) from exc
        else:
            result = await conn.execute(
                update(conversations)
                .where(conversations.c.chat_id == c.chat_id)
                .where(conversations.c.turn == c.turn)
                .values(**values)
            )
            if result.rowcount != 1:
                raise ConcurrentUpdate(c.chat_id)
        c.turn += 1
