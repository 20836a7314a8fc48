"""Advisor tickets as support staff see them, and ``aspel-bot tickets``.

The engine opens a ticket (in the same transaction as the turn that asked for an advisor) and
closes it; this module reads tickets, finds the one a support-group message belongs to, and
gathers a ticket's transcript: the chat's events since its previous ticket closed, at most
``TRANSCRIPT_WINDOW`` before it opened, up to its closing.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy import Connection, Select, func, select, update

from bot.conversation.records import Ticket, TicketStatus, TranscriptEvent
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.schema import tickets, transcript_events

TRANSCRIPT_WINDOW = timedelta(hours=24)
STATUSES = ("open", "closed", "all")  # "closed" lists tickets closed by an advisor or left


Event = TranscriptEvent  # what a ticket's transcript is made of


def _ticket(row: Any) -> Ticket:
    return Ticket(**{name: getattr(row, name) for name in Ticket.__slots__})


def _event(row: Any) -> TranscriptEvent:
    return TranscriptEvent(row.chat_id, row.at, row.who, row.kind, row.text, row.button, row.state)


class TicketQueries:
    """The reads and the one write of this module, on an open connection."""

    @staticmethod
    def one(conn: Connection, query: Select[Any]) -> Ticket | None:
        row = conn.execute(query).first()
        return _ticket(row) if row is not None else None

    @staticmethod
    def by_status(conn: Connection, status: str = "open") -> list[Ticket]:
        query = select(tickets).order_by(tickets.c.id)
        if status == "open":
            query = query.where(tickets.c.status == TicketStatus.OPEN.value)
        elif status == "closed":
            query = query.where(tickets.c.status != TicketStatus.OPEN.value)
        return [_ticket(row) for row in conn.execute(query)]

    @classmethod
    def get(cls, conn: Connection, ticket_id: int) -> Ticket | None:
        return cls.one(conn, select(tickets).where(tickets.c.id == ticket_id))

    @classmethod
    def open_for_chat(cls, conn: Connection, chat_id: str) -> Ticket | None:
        return cls.one(
            conn,
            select(tickets)
            .where(tickets.c.chat_id == chat_id, tickets.c.status == TicketStatus.OPEN.value)
            .order_by(tickets.c.id.desc()),
        )

    @classmethod
    def latest_for_chat(cls, conn: Connection, chat_id: str) -> Ticket | None:
        return cls.one(
            conn, select(tickets).where(tickets.c.chat_id == chat_id).order_by(tickets.c.id.desc())
        )

    @classmethod
    def by_support_message(cls, conn: Connection, message_id: int) -> Ticket | None:
        return cls.one(conn, select(tickets).where(tickets.c.support_message_id == message_id))

    @staticmethod
    def set_support_message(conn: Connection, ticket_id: int, message_id: int) -> None:
        statement = update(tickets).where(tickets.c.id == ticket_id)
        conn.execute(statement.values(support_message_id=message_id))

    @staticmethod
    def transcript(conn: Connection, ticket: Ticket) -> list[TranscriptEvent]:
        previous = conn.execute(
            select(func.max(tickets.c.closed_at)).where(
                tickets.c.chat_id == ticket.chat_id, tickets.c.id < ticket.id
            )
        ).scalar()
        query = (
            select(transcript_events)
            .where(transcript_events.c.chat_id == ticket.chat_id)
            .where(transcript_events.c.at >= ticket.opened_at - TRANSCRIPT_WINDOW)
            .order_by(transcript_events.c.id)
        )
        if previous is not None:
            query = query.where(transcript_events.c.at > previous)
        if ticket.closed_at is not None:
            query = query.where(transcript_events.c.at <= ticket.closed_at)
        return [_event(r) for r in conn.execute(query)]


class TicketStore:
    """The same, from the event loop: each call one hop to a database thread."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def by_status(self, status: str = "open") -> list[Ticket]:
        return await self.db.read(partial(TicketQueries.by_status, status=status))

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.db.read(lambda conn: TicketQueries.get(conn, ticket_id))

    async def open_for_chat(self, chat_id: str) -> Ticket | None:
        return await self.db.read(lambda conn: TicketQueries.open_for_chat(conn, chat_id))

    async def latest_for_chat(self, chat_id: str) -> Ticket | None:
        return await self.db.read(lambda conn: TicketQueries.latest_for_chat(conn, chat_id))

    async def by_support_message(self, message_id: int) -> Ticket | None:
        return await self.db.read(lambda conn: TicketQueries.by_support_message(conn, message_id))

    async def set_support_message(self, ticket_id: int, message_id: int) -> None:
        await self.db.write(
            lambda conn: TicketQueries.set_support_message(conn, ticket_id, message_id)
        )

    async def transcript(self, ticket: Ticket) -> list[TranscriptEvent]:
        return await self.db.read(lambda conn: TicketQueries.transcript(conn, ticket))


# --- aspel-bot tickets ---------------------------------------------------------------------

COLUMNS = ("ID", "OPENED", "STATUS", "REASON", "CHAT", "ACCOUNT", "PRODUCT", "SERIAL", "STEP")


def table(rows: list[Ticket], zone: ZoneInfo) -> str:
    cells = [
        [
            str(t.id),
            t.opened_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            t.status,
            t.reason,
            t.chat_id,
            t.username or "-",
            t.product or "-",
            t.serial or "-",
            t.step,
        ]
        for t in rows
    ]
    widths = [max(len(c) for c in column) for column in zip(COLUMNS, *cells, strict=True)]
    lines = [COLUMNS, *cells]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def _list(settings: Settings, status: str) -> list[Ticket]:
    from bot.bootstrap import database_from

    db = database_from(settings)
    try:
        with db.reading() as conn:
            return TicketQueries.by_status(conn, status)
    finally:
        db.dispose()


@click.command("tickets")
@click.option("--status", type=click.Choice(STATUSES), default="open", show_default=True)
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
def command(status: str, database: str | None) -> None:
    """List advisor tickets (times in the business time zone)."""
    from bot.bootstrap import settings_for

    settings = settings_for(database)
    rows = _list(settings, status)
    if not rows:
        click.echo(f"No {status} tickets." if status != "all" else "No tickets.")
        return
    click.echo(table(rows, ZoneInfo(settings.timezone)))
