"""The SQL units of work; only a unit of work commits.

- ``SqlUnitOfWork(db)``: a transaction of its own per ``with`` (the command line, the demo
  loader, tests). On SQLite it opens with ``BEGIN IMMEDIATE`` (``bot.storage.db``), so use cases
  run one after another; on PostgreSQL repositories lock the rows they will change.
- ``TurnUnitOfWork(conn)``: a part of a conversation turn's one transaction. ``commit`` only
  marks the part done (the turn commits everything at its end). The first write of a part sets
  a savepoint, so a part left without ``commit`` — a uniqueness ``Conflict`` the use case will
  retry, or an error — is rolled back alone, on SQLite and PostgreSQL alike (where a failed
  statement would otherwise doom the whole transaction). Reads cost nothing extra.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bot.domain.ports import Conflict
from bot.storage.db import Database
from bot.storage.raw import Raw
from bot.storage.repositories import (
    SqlAccounts,
    SqlCdaResends,
    SqlOutbox,
    SqlResets,
    SqlSerials,
    SqlThrottles,
    SqlTrustedChats,
)
from bot.storage.sealed import Sealer

SAVEPOINT = "uow"


class _Repositories:
    def _bind(self, conn: Connection, sealer: Sealer | None) -> None:
        hook = self._before_write
        self.accounts = SqlAccounts(conn, hook)
        self.serials = SqlSerials(conn, hook)
        self.throttles = SqlThrottles(conn, hook)
        self.trusted_chats = SqlTrustedChats(conn, hook)
        self.resets = SqlResets(conn, hook)
        self.cda_resends = SqlCdaResends(conn, hook)
        self.outbox = SqlOutbox(conn, hook, sealer)

    def _before_write(self) -> None:
        return None


class SqlUnitOfWork(_Repositories):
    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._conn is not None:
            raise RuntimeError("unit of work already open")
        conn = self._db.engine.connect()
        try:
            conn.begin()
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._bind(conn, self._db.sealer)
        return self

    def __exit__(
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
                conn.rollback()
        finally:
            conn.close()

    def commit(self) -> None:
        try:
            self._open().commit()
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc

    def rollback(self) -> None:
        self._open().rollback()

    def _open(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work is not open")
        return self._conn


class TurnUnitOfWork(_Repositories):
    def __init__(self, conn: Connection, sealer: Sealer | None = None) -> None:
        self._conn = conn
        self._raw = Raw.of(conn)  # savepoints on the driver, as the statements between them
        self._open = False
        self._savepoint = False
        self._committed = False
        self._bind(conn, sealer)

    def __enter__(self) -> TurnUnitOfWork:
        if self._open:
            raise RuntimeError("unit of work already open")
        self._open, self._savepoint, self._committed = True, False, False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        if self._savepoint and not self._committed:
            self._raw.run(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}", {})
        self._savepoint = False

    def commit(self) -> None:
        self._committed = True

    def rollback(self) -> None:
        if self._savepoint:
            self._raw.run(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}", {})
            self._savepoint = False

    def _before_write(self) -> None:
        if not self._open:
            raise RuntimeError("unit of work is not open")
        if not self._savepoint:
            self._raw.run(f"SAVEPOINT {SAVEPOINT}", {})
            self._savepoint = True
