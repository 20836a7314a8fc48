"""Advisor tickets as support staff see them, and ``aspel-bot tickets``.

The engine opens a ticket (in the same transaction as the turn that asked for an advisor) and
closes it; this module reads tickets, finds the one a support-group message belongs to, and
gathers a ticket's transcript: the chat's events since its previous ticket closed, at most
``TRANSCRIPT_WINDOW`` before it opened, up to its closing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.schema import tickets, transcript_events

TRANSCRIPT_WINDOW = timedelta(hours=24)
STATUSES = ("open", "closed", "all")  # "closed" lists tickets closed by an advisor or left


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    chat_id: str
    account_id: int | None
    username: str | None
    product: str | None
    serial: str | None
    step: str
    reason: str
    status: str  # open | closed | left
    opened_at: datetime
    closed_at: datetime | None
    support_message_id: int | None


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    who: str  # cliente | bot | asesor | sistema
    kind: str  # text | button | command | secret
    text: str
    button: str | None
    state: str | None


def _ticket(row: Any) -> Ticket:
    return Ticket(**{name: getattr(row, name) for name in Ticket.__slots__})


class TicketStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _one(self, query: Select[Any]) -> Ticket | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _ticket(row) if row is not None else None

    async def by_status(self, status: str = "open") -> list[Ticket]:
        query = select(tickets).order_by(tickets.c.id)
        if status == "open":
            query = query.where(tickets.c.status == "open")
        elif status == "closed":
            query = query.where(tickets.c.status != "open")
        async with self.engine.connect() as conn:
            return [_ticket(row) for row in await conn.execute(query)]

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self._one(select(tickets).where(tickets.c.id == ticket_id))

    async def open_for_chat(self, chat_id: str) -> Ticket | None:
        return await self._one(
            select(tickets)
            .where(tickets.c.chat_id == chat_id, tickets.c.status == "open")
            .order_by(tickets.c.id.desc())
        )

    async def latest_for_chat(self, chat_id: str) -> Ticket | None:
        return await self._one(
            select(tickets).where(tickets.c.chat_id == chat_id).order_by(tickets.c.id.desc())
        )

    async def by_support_message(self, message_id: int) -> Ticket | None:
        return await self._one(select(tickets).where(tickets.c.support_message_id == message_id))

    async def set_support_message(self, ticket_id: int, message_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id)
                .values(support_message_id=message_id)
            )

    async def transcript(self, ticket: Ticket) -> list[Event]:
        async with self.engine.connect() as conn:
            previous = (
                await conn.execute(
                    select(func.max(tickets.c.closed_at)).where(
                        tickets.c.chat_id == ticket.chat_id, tickets.c.id < ticket.id
                    )
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
            rows = (await conn.execute(query)).all()
        return [Event(r.at, r.who, r.kind, r.text, r.button, r.state) for r in rows]


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


async def _list(database_url: str, status: str) -> list[Ticket]:
    from bot.storage.db import create_engine

    engine = create_engine(database_url)
    try:
        return await TicketStore(engine).by_status(status)
    finally:
        await engine.dispose()


@click.command("tickets")
@click.option("--status", type=click.Choice(STATUSES), default="open", show_default=True)
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
def command(status: str, database: str | None) -> None:
    """List advisor tickets (times in the business time zone)."""
    from bot.settings import Settings

    settings = Settings().with_database(database)
    rows = asyncio.run(_list(settings.database_url, status))
    if not rows:
        click.echo(f"No {status} tickets." if status != "all" else "No tickets.")
        return
    click.echo(table(rows, ZoneInfo(settings.timezone)))
