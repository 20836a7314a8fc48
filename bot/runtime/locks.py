"""One chat at a time across worker processes.

On PostgreSQL a chat is held with a session advisory lock (``pg_try_advisory_lock``) on a
connection kept for that purpose while the chat is served: a worker that dies loses its
connection, and with it its locks, so other workers resume its chats at once. ``alive()`` checks
the lock's connection before each update, so a worker that lost it (the database restarted)
stops serving the chat instead of racing the worker that took it over.
On SQLite (one process: ``serve`` refuses more) an in-process set does the same.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

LOCK_SPACE = 7_007  # first key of the two-key advisory lock: "a chat of aspel-bot"
CONNECT_TIMEOUT = 5


class Held(Protocol):
    async def alive(self) -> bool: ...


class ChatLocks(Protocol):
    def hold(self, chat: str) -> AbstractAsyncContextManager[Held | None]: ...
    async def aclose(self) -> None: ...


class _Always:
    async def alive(self) -> bool:
        return True


class LocalChatLocks:
    def __init__(self) -> None:
        self._held: set[str] = set()

    @asynccontextmanager
    async def hold(self, chat: str) -> AsyncIterator[Held | None]:
        if chat in self._held:
            yield None
            return
        self._held.add(chat)
        try:
            yield _Always()
        finally:
            self._held.discard(chat)

    async def aclose(self) -> None:
        return None


class _Advisory:
    def __init__(self, conn: psycopg.AsyncConnection) -> None:
        self.conn = conn
        self.broken = False

    async def alive(self) -> bool:
        try:
            await self.conn.execute("SELECT 1")
        except psycopg.Error:
            self.broken = True
        return not self.broken


class AdvisoryChatLocks:
    """At most ``size`` chats held at once, each on a connection of its own."""

    def __init__(self, database_url: str, size: int) -> None:
        self.dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
        self._idle: list[psycopg.AsyncConnection] = []
        self._slots = asyncio.Semaphore(size)

    @asynccontextmanager
    async def hold(self, chat: str) -> AsyncIterator[Held | None]:
        async with self._slots:
            held = _Advisory(await self._connection())
            try:
                if not await self._try(held, "pg_try_advisory_lock", chat):
                    yield None
                    return
                try:
                    yield held
                finally:
                    await self._try(held, "pg_advisory_unlock", chat)
            finally:
                self._give_back(held)

    async def _connection(self) -> psycopg.AsyncConnection:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        return await psycopg.AsyncConnection.connect(
            self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT
        )

    @staticmethod
    async def _try(held: _Advisory, function: str, chat: str) -> bool:
        if held.broken:
            return False
        try:
            cursor = await held.conn.execute(
                f"SELECT {function}(%s, hashtext(%s))", (LOCK_SPACE, chat)
            )
            row = await cursor.fetchone()
        except psycopg.Error:
            held.broken = True
            return False
        return bool(row and row[0])

    def _give_back(self, held: _Advisory) -> None:
        if held.broken or held.conn.closed:
            asyncio.get_running_loop().create_task(_close(held.conn))
        else:
            self._idle.append(held.conn)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await _close(conn)


async def _close(conn: psycopg.AsyncConnection) -> None:
    try:
        await conn.close()
    except psycopg.Error:
        log.debug("closing a lock connection failed", exc_info=True)


SPARE_LOCKS = 2  # chat locks kept for the sweeper and the delivery recovery


def locks_for(database_url: str, *, concurrency: int) -> ChatLocks:
    """In-process locks on SQLite (one process), advisory locks on PostgreSQL."""
    if make_url(database_url).get_backend_name() == "sqlite":
        return LocalChatLocks()
    return AdvisoryChatLocks(database_url, concurrency + SPARE_LOCKS)
