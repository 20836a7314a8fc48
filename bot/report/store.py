"""Reading (and, for the conversation scripts, copying) flow events with SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, insert, select

from bot.report.funnel import FlowRow
from bot.storage.db import Database
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


def read(db: Database, since: datetime | None) -> list[FlowRow]:
    with db.reading() as conn:
        return to_rows(conn.execute(query(since)))


def append(conn: Connection, rows: Sequence[FlowRow], chat_prefix: str = "") -> None:
    """Add rows to another store's flow events (the conversation scripts keep theirs this way)."""
    if not rows:
        return
    values = [{**_fields(row), "chat_id": f"{chat_prefix}{row.chat_id}"[:64]} for row in rows]
    conn.execute(insert(flow_events), values)


def _fields(row: FlowRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FlowRow.__slots__}


def keep_flow(source_url: str, target_url: str, name: str) -> None:
    """Copy a throw-away database's flow events into ``target_url``, chats prefixed ``name:``."""
    from bot.storage.migrate import upgrade_database

    source = Database(source_url)
    try:
        rows = read(source, None)
    finally:
        source.dispose()
    upgrade_database(target_url)
    target = Database(target_url)
    try:
        with target.begin() as conn:
            append(conn, rows, chat_prefix=f"{name}:")
    finally:
        target.dispose()
