"""The DBAPI connection under a SQLAlchemy connection: named-parameter SQL on the driver itself.

The hot path (a conversation turn, and the use cases it runs) executes its statements through
sqlite3 or psycopg directly, in the transaction the SQLAlchemy connection began: SQLAlchemy's
statement machinery costs several times the statements themselves (bench/ANALYSIS.md). SQL is
written once, with sqlite3's ``:name`` placeholders; for psycopg it is translated once and kept.
Values cross as the drivers want them: SQLite keeps times as UTC text without a zone and dates
as ISO text (as SQLAlchemy's SQLite dialect does, so both paths read each other's rows),
PostgreSQL takes and gives ``datetime`` and ``date``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bot.storage.db import postgres_sql, sqlite_time

Row = Sequence[Any]
RAW = "aspel_raw"  # its key in a connection's ``info``


class Raw:
    """One unit of work's access to the driver connection of ``conn``."""

    __slots__ = ("_dbapi", "pg")
    _translated: dict[str, str] = {}

    def __init__(self, conn: Connection) -> None:
        self._dbapi: Any = conn.connection.driver_connection
        self.pg = conn.dialect.name == "postgresql"

    @classmethod
    def of(cls, conn: Connection) -> Raw:
        """The one ``Raw`` of ``conn``'s driver connection (kept with it, in its pool record:
        a connection the pool replaces gets a new one)."""
        info = conn.info
        raw: Raw | None = info.get(RAW)
        if raw is None or raw._dbapi is not conn.connection.driver_connection:
            raw = info[RAW] = cls(conn)
        return raw

    def sql(self, sql: str) -> str:
        if not self.pg:
            return sql
        done = self._translated.get(sql)
        if done is None:
            done = self._translated[sql] = postgres_sql(sql)
        return done

    def time(self, value: datetime | None) -> Any:
        return value if self.pg else sqlite_time(value)

    def day(self, value: date | None) -> Any:
        if value is None or self.pg:
            return value
        return value.isoformat()

    def one(self, sql: str, params: dict[str, Any]) -> Row | None:
        row: Row | None = self._dbapi.execute(self.sql(sql), params).fetchone()
        return row

    def all(self, sql: str, params: dict[str, Any]) -> list[Row]:
        return list(self._dbapi.execute(self.sql(sql), params).fetchall())

    def run(self, sql: str, params: dict[str, Any]) -> int:
        return int(self._dbapi.execute(self.sql(sql), params).rowcount)

    def many(self, sql: str, rows: Iterable[dict[str, Any]]) -> None:
        if self.pg:
            with self._dbapi.cursor() as cursor:
                cursor.executemany(self.sql(sql), list(rows))
        else:
            self._dbapi.executemany(sql, rows)


def read_day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def is_integrity(exc: BaseException) -> bool:
    """A constraint refused a write, from either driver (each raises its own type)."""
    return isinstance(exc, sqlite3.IntegrityError | psycopg.errors.IntegrityError | IntegrityError)


def placeholders(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``:k0, :k1, …`` for an ``IN (…)`` list, and their parameters."""
    names = [f"{prefix}{i}" for i in range(len(values))]
    return ", ".join(f":{n}" for n in names), dict(zip(names, values, strict=True))
