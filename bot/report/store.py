"""Reading flow events with SQLAlchemy Core: async for the command line, sync for a scrape."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, create_engine, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.report.funnel import FlowRow
from bot.storage.db import create_engine as create_async_engine
from bot.storage.schema import flow_events

c = flow_events.c


def query(since: datetime | None) -> Select[Any]:
    """Flow events in recording order, from ``since`` on (every one when None)."""
    stmt = select(c.chat_id, c.at, c.journey, c.product, c.from_state, c.to_state, c.trigger)
    if since is not None:
        stmt = stmt.where(c.at >= since)
    return stmt.order_by(c.id)


def to_rows(records: Iterable[Any]) -> list[FlowRow]:
    return [FlowRow(**record._mapping) for record in records]


async def read(db: AsyncEngine, since: datetime | None) -> list[FlowRow]:
    async with db.connect() as conn:
        return to_rows(await conn.execute(query(since)))


def read_sync(db: Engine, since: datetime | None) -> list[FlowRow]:
    with db.connect() as conn:
        return to_rows(conn.execute(query(since)))


def sync_engine(url: str) -> Engine:
    """A blocking engine for code that runs outside the event loop (a metrics scrape)."""
    parsed = make_url(url)
    if parsed.get_backend_name() in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed)


async def append(db: AsyncEngine, rows: Sequence[FlowRow], chat_prefix: str = "") -> None:
    """Add rows to another store's flow events (the conversation scripts keep theirs this way)."""
    if not rows:
        return
    values = [{**_fields(row), "chat_id": f"{chat_prefix}{row.chat_id}"[:64]} for row in rows]
    async with db.begin() as conn:
        await conn.execute(insert(flow_events), values)


def _fields(row: FlowRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FlowRow.__slots__}


async def keep_flow(source_url: str, target_url: str, name: str) -> None:
    """Copy a throw-away database's flow events into ``target_url``, chats prefixed ``name:``."""
    from bot.storage.migrate import ensure_schema

    source = create_async_engine(source_url)
    try:
        rows = await read(source, None)
    finally:
        await source.dispose()
    await ensure_schema(target_url)
    target = create_async_engine(target_url)
    try:
        await append(target, rows, chat_prefix=f"{name}:")
    finally:
        await target.dispose()
