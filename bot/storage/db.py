"""The database: one synchronous SQLAlchemy engine per process, and the hop that runs work off
the event loop.

``Database(url)`` picks the driver itself: ``sqlite:///bot.db`` -> the stdlib ``sqlite3`` (WAL,
``synchronous=NORMAL``, a busy timeout, foreign keys, ``secure_delete`` so that deleted or
overwritten text is zeroed in the file, and ``BEGIN IMMEDIATE`` for writes); ``postgresql://…``
-> psycopg 3. Every engine is built with ``hide_parameters=True``: an error never logs the
values of a statement (a reset code, a customer's text).

Code on the event loop never waits for the database on the loop thread: ``await db.write(fn)``
runs ``fn(connection)`` in one transaction on a thread of the database's own (``DB_THREADS``),
each of which keeps one connection for as long as it lives — one thread hop per unit of work,
not one per statement. SQLite gets one thread: it has one writer anyway, and turns queue for it
in order instead of sleeping in SQLite's busy handler. Command-line code uses the same engine
synchronously (``with db.begin() as conn``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool, StaticPool

from bot.storage.sealed import stored_sealer

log = logging.getLogger(__name__)

T = TypeVar("T")
SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "aspel_read_only"  # execution option: a read, no SQLite write lock taken
POSTGRES_THREADS = 4


def sync_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+pysqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    else:
        raise ValueError(f"unsupported database: {backend} (use sqlite:/// or postgresql://)")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def build_engine(url: str) -> Engine:
    """The project's engine for ``url`` (the one factory; ``Database`` wraps it)."""
    full = sync_url(url)
    if not is_sqlite(url):
        return create_engine(
            full, hide_parameters=True, pool_size=POSTGRES_THREADS + 4, pool_pre_ping=True
        )
    database = make_url(url).database
    memory = not database or database == ":memory:"
    engine = create_engine(
        full,
        hide_parameters=True,
        poolclass=StaticPool if memory else NullPool,
        connect_args={"check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is ours, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY)
        # on the driver itself: SQLAlchemy's statement path costs more than BEGIN does
        driver: Any = conn.connection.driver_connection
        driver.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


# --- times as the drivers want them ------------------------------------------------------


def sqlite_time(value: datetime | None) -> str | None:
    """An aware datetime as SQLAlchemy's SQLite dialect stores it (UTC, no zone)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def read_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def postgres_sql(sql: str) -> str:
    """``:name`` placeholders (sqlite3's named style) as psycopg's ``%(name)s``."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class Database:
    """One engine, and the threads that run units of work for the event loop."""

    def __init__(
        self, url: str, *, threads: int | None = None, data_keys: str | None = None
    ) -> None:
        self.url = url
        # seals what may carry a secret before it is written (e-mail bodies); None: no key
        self.sealer = stored_sealer(data_keys, url)
        self.sqlite = is_sqlite(url)
        self.engine = build_engine(url)
        self.dialect = "sqlite" if self.sqlite else "postgresql"
        count = 1 if self.sqlite else (threads or POSTGRES_THREADS)
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"db-{i}", daemon=True) for i in range(count)
        ]
        self._started = False
        self._lock = threading.Lock()

    # --- synchronous use (command line, migrations, the threads themselves) ---------------

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction (no SQLite write lock)."""
        with self.engine.connect() as conn:
            ro = conn.execution_options(**{READ_ONLY: True})
            with ro.begin():
                yield ro

    # --- asynchronous use: one hop -----------------------------------------------------

    async def write(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in one transaction on a database thread; committed unless it raises."""
        return await self._submit(work, read_only=False)

    async def read(self, work: Callable[[Connection], T]) -> T:
        return await self._submit(work, read_only=True)

    def _submit(self, work: Callable[[Connection], Any], *, read_only: bool) -> asyncio.Future[Any]:
        self._start()
        future: Future[Any] = Future()
        self._jobs.put(_Job(work, read_only, future))
        return asyncio.wrap_future(future)

    def _start(self) -> None:
        if self._started:
            return
        with self._lock:
            if not self._started:
                for thread in self._threads:
                    thread.start()
                self._started = True

    def _serve(self) -> None:
        conn: Connection | None = None
        while (job := self._jobs.get()) is not None:
            if job.future.cancelled():
                continue
            try:
                if conn is None or conn.closed or conn.invalidated:
                    conn = self.engine.connect()
                result = job.run(conn)
            except BaseException as error:  # handed to the awaiting coroutine
                if not _usable(conn, error):
                    _close(conn)  # the server went away: a fresh one next time
                    conn = None
                _settle(job.future, error=error)
            else:
                _settle(job.future, result=result)
        _close(conn)

    def dispose(self) -> None:
        if self._started:
            for _ in self._threads:
                self._jobs.put(None)
            for thread in self._threads:
                thread.join(timeout=10)
        self.engine.dispose()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.dispose)


class _Job:
    __slots__ = ("future", "read_only", "work")

    def __init__(self, work: Callable[[Connection], Any], read_only: bool, future: Future[Any]):
        self.work, self.read_only, self.future = work, read_only, future

    def run(self, conn: Connection) -> Any:
        target = conn.execution_options(**{READ_ONLY: True}) if self.read_only else conn
        with target.begin():
            return self.work(target)


def _settle(future: Future[Any], *, result: Any = None, error: BaseException | None = None) -> None:
    if future.cancelled():
        return
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except Exception:  # cancelled meanwhile
        pass


def _usable(conn: Connection | None, error: BaseException) -> bool:
    """Whether a thread's connection survived ``error`` (a restarted server breaks it)."""
    if conn is None or conn.closed or conn.invalidated:
        return False
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return False
    try:
        driver = conn.connection.driver_connection
    except Exception:
        return False
    return not (getattr(driver, "broken", False) or getattr(driver, "closed", False))


def transient(error: BaseException) -> bool:
    """A failure that says "not now" (the server restarting, a lock held) rather than "never"."""
    import sqlite3

    import psycopg
    from sqlalchemy.exc import InterfaceError, OperationalError

    kinds = (
        OperationalError,
        InterfaceError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        sqlite3.OperationalError,
    )
    return isinstance(error, kinds)


def _close(conn: Connection | None) -> None:
    if conn is None:
        return None
    try:
        conn.close()
    except Exception:
        log.debug("closing a database connection failed", exc_info=True)
    return None
