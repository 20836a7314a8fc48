"""The SQL unit of work: one connection, one transaction per ``async with``; only it commits.

On SQLite every transaction starts with ``BEGIN IMMEDIATE`` (see ``bot.storage.db``), so use
cases run one after another; on PostgreSQL repositories lock the rows they will change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.ports import Conflict
from bot.storage.repositories import (
    SqlAccounts,
    SqlCdaResends,
    SqlOutbox,
    SqlResets,
    SqlSerials,
    SqlThrottles,
)


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._conn is not None:
            raise RuntimeError("unit of work already open")
        conn = await self._engine.connect()
        try:
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self.accounts = SqlAccounts(self._conn)
        self.serials = SqlSerials(self._conn)
        self.throttles = SqlThrottles(self._conn)
        self.resets = SqlResets(self._conn)
        self.cda_resends = SqlCdaResends(self._conn)
        self.outbox = SqlOutbox(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    async def commit(self) -> None:
        try:
            await self._open().commit()
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc

    async def rollback(self) -> None:
        await self._open().rollback()

    def _open(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work is not open")
        return self._conn


def unit_of_work_factory(engine: AsyncEngine) -> Callable[[], SqlUnitOfWork]:
    """What ``Portal`` takes: a fresh unit of work per use case, all on one engine."""
    return partial(SqlUnitOfWork, engine)
