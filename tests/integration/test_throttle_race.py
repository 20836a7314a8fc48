"""N chats' first wrong passwords on one user name, committing at the same time, count N.

The name's counter does not exist before the first failure, and ``SELECT … FOR UPDATE`` locks no
row that does not exist: without more, every chat reads "no counter" and writes failures=1, and
N-1 failures are lost. ``SqlThrottles`` holds each key with an advisory lock first (PostgreSQL).
Each chat runs ``finish_login`` in a thread with a connection of its own, all released together
by a barrier. In ``test_failures_that_read_together_all_count`` every chat, once it has read the
counters, waits until all have read (or ``PAUSE`` has passed: with the locks, the others are
held before their read), which is the interleaving that loses failures when nothing holds the
key; ``test_failures_at_once_all_count`` lets them run free. SQLite serialises writers
(``BEGIN IMMEDIATE``): the same tests hold there without any lock of ours.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, select

from bot.domain import errors, login, passwords, throttling
from bot.domain.ports import Throttle
from bot.i18n import Translator
from bot.storage.db import Database
from bot.storage.schema import auth_throttles
from bot.storage.sealed import Sealer
from bot.storage.unit_of_work import SqlUnitOfWork
from tests.conftest import FIXED_NOW

CHATS = 8
PAUSE = 2.0  # seconds a chat that has read waits for the others (never a figure: a bound)


class _ReadTogether(SqlUnitOfWork):
    """A unit of work whose locking read of the counters waits, after reading, for the others."""

    def __init__(self, db: Database, read: threading.Barrier) -> None:
        super().__init__(db)
        self._read = read

    def _bind(self, conn: Connection, sealer: Sealer | None) -> None:
        super()._bind(conn, sealer)
        get = self.throttles.get

        def get_then_wait(keys: list[str], *, for_update: bool = False) -> dict[str, Throttle]:
            found = get(keys, for_update=for_update)
            if for_update:
                try:
                    self._read.wait(timeout=PAUSE)
                except threading.BrokenBarrierError:
                    pass  # the others are held before their read: go on
            return found

        self.throttles.get = get_then_wait  # type: ignore[method-assign]


def _fail_at_once(db: Database, unit_of_work: Callable[[], SqlUnitOfWork]) -> list[str]:
    """``CHATS`` untrusted chats' wrong password for mmendez, finished together."""
    with SqlUnitOfWork(db) as uow:
        account = uow.accounts.by_username("mmendez")
    assert account is not None
    templates = Translator()
    start = threading.Barrier(CHATS)

    def one(i: int) -> str:
        chat = f"test:race-{i}"
        keys = throttling.keys_for("mmendez", chat, None)
        check = passwords.LoginCheck(account.id, account.password_hash, tuple(keys), chat=chat)
        start.wait(timeout=30)
        try:
            login.finish_login(
                unit_of_work(),
                check,
                passwords.Verdict(ok=False),
                clock=lambda: FIXED_NOW,
                templates=templates,
            )
        except errors.InvalidCredentials:
            return "invalid"
        return "ok"

    with ThreadPoolExecutor(CHATS) as pool:
        return list(pool.map(one, range(CHATS)))


def _failures(db: Database) -> dict[str, Any]:
    with db.reading() as conn:
        rows = conn.execute(select(auth_throttles.c.key, auth_throttles.c.failures)).all()
    return dict(rows)  # type: ignore[arg-type]


def _assert_all_counted(db: Database, outcomes: list[str]) -> None:
    assert outcomes == ["invalid"] * CHATS
    counted = _failures(db)
    assert counted[throttling.name_key("mmendez")] == CHATS, counted
    for i in range(CHATS):
        assert counted[throttling.chat_key(f"test:race-{i}")] == 1


def test_failures_that_read_together_all_count(db: Database) -> None:
    read = threading.Barrier(CHATS)
    _assert_all_counted(db, _fail_at_once(db, lambda: _ReadTogether(db, read)))


def test_failures_at_once_all_count(db: Database) -> None:
    _assert_all_counted(db, _fail_at_once(db, lambda: SqlUnitOfWork(db)))
