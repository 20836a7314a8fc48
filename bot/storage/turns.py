"""A conversation turn's reads and writes: the per-update hot path, on the driver itself.

Everything here runs inside the turn's one transaction, on the connection of a database thread
(``bot.storage.db``). The statements go to the DBAPI connection directly (sqlite3 or psycopg):
SQLAlchemy's statement machinery costs several times the statements themselves on this path
(shared/BASELINE.md, and ``python -m bench``). The conversation row is updated guarded by its
turn counter, so a concurrent writer is detected (``ConcurrentUpdate``) instead of overwritten.
The rarer writes (tickets) use SQLAlchemy Core on the same connection.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.conversation.messages import Delivery
from bot.conversation.records import (
    FlowRecord,
    Saved,
    StoredConversation,
    TicketStatus,
    TranscriptEvent,
    TurnRecords,
)
from bot.storage.db import read_time
from bot.storage.raw import Raw, is_integrity
from bot.storage.schema import dead_letters, inbox, tickets, timers


class ConcurrentUpdate(Exception):
    """Another worker saved this conversation since we loaded it."""


class EarlierPending(Exception):
    """An earlier update of the chat is pending in the inbox: this one's turn must wait for it.

    The processor reads a chat's pending updates, then runs their turns one by one; an earlier
    update stored after that read (Telegram delivered it late) would otherwise be overtaken."""


LOAD = (
    "SELECT state, state_version, slots, account_id, turn, updated_at, expires_at,"
    " screen_message_id, screen_sticky FROM conversations WHERE chat_id = :chat"
)
INSERT_CONVERSATION = (
    "INSERT INTO conversations (chat_id, state, state_version, slots, account_id, turn,"
    " updated_at, expires_at) VALUES (:chat, :state, :version, :slots, :account, :turn,"
    " :updated, :expires)"
)
UPDATE_CONVERSATION = (
    "UPDATE conversations SET state = :state, state_version = :version, slots = :slots,"
    " account_id = :account, turn = :turn, updated_at = :updated, expires_at = :expires"
    " WHERE chat_id = :chat AND turn = :old_turn"
)
INSERT_TRANSCRIPT = (
    "INSERT INTO transcript_events (chat_id, at, who, kind, text, button, state)"
    " VALUES (:chat, :at, :who, :kind, :text, :button, :state)"
)
INSERT_FLOW = (
    "INSERT INTO flow_events (chat_id, at, journey, product, from_state, to_state, trigger)"
    " VALUES (:chat, :at, :journey, :product, :from_state, :to_state, :trigger)"
)
FINISH_UPDATE = (
    "UPDATE inbox SET processed_at = :at, result = :result, payload = ''"
    " WHERE update_id = :update AND processed_at IS NULL"
)
# The same, only if no earlier update of its chat is pending (one statement: no round trip more)
FINISH_IN_ORDER = FINISH_UPDATE + (
    " AND NOT EXISTS (SELECT 1 FROM inbox AS earlier WHERE earlier.chat_key = inbox.chat_key"
    " AND earlier.processed_at IS NULL AND earlier.update_id < :update)"
)
STILL_PENDING = "SELECT 1 FROM inbox WHERE update_id = :update AND processed_at IS NULL"
INSERT_DELIVERY = (
    "INSERT INTO deliveries (chat_id, seq, op, body, created_at, attempts, next_attempt_at)"
    " VALUES (:chat, :seq, :op, :body, :at, 0, :at)"
)


class TurnStore:
    """Load a chat's conversation and save a turn, on the turn's connection."""

    def load(self, conn: Connection, chat_id: str) -> StoredConversation | None:
        row = Raw.of(conn).one(LOAD, {"chat": chat_id})
        if row is None:
            return None
        state, version, slots, account_id, turn, updated_at, expires_at, screen, sticky = row
        return StoredConversation(
            chat_id=chat_id,
            state=state,
            state_version=version,
            slots=json.loads(slots),
            account_id=account_id,
            turn=turn,
            updated_at=read_time(updated_at),
            expires_at=read_time(expires_at),
            screen_message_id=screen,
            screen_sticky=bool(sticky),
        )

    def finish_update(
        self,
        conn: Connection,
        update_id: int,
        now: datetime,
        result: str = "done",
        *,
        in_order: bool = True,
    ) -> bool:
        """Mark an inbox update processed, in the turn's transaction; False if it already was.
        ``in_order``: raises ``EarlierPending`` (the transaction is then rolled back) when an
        earlier update of the chat is still pending.

        Its payload goes with it (it may hold what the customer typed at a password step)."""
        raw = Raw.of(conn)
        params = {"update": update_id, "at": raw.time(now), "result": result}
        if raw.run(FINISH_IN_ORDER if in_order else FINISH_UPDATE, params) == 1:
            return True
        if in_order and raw.one(STILL_PENDING, {"update": update_id}) is not None:
            raise EarlierPending(update_id)
        return False

    def save_deliveries(self, conn: Connection, rows: Sequence[Delivery], now: datetime) -> None:
        if not rows:
            return
        raw = Raw.of(conn)
        at = raw.time(now)
        raw.many(
            INSERT_DELIVERY,
            (
                {
                    "chat": d.chat_id,
                    "seq": d.seq,
                    "op": d.op,
                    "body": json.dumps(d.body, separators=(",", ":"), ensure_ascii=False),
                    "at": at,
                }
                for d in rows
            ),
        )

    def save(self, conn: Connection, records: TurnRecords) -> Saved:
        """Write one turn: the conversation, its transcript and flow events, tickets."""
        raw = Raw.of(conn)
        self._conversation(raw, records.conversation)
        chat = records.conversation.chat_id
        if records.transcript:
            raw.many(INSERT_TRANSCRIPT, (_event(raw, e) for e in records.transcript))
        if records.flow:
            raw.many(INSERT_FLOW, (_flow(raw, f) for f in records.flow))
        closed: list[int] = []
        if records.close_tickets is not None:
            closed = list(
                conn.execute(
                    update(tickets)
                    .where(tickets.c.chat_id == chat, tickets.c.status == TicketStatus.OPEN.value)
                    .values(status=records.close_status.value, closed_at=records.close_tickets)
                    .returning(tickets.c.id)
                ).scalars()
            )
        ticket_id = None
        if records.ticket is not None:
            values = {name: getattr(records.ticket, name) for name in records.ticket.__slots__}
            result = conn.execute(insert(tickets).values(status=TicketStatus.OPEN.value, **values))
            key = result.inserted_primary_key
            assert key is not None  # a one-row INSERT has its primary key
            ticket_id = int(key[0])
        return Saved(records.conversation.turn, ticket_id, closed)

    def _conversation(self, raw: Raw, c: StoredConversation) -> None:
        params = {
            "chat": c.chat_id,
            "state": c.state,
            "version": c.state_version,
            "slots": json.dumps(c.slots, separators=(",", ":"), ensure_ascii=False),
            "account": c.account_id,
            "turn": c.turn + 1,
            "updated": raw.time(c.updated_at),
            "expires": raw.time(c.expires_at),
        }
        if c.turn == 0:
            try:
                raw.run(INSERT_CONVERSATION, params)
            except Exception as exc:
                if is_integrity(exc):
                    raise ConcurrentUpdate(c.chat_id) from exc
                raise
        elif raw.run(UPDATE_CONVERSATION, params | {"old_turn": c.turn}) != 1:
            raise ConcurrentUpdate(c.chat_id)
        c.turn += 1


def _event(raw: Raw, e: TranscriptEvent) -> dict[str, Any]:
    return {
        "chat": e.chat_id,
        "at": raw.time(e.at),
        "who": str(e.who),
        "kind": str(e.kind),
        "text": e.text,
        "button": e.button,
        "state": e.state,
    }


def _flow(raw: Raw, f: FlowRecord) -> dict[str, Any]:
    return {
        "chat": f.chat_id,
        "at": raw.time(f.at),
        "journey": f.journey,
        "product": f.product,
        "from_state": f.from_state,
        "to_state": f.to_state,
        "trigger": f.trigger,
    }


def park_update(
    conn: Connection, update_id: int, reason: str, attempts: int, now: datetime
) -> None:
    """Move a failing update's payload (still sealed) to ``dead_letters``, in the caller's
    transaction (the apology's)."""
    row = conn.execute(
        select(inbox.c.chat_key, inbox.c.payload).where(inbox.c.update_id == update_id)
    ).first()
    if row is None or not row.payload:
        return
    conn.execute(delete(dead_letters).where(dead_letters.c.update_id == update_id))
    conn.execute(
        insert(dead_letters).values(
            update_id=update_id,
            chat_key=row.chat_key,
            payload=row.payload,
            reason=reason[:300],
            attempts=attempts,
            failed_at=now,
        )
    )


def schedule(conn: Connection, kind: str, chat: str, due: datetime) -> None:
    """A stored deadline for a chat (one per kind), in the caller's transaction."""
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(timers).values(kind=kind, chat_id=chat, due_at=due)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["kind", "chat_id"],
            set_={"due_at": statement.excluded.due_at, "fired_at": None, "claimed_until": None},
        )
    )
