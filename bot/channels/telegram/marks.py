"""The reply sender's records: each row's mark (sent, its message id, or parked), the chat's
screen, and the reads of rows still to perform. Marks of several chats share one transaction
(``Sender`` writes them in batches on the database's threads).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from bot.conversation.messages import Delivery
from bot.storage.raw import Raw
from bot.storage.schema import conversations, deliveries, tickets


@dataclass(slots=True)
class Screen:
    """A chat's screen as the sender last left it."""

    message_id: int | None = None  # the message carrying the live keyboard
    sticky: bool = False  # that message holds a result: never edit it away


@dataclass(slots=True)
class Mark:
    chat_id: str
    seq: int
    message_id: int | None = None
    sent_at: datetime | None = None
    parked: str | None = None  # the reason, when parked
    at: datetime | None = None  # when it was parked
    attempts: int = 0
    screen: Screen | None = None  # the chat's screen after this row
    support_message: tuple[int, int] | None = None  # (ticket id, its message in the group)


MARK_SENT = (
    "UPDATE deliveries SET sent_at = :sent, message_id = :mid, attempts = :n, body = '{}'"
    " WHERE chat_id = :chat AND seq = :seq"
)  # the text goes once Telegram has it (an advisor may have written a CDA)
MARK_SCREEN = (
    "UPDATE conversations SET screen_message_id = :mid, screen_sticky = :sticky"
    " WHERE chat_id = :chat"
)


def apply(marks: list[Mark], conn: Connection) -> None:
    """The marks taken, in one transaction; sent rows and screens on the driver (every turn
    has them), the rarer parked rows and support messages through SQLAlchemy Core."""
    raw = Raw.of(conn)
    sent = [
        {"chat": m.chat_id, "seq": m.seq, "sent": raw.time(m.sent_at), "mid": m.message_id}
        | {"n": m.attempts}
        for m in marks
        if m.sent_at is not None and m.seq >= 0
    ]
    if sent:
        raw.many(MARK_SENT, sent)
    screens = {m.chat_id: m.screen for m in marks if m.screen is not None and m.seq >= 0}
    if screens:
        rows = [
            {"chat": chat, "mid": screen.message_id, "sticky": screen.sticky}
            for chat, screen in screens.items()
        ]
        raw.many(MARK_SCREEN, rows)
    parked = [m for m in marks if m.parked is not None]
    for m in parked:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.chat_id == m.chat_id, deliveries.c.seq == m.seq)
            .values(parked_at=m.at, last_error=m.parked, attempts=m.attempts)
        )
    for m in marks:
        if m.support_message is not None:
            ticket_id, message_id = m.support_message
            conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id)
                .values(support_message_id=message_id)
            )


def pending(
    now: datetime, limit: int, conn: Connection
) -> list[tuple[Delivery, tuple[int | None, bool]]]:
    query = (
        select(
            deliveries.c.chat_id,
            deliveries.c.seq,
            deliveries.c.op,
            deliveries.c.body,
            conversations.c.screen_message_id,
            conversations.c.screen_sticky,
        )
        .select_from(
            deliveries.outerjoin(conversations, conversations.c.chat_id == deliveries.c.chat_id)
        )
        .where(
            deliveries.c.sent_at.is_(None),
            deliveries.c.parked_at.is_(None),
            deliveries.c.next_attempt_at <= now,
        )
        .order_by(deliveries.c.chat_id, deliveries.c.seq)
        .limit(limit)
    )
    return [
        (
            Delivery(r.chat_id, r.seq, r.op, json.loads(r.body)),
            (r.screen_message_id, bool(r.screen_sticky)),
        )
        for r in conn.execute(query)
    ]


PENDING_OF = (
    "SELECT seq, op, body FROM deliveries WHERE chat_id = :chat AND seq < :before"
    " AND sent_at IS NULL AND parked_at IS NULL ORDER BY seq"
)


def pending_of(chat: str, before: int, conn: Connection) -> list[Delivery]:
    """A chat's rows left unsent before ``before`` (read on a chat's first delivery here)."""
    rows = Raw.of(conn).all(PENDING_OF, {"chat": chat, "before": before})
    return [Delivery(chat, seq, op, json.loads(body)) for seq, op, body in rows]


def pending_chats(before: datetime, limit: int, conn: Connection) -> list[str]:
    query = (
        select(deliveries.c.chat_id)
        .where(
            deliveries.c.sent_at.is_(None),
            deliveries.c.parked_at.is_(None),
            deliveries.c.next_attempt_at <= before,
        )
        .group_by(deliveries.c.chat_id)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())
