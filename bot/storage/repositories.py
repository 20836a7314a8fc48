"""The account domain's repositories: SQL on the driver itself, on one open connection.

They never commit: the unit of work (``bot.storage.unit_of_work``) owns the transaction. The
statements go through ``bot.storage.raw.Raw`` (sqlite3 or psycopg directly): a turn runs these
use cases inside its one transaction, and SQLAlchemy's statement layer would cost more than the
statements. A write refused by a unique constraint surfaces as ``bot.domain.ports.Conflict``.
Rows a use case will change are locked with ``FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already serialises writers (one writer at a time: no race to guard there).
A row that does not exist yet cannot be locked, so the login counters, which are created by
their first failure, are also held by key with transaction-level advisory locks (``SqlThrottles``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from bot.domain.model import Modality, OutgoingEmail, Periodicity, Purchase, SerialStatus
from bot.domain.ports import (
    AccountRecord,
    Conflict,
    NewAccount,
    NewContract,
    NewSerial,
    ResetRecord,
    SerialRecord,
    Throttle,
)
from bot.storage.db import read_time
from bot.storage.raw import Raw, Row, is_integrity, placeholders, read_day
from bot.storage.sealed import Sealer

ACCOUNT = (
    "SELECT id, username, password_hash, holder_name, company_name, email, distributor"
    " FROM accounts"
)
SERIAL = (
    "SELECT old.id, old.serial, old.version, old.activated_on, old.status, old.usable_until,"
    " old.replaces_id, new.serial, c.id, c.account_id, c.product, c.modality, c.periodicity,"
    " c.purchase, c.users, c.next_validation, c.cda"
    " FROM serials AS old JOIN contracts AS c ON old.contract_id = c.id"
    " LEFT OUTER JOIN serials AS new ON new.replaces_id = old.id"
)
LOCK_SERIAL = (
    "SELECT s.id FROM serials AS s JOIN contracts AS c ON s.contract_id = c.id"
    " WHERE c.account_id = :account AND s.serial = :serial FOR UPDATE OF s"
)
SAVE_THROTTLE = (
    "INSERT INTO auth_throttles (key, failures, locked_until, last_failure_at, window_started_at)"
    " VALUES (:key, :failures, :locked, :last, :window) ON CONFLICT (key) DO UPDATE SET"
    " failures = excluded.failures, locked_until = excluded.locked_until,"
    " last_failure_at = excluded.last_failure_at, window_started_at = excluded.window_started_at"
)
# Held until the transaction ends; the two-key space, apart from the chats' (7_007, runtime.locks).
THROTTLE_LOCK_SPACE = 7_008
TOUCH_TRUST = (
    "INSERT INTO trusted_chats (account_id, chat, trusted_at, last_used_at)"
    " VALUES (:account, :chat, :now, :now) ON CONFLICT (account_id, chat) DO UPDATE SET"
    " last_used_at = excluded.last_used_at"
)


class _Repository:
    def __init__(self, connection: Connection, before_write: Callable[[], None]) -> None:
        self._raw = Raw.of(connection)
        self._before_write = before_write

    def _write(self, sql: str, params: dict[str, Any]) -> int:
        self._before_write()
        try:
            return self._raw.run(sql, params)
        except Exception as exc:
            if is_integrity(exc):
                raise Conflict(str(exc)) from exc
            raise

    def _insert_id(self, sql: str, params: dict[str, Any]) -> int:
        self._before_write()
        try:
            row = self._raw.one(sql + " RETURNING id", params)
        except Exception as exc:
            if is_integrity(exc):
                raise Conflict(str(exc)) from exc
            raise
        assert row is not None
        return int(row[0])

    def _for_update(self, sql: str) -> str:
        return sql + " FOR UPDATE" if self._raw.pg else sql


def _account(row: Row) -> AccountRecord:
    return AccountRecord(*row)


class SqlAccounts(_Repository):
    def get(self, account_id: int) -> AccountRecord | None:
        row = self._raw.one(ACCOUNT + " WHERE id = :id", {"id": account_id})
        return _account(row) if row else None

    def by_username(self, username: str) -> AccountRecord | None:
        row = self._raw.one(ACCOUNT + " WHERE username = :u", {"u": username})
        return _account(row) if row else None

    def by_login(self, username_or_email: str) -> list[AccountRecord]:
        sql = ACCOUNT + " WHERE lower(username) = :w OR lower(email) = :w ORDER BY id"
        return [_account(row) for row in self._raw.all(sql, {"w": username_or_email.lower()})]

    def add(self, account: NewAccount, now: datetime) -> int:
        sql = (
            "INSERT INTO accounts (username, password_hash, holder_name, company_name, email,"
            " distributor, created_at) VALUES (:username, :password_hash, :holder_name,"
            " :company_name, :email, :distributor, :created_at)"
        )
        params = {name: getattr(account, name) for name in NewAccount.__slots__}
        return self._insert_id(sql, params | {"created_at": self._raw.time(now)})

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        sql = "UPDATE accounts SET password_hash = :h WHERE id = :id"
        self._write(sql, {"h": password_hash, "id": account_id})


def _serial(row: Row) -> SerialRecord:
    (id_, serial, version, activated, status, until, replaces, replaced_by, contract_id) = row[:9]
    (account_id, product, modality, periodicity, purchase, users, next_validation, cda) = row[9:]
    return SerialRecord(
        id=id_,
        serial=serial,
        version=version,
        activated_on=read_day(activated),  # type: ignore[arg-type]
        status=SerialStatus(status),
        usable_until=read_day(until),
        replaces_id=replaces,
        replaced_by=replaced_by,
        contract_id=contract_id,
        account_id=account_id,
        product=product,
        modality=Modality(modality),
        periodicity=Periodicity(periodicity) if periodicity else None,
        purchase=Purchase(purchase) if purchase else None,
        users=users,
        next_validation=read_day(next_validation),
        cda=cda,
    )


class SqlSerials(_Repository):
    def for_account(self, account_id: int) -> list[SerialRecord]:
        sql = SERIAL + " WHERE c.account_id = :account ORDER BY old.id"
        return [_serial(row) for row in self._raw.all(sql, {"account": account_id})]

    def owned(
        self, account_id: int, serial: str, *, for_update: bool = False
    ) -> SerialRecord | None:
        params = {"account": account_id, "serial": serial}
        if for_update and self._raw.pg:
            # A statement of its own: the read that follows takes a fresh snapshot under READ
            # COMMITTED, so it sees whatever a concurrent winner committed while we waited.
            self._raw.one(LOCK_SERIAL, params)
        row = self._raw.one(
            SERIAL + " WHERE c.account_id = :account AND old.serial = :serial", params
        )
        return _serial(row) if row else None

    def exists(self, serial: str) -> bool:
        return self._raw.one("SELECT id FROM serials WHERE serial = :s", {"s": serial}) is not None

    def add_contract(self, contract: NewContract, now: datetime) -> int:
        sql = (
            "INSERT INTO contracts (account_id, product, modality, periodicity, purchase, users,"
            " next_validation, cda, created_at) VALUES (:account_id, :product, :modality,"
            " :periodicity, :purchase, :users, :next_validation, :cda, :created_at)"
        )
        params = {
            "account_id": contract.account_id,
            "product": contract.product,
            "modality": contract.modality.value,
            "periodicity": contract.periodicity.value if contract.periodicity else None,
            "purchase": contract.purchase.value if contract.purchase else None,
            "users": contract.users,
            "next_validation": self._raw.day(contract.next_validation),
            "cda": contract.cda,
            "created_at": self._raw.time(now),
        }
        return self._insert_id(sql, params)

    def add_serial(self, serial: NewSerial, now: datetime) -> int:
        sql = (
            "INSERT INTO serials (contract_id, serial, version, activated_on, status,"
            " usable_until, replaces_id, created_at) VALUES (:contract_id, :serial, :version,"
            " :activated_on, :status, :usable_until, :replaces_id, :created_at)"
        )
        params = {
            "contract_id": serial.contract_id,
            "serial": serial.serial,
            "version": serial.version,
            "activated_on": self._raw.day(serial.activated_on),
            "status": serial.status.value,
            "usable_until": self._raw.day(serial.usable_until),
            "replaces_id": serial.replaces_id,
            "created_at": self._raw.time(now),
        }
        return self._insert_id(sql, params)

    def retire(self, serial_id: int, status: SerialStatus, usable_until: date | None) -> None:
        sql = "UPDATE serials SET status = :status, usable_until = :until WHERE id = :id"
        self._write(
            sql, {"status": status.value, "until": self._raw.day(usable_until), "id": serial_id}
        )


class SqlThrottles(_Repository):
    """Login counters. ``get(for_update=True)`` on PostgreSQL first takes an advisory lock per
    key, in key order (every caller the same order: no deadlock), then locks the rows: two
    chats' first failures on a brand-new counter would otherwise both read no row (``FOR
    UPDATE`` locks nothing that does not exist) and both write failures=1, losing one."""

    def get(self, keys: list[str], *, for_update: bool = False) -> dict[str, Throttle]:
        if not keys:
            return {}
        if for_update and self._raw.pg:
            self._hold(sorted(set(keys)))
        listed, params = placeholders("k", keys)
        sql = (
            "SELECT key, failures, locked_until, last_failure_at, window_started_at"
            f" FROM auth_throttles WHERE key IN ({listed})"
        )
        rows = self._raw.all(self._for_update(sql) if for_update else sql, params)
        return {
            key: Throttle(key, failures, read_time(locked), read_time(last), read_time(window))
            for key, failures, locked, last, window in rows
        }

    def _hold(self, ordered: list[str]) -> None:
        held = {f"k{i}": key for i, key in enumerate(ordered)}
        rows = ", ".join(f"(CAST(:{name} AS text))" for name in held)
        # A VALUES list is scanned in its order: the locks are taken in key order.
        self._raw.all(
            f"SELECT pg_advisory_xact_lock({THROTTLE_LOCK_SPACE}, hashtext(k))"
            f" FROM (VALUES {rows}) AS held (k)",
            held,
        )

    def save(self, throttle: Throttle) -> None:
        params = {
            "key": throttle.key,
            "failures": throttle.failures,
            "locked": self._raw.time(throttle.locked_until),
            "last": self._raw.time(throttle.last_failure_at),
            "window": self._raw.time(throttle.window_started_at),
        }
        self._write(SAVE_THROTTLE, params)

    def clear(self, keys: list[str]) -> None:
        if not keys:
            return
        listed, params = placeholders("k", keys)
        self._write(f"DELETE FROM auth_throttles WHERE key IN ({listed})", params)

    def forget_before(self, before: datetime) -> None:
        sql = "DELETE FROM auth_throttles WHERE window_started_at < :before"
        self._write(sql, {"before": self._raw.time(before)})


class SqlTrustedChats(_Repository):
    def last_used(self, account_id: int, chat: str) -> datetime | None:
        sql = "SELECT last_used_at FROM trusted_chats WHERE account_id = :account AND chat = :chat"
        row = self._raw.one(sql, {"account": account_id, "chat": chat})
        return read_time(row[0]) if row else None

    def touch(self, account_id: int, chat: str, now: datetime) -> None:
        params = {"account": account_id, "chat": chat, "now": self._raw.time(now)}
        self._write(TOUCH_TRUST, params)


class SqlResets(_Repository):
    def add(self, account_id: int, token_hash: str, expires_at: datetime, now: datetime) -> int:
        sql = (
            "INSERT INTO password_resets (account_id, token_hash, expires_at, created_at)"
            " VALUES (:account, :token, :expires, :now)"
        )
        raw = self._raw
        params = {
            "account": account_id,
            "token": token_hash,
            "expires": raw.time(expires_at),
            "now": raw.time(now),
        }
        return self._insert_id(sql, params)

    def created_since(self, account_id: int, since: datetime) -> int:
        sql = (
            "SELECT count(*) FROM password_resets"
            " WHERE account_id = :account AND created_at > :since"
        )
        row = self._raw.one(sql, {"account": account_id, "since": self._raw.time(since)})
        return int(row[0]) if row else 0

    def by_token_hash(self, token_hash: str) -> ResetRecord | None:
        sql = (
            "SELECT id, account_id, expires_at, used_at FROM password_resets"
            " WHERE token_hash = :token"
        )
        row = self._raw.one(self._for_update(sql), {"token": token_hash})
        if row is None:
            return None
        id_, account_id, expires_at, used_at = row
        return ResetRecord(id_, account_id, read_time(expires_at), read_time(used_at))  # type: ignore[arg-type]

    def use_all(self, account_id: int, now: datetime) -> None:
        sql = (
            "UPDATE password_resets SET used_at = :now"
            " WHERE account_id = :account AND used_at IS NULL"
        )
        self._write(sql, {"now": self._raw.time(now), "account": account_id})


class SqlCdaResends(_Repository):
    def since(self, serial_id: int, since: datetime) -> list[datetime]:
        sql = "SELECT at FROM cda_resends WHERE serial_id = :serial AND at > :since"
        rows = self._raw.all(sql, {"serial": serial_id, "since": self._raw.time(since)})
        return [read_time(at) for (at,) in rows]  # type: ignore[misc]

    def add(self, serial_id: int, at: datetime) -> int:
        sql = "INSERT INTO cda_resends (serial_id, at) VALUES (:serial, :at)"
        return self._insert_id(sql, {"serial": serial_id, "at": self._raw.time(at)})


class SqlOutbox(_Repository):
    """Bodies are sealed before they are written (a reset code, a CDA); the relay opens them."""

    def __init__(
        self, connection: Connection, before_write: Callable[[], None], sealer: Sealer | None
    ) -> None:
        super().__init__(connection, before_write)
        self._sealer = sealer

    def add(self, email: OutgoingEmail, now: datetime) -> None:
        sql = (
            "INSERT INTO outbox (idempotency_key, kind, to_addr, subject, body, created_at,"
            " attempts, next_attempt_at) VALUES (:key, :kind, :to, :subject, :body, :now, 0,"
            " :now)"
        )
        params = {
            "key": email.idempotency_key,
            "kind": email.kind,
            "to": email.to,
            "subject": email.subject,
            "body": self._sealer.seal(email.body) if self._sealer else email.body,
            "now": self._raw.time(now),
        }
        self._write(sql, params)
