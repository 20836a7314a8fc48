"""The account domain's repositories over SQLAlchemy Core, on one open connection.

They never commit: ``bot.storage.unit_of_work.SqlUnitOfWork`` owns the transaction. A write
refused by a unique constraint surfaces as ``bot.domain.ports.Conflict``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Executable, Row, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

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
from bot.storage.schema import (
    accounts,
    auth_throttles,
    cda_resends,
    contracts,
    outbox,
    password_resets,
    serials,
)


def _plain(record: Any) -> dict[str, Any]:
    return {k: v.value if isinstance(v, Enum) else v for k, v in asdict(record).items()}


class _Repository:
    def __init__(self, connection: Connection, before_write: Callable[[], None]) -> None:
        self._conn = connection
        self._before_write = before_write

    def _write(self, statement: Executable) -> Any:
        self._before_write()
        try:
            return self._conn.execute(statement)
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc

    def _insert_id(self, statement: Any) -> int:
        result = self._write(statement.returning(statement.table.c.id))
        return int(result.scalar_one())


def _account(row: Row[Any]) -> AccountRecord:
    return AccountRecord(
        id=row.id,
        username=row.username,
        password_hash=row.password_hash,
        holder_name=row.holder_name,
        company_name=row.company_name,
        email=row.email,
        distributor=row.distributor,
    )


class SqlAccounts(_Repository):
    def get(self, account_id: int) -> AccountRecord | None:
        return self._one(accounts.c.id == account_id)

    def by_username(self, username: str) -> AccountRecord | None:
        return self._one(accounts.c.username == username)

    def by_login(self, username_or_email: str) -> list[AccountRecord]:
        wanted = username_or_email.lower()
        query = select(accounts).where(
            or_(func.lower(accounts.c.username) == wanted, func.lower(accounts.c.email) == wanted)
        )
        return [_account(row) for row in self._conn.execute(query.order_by(accounts.c.id))]

    def add(self, account: NewAccount, now: datetime) -> int:
        return self._insert_id(insert(accounts).values(**_plain(account), created_at=now))

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        statement = update(accounts).where(accounts.c.id == account_id)
        self._write(statement.values(password_hash=password_hash))

    def _one(self, condition: Any) -> AccountRecord | None:
        row = (self._conn.execute(select(accounts).where(condition))).first()
        return _account(row) if row else None


_old = serials.alias("old")
_new = serials.alias("new")
_SERIAL_QUERY = (
    select(
        _old.c.id,
        _old.c.serial,
        _old.c.version,
        _old.c.activated_on,
        _old.c.status,
        _old.c.usable_until,
        _old.c.replaces_id,
        _new.c.serial.label("replaced_by"),
        contracts.c.id.label("contract_id"),
        contracts.c.account_id,
        contracts.c.product,
        contracts.c.modality,
        contracts.c.periodicity,
        contracts.c.purchase,
        contracts.c.users,
        contracts.c.next_validation,
        contracts.c.cda,
    )
    .select_from(_old.join(contracts, _old.c.contract_id == contracts.c.id))
    .outerjoin(_new, _new.c.replaces_id == _old.c.id)
)


def _serial(row: Row[*tuple[Any, ...]]) -> SerialRecord:
    return SerialRecord(
        id=row.id,
        serial=row.serial,
        version=row.version,
        activated_on=row.activated_on,
        status=SerialStatus(row.status),
        usable_until=row.usable_until,
        replaces_id=row.replaces_id,
        replaced_by=row.replaced_by,
        contract_id=row.contract_id,
        account_id=row.account_id,
        product=row.product,
        modality=Modality(row.modality),
        periodicity=Periodicity(row.periodicity) if row.periodicity else None,
        purchase=Purchase(row.purchase) if row.purchase else None,
        users=row.users,
        next_validation=row.next_validation,
        cda=row.cda,
    )


class SqlSerials(_Repository):
    def for_account(self, account_id: int) -> list[SerialRecord]:
        query = _SERIAL_QUERY.where(contracts.c.account_id == account_id).order_by(_old.c.id)
        return [_serial(row) for row in self._conn.execute(query)]

    def owned(
        self, account_id: int, serial: str, *, for_update: bool = False
    ) -> SerialRecord | None:
        if for_update:
            self._lock(account_id, serial)
        query = _SERIAL_QUERY.where(contracts.c.account_id == account_id, _old.c.serial == serial)
        row = (self._conn.execute(query)).first()
        return _serial(row) if row else None

    def _lock(self, account_id: int, serial: str) -> None:
        """``SELECT … FOR UPDATE`` on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises).

        A statement of its own: the read that follows takes a fresh snapshot under READ
        COMMITTED, so it sees whatever a concurrent winner committed while we waited.
        """
        query = (
            select(serials.c.id)
            .join(contracts, serials.c.contract_id == contracts.c.id)
            .where(contracts.c.account_id == account_id, serials.c.serial == serial)
            .with_for_update(of=serials)
        )
        self._conn.execute(query)

    def exists(self, serial: str) -> bool:
        query = select(serials.c.id).where(serials.c.serial == serial)
        return (self._conn.execute(query)).first() is not None

    def add_contract(self, contract: NewContract, now: datetime) -> int:
        return self._insert_id(insert(contracts).values(**_plain(contract), created_at=now))

    def add_serial(self, serial: NewSerial, now: datetime) -> int:
        return self._insert_id(insert(serials).values(**_plain(serial), created_at=now))

    def retire(self, serial_id: int, status: SerialStatus, usable_until: date | None) -> None:
        statement = update(serials).where(serials.c.id == serial_id)
        self._write(statement.values(status=status.value, usable_until=usable_until))


class SqlThrottles(_Repository):
    def get(self, keys: list[str], *, for_update: bool = False) -> dict[str, Throttle]:
        query = select(auth_throttles).where(auth_throttles.c.key.in_(keys))
        if for_update:
            query = query.with_for_update()
        rows = self._conn.execute(query)
        return {
            row.key: Throttle(row.key, row.failures, row.locked_until, row.last_failure_at)
            for row in rows
        }

    def save(self, throttle: Throttle) -> None:
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        values = {
            "failures": throttle.failures,
            "locked_until": throttle.locked_until,
            "last_failure_at": throttle.last_failure_at,
        }
        statement = dialect.insert(auth_throttles).values(key=throttle.key, **values)
        self._write(
            statement.on_conflict_do_update(index_elements=[auth_throttles.c.key], set_=values)
        )

    def clear(self, keys: list[str]) -> None:
        self._write(delete(auth_throttles).where(auth_throttles.c.key.in_(keys)))


class SqlResets(_Repository):
    def add(self, account_id: int, token_hash: str, expires_at: datetime, now: datetime) -> int:
        return self._insert_id(
            insert(password_resets).values(
                account_id=account_id, token_hash=token_hash, expires_at=expires_at, created_at=now
            )
        )

    def by_token_hash(self, token_hash: str) -> ResetRecord | None:
        query = select(password_resets).where(password_resets.c.token_hash == token_hash)
        row = (self._conn.execute(query.with_for_update())).first()
        if row is None:
            return None
        return ResetRecord(row.id, row.account_id, row.expires_at, row.used_at)

    def use_all(self, account_id: int, now: datetime) -> None:
        statement = update(password_resets).where(
            password_resets.c.account_id == account_id, password_resets.c.used_at.is_(None)
        )
        self._write(statement.values(used_at=now))


class SqlCdaResends(_Repository):
    def since(self, serial_id: int, since: datetime) -> list[datetime]:
        query = select(cda_resends.c.at).where(
            cda_resends.c.serial_id == serial_id, cda_resends.c.at > since
        )
        return list((self._conn.execute(query)).scalars())

    def add(self, serial_id: int, at: datetime) -> int:
        return self._insert_id(insert(cda_resends).values(serial_id=serial_id, at=at))


class SqlOutbox(_Repository):
    def add(self, email: OutgoingEmail, now: datetime) -> None:
        self._write(
            insert(outbox).values(
                idempotency_key=email.idempotency_key,
                kind=email.kind,
                to_addr=email.to,
                subject=email.subject,
                body=email.body,
                created_at=now,
                attempts=0,
                next_attempt_at=now,
            )
        )
