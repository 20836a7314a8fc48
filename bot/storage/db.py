"""Database engines from a plain URL; the project picks its own async drivers.

``sqlite:///bot.db`` -> aiosqlite with WAL, NORMAL sync, a busy timeout, foreign keys on, and
every transaction opened with ``BEGIN IMMEDIATE`` (writers queue on the lock instead of failing
when a read lock cannot be upgraded), except on connections with the ``SINGLE_READ`` execution
option: a lone SELECT is its own snapshot in WAL mode and needs no write lock. ``postgresql://…``
-> psycopg 3 (which ignores that option).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 10_000
SINGLE_READ = "aspel_single_read"  # execution option: one SELECT, then rollback; no BEGIN


def async_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    else:
        raise ValueError(f"unsupported database: {backend} (use sqlite:/// or postgresql://)")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    full = async_url(url)
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)  # survive a database restart
        kwargs.setdefault("pool_size", 10)
        return create_async_engine(full, **kwargs)

    database = make_url(url).database
    if not database or database == ":memory:":
        kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    else:
        # SQLite has one writer at a time, and a connection that finds the lock taken *sleeps*
        # in the busy handler (1, 2, 5 … 100 ms). One connection per process makes the process's
        # turns queue for it in order instead; other processes still meet the busy timeout.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
    engine = create_async_engine(full, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        if not conn.get_execution_options().get(SINGLE_READ):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
