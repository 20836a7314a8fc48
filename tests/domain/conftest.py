"""In-memory fakes of the repositories and the unit of work, and a Portal over them.

The fake store keeps committed state; each ``async with`` works on a copy that ``commit``
publishes, so a use case that fails half-way leaves nothing behind, as with the real store.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from types import TracebackType
from typing import Any

import pytest

from bot.demo import load_demo
from bot.domain.catalogue import default_catalogue
from bot.domain.login import check_new_password, token_hash
from bot.domain.model import OutgoingEmail, SerialStatus
from bot.domain.passwords import Verdict
from bot.domain.portal import Portal
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


@dataclass
class State:
    accounts: dict[int, AccountRecord] = field(default_factory=dict)
    contracts: dict[int, NewContract] = field(default_factory=dict)
    serials: dict[int, NewSerial] = field(default_factory=dict)
    throttles: dict[str, Throttle] = field(default_factory=dict)
    trusted: dict[tuple[int, str], datetime] = field(default_factory=dict)
    reset_times: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    resets: dict[int, tuple[str, ResetRecord]] = field(default_factory=dict)
    cda_resends: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    outbox: list[OutgoingEmail] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class FakeStore:
    def __init__(self) -> None:
        self.committed = State()
        self.commits = 0

    def serial(self, text: str) -> NewSerial:
        return next(s for s in self.committed.serials.values() if s.serial == text)

    def set_serial(self, text: str, **changes: Any) -> None:
        sid = next(i for i, s in self.committed.serials.items() if s.serial == text)
        self.committed.serials[sid] = replace(self.committed.serials[sid], **changes)


class _Repo:
    def __init__(self, state: State) -> None:
        self.s = state


class FakeAccounts(_Repo):
    def get(self, account_id: int) -> AccountRecord | None:
        return self.s.accounts.get(account_id)

    def by_username(self, username: str) -> AccountRecord | None:
        return next((a for a in self.s.accounts.values() if a.username == username), None)

    def by_login(self, username_or_email: str) -> list[AccountRecord]:
        wanted = username_or_email.lower()
        return [a for a in self.s.accounts.values() if wanted in (a.username, a.email.lower())]

    def add(self, account: NewAccount, now: datetime) -> int:
        account_id = self.s.new_id()
        self.s.accounts[account_id] = AccountRecord(id=account_id, **asdict(account))
        return account_id

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        self.s.accounts[account_id] = replace(
            self.s.accounts[account_id], password_hash=password_hash
        )


class FakeSerials(_Repo):
    def _record(self, serial_id: int) -> SerialRecord:
        serial = self.s.serials[serial_id]
        contract = self.s.contracts[serial.contract_id]
        replaced_by = next(
            (s.serial for s in self.s.serials.values() if s.replaces_id == serial_id), None
        )
        return SerialRecord(
            id=serial_id,
            serial=serial.serial,
            version=serial.version,
            activated_on=serial.activated_on,
            status=serial.status,
            usable_until=serial.usable_until,
            replaces_id=serial.replaces_id,
            replaced_by=replaced_by,
            contract_id=serial.contract_id,
            account_id=contract.account_id,
            product=contract.product,
            modality=contract.modality,
            periodicity=contract.periodicity,
            purchase=contract.purchase,
            users=contract.users,
            next_validation=contract.next_validation,
            cda=contract.cda,
        )

    def for_account(self, account_id: int) -> list[SerialRecord]:
        records = [self._record(i) for i in self.s.serials]
        return [r for r in records if r.account_id == account_id]

    def owned(
        self, account_id: int, serial: str, *, for_update: bool = False
    ) -> SerialRecord | None:
        found = [r for r in self.for_account(account_id) if r.serial == serial]
        return found[0] if found else None

    def exists(self, serial: str) -> bool:
        return any(s.serial == serial for s in self.s.serials.values())

    def add_contract(self, contract: NewContract, now: datetime) -> int:
        contract_id = self.s.new_id()
        self.s.contracts[contract_id] = contract
        return contract_id

    def add_serial(self, serial: NewSerial, now: datetime) -> int:
        taken = self.s.serials.values()
        if any(s.serial == serial.serial for s in taken) or (
            serial.replaces_id is not None
            and any(s.replaces_id == serial.replaces_id for s in taken)
        ):
            raise Conflict(serial.serial)
        serial_id = self.s.new_id()
        self.s.serials[serial_id] = serial
        return serial_id

    def retire(self, serial_id: int, status: SerialStatus, usable_until: date | None) -> None:
        self.s.serials[serial_id] = replace(
            self.s.serials[serial_id], status=status, usable_until=usable_until
        )


class FakeThrottles(_Repo):
    def get(self, keys: list[str], *, for_update: bool = False) -> dict[str, Throttle]:
        return {k: copy.copy(self.s.throttles[k]) for k in keys if k in self.s.throttles}

    def save(self, throttle: Throttle) -> None:
        self.s.throttles[throttle.key] = copy.copy(throttle)

    def clear(self, keys: list[str]) -> None:
        for key in keys:
            self.s.throttles.pop(key, None)

    def forget_before(self, before: datetime) -> None:
        for key, throttle in list(self.s.throttles.items()):
            if throttle.window_started_at is not None and throttle.window_started_at < before:
                del self.s.throttles[key]


class FakeTrustedChats(_Repo):
    def last_used(self, account_id: int, chat: str) -> datetime | None:
        return self.s.trusted.get((account_id, chat))

    def touch(self, account_id: int, chat: str, now: datetime) -> None:
        self.s.trusted[(account_id, chat)] = now


class FakeResets(_Repo):
    def add(self, account_id: int, token_hash: str, expires_at: datetime, now: datetime) -> int:
        reset_id = self.s.new_id()
        self.s.resets[reset_id] = (token_hash, ResetRecord(reset_id, account_id, expires_at, None))
        self.s.reset_times[reset_id] = (account_id, now)
        return reset_id

    def created_since(self, account_id: int, since: datetime) -> int:
        return sum(1 for a, at in self.s.reset_times.values() if a == account_id and at > since)

    def by_token_hash(self, token_hash: str) -> ResetRecord | None:
        return next((r for h, r in self.s.resets.values() if h == token_hash), None)

    def use_all(self, account_id: int, now: datetime) -> None:
        for reset_id, (digest, record) in list(self.s.resets.items()):
            if record.account_id == account_id and record.used_at is None:
                self.s.resets[reset_id] = (digest, replace(record, used_at=now))


class FakeCdaResends(_Repo):
    def since(self, serial_id: int, since: datetime) -> list[datetime]:
        return [at for sid, at in self.s.cda_resends.values() if sid == serial_id and at > since]

    def add(self, serial_id: int, at: datetime) -> int:
        resend_id = self.s.new_id()
        self.s.cda_resends[resend_id] = (serial_id, at)
        return resend_id


class FakeOutbox(_Repo):
    def add(self, email: OutgoingEmail, now: datetime) -> None:
        if any(e.idempotency_key == email.idempotency_key for e in self.s.outbox):
            raise Conflict(email.idempotency_key)
        self.s.outbox.append(email)


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.committed = False

    def __enter__(self) -> FakeUnitOfWork:
        self.state = copy.deepcopy(self.store.committed)
        self.accounts = FakeAccounts(self.state)
        self.serials = FakeSerials(self.state)
        self.throttles = FakeThrottles(self.state)
        self.trusted_chats = FakeTrustedChats(self.state)
        self.resets = FakeResets(self.state)
        self.cda_resends = FakeCdaResends(self.state)
        self.outbox = FakeOutbox(self.state)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self.state

    def commit(self) -> None:
        self.store.committed = self.state
        self.store.commits += 1
        self.state = copy.deepcopy(self.state)

    def rollback(self) -> None:
        self.state = copy.deepcopy(self.store.committed)


@pytest.fixture
def store(hasher: Any, clock: Any) -> FakeStore:
    """The demo dataset, in memory, loaded for the fixed clock's day."""
    store = FakeStore()
    load_demo(lambda: FakeUnitOfWork(store), hasher, clock().date())
    return store


@pytest.fixture
def portal(store: FakeStore, templates: Any, clock: Any) -> Portal:
    return Portal(lambda: FakeUnitOfWork(store), templates, clock, default_catalogue())


def log_in(portal: Portal, hasher: Any, username: str, password: str, *, chat_key: str) -> Any:
    """Both halves of a login, with the verification done inline (the pool's job in the bot)."""
    check = portal.begin_login(username, chat_key=chat_key)
    if check.password_hash is None:  # the pool verifies a dummy hash: the same cost
        hasher.verify(hasher.hash("dummy"), password)
        return portal.finish_login(check, Verdict(False))
    ok = hasher.verify(check.password_hash, password)
    new_hash = hasher.hash(password) if ok and hasher.needs_rehash(check.password_hash) else None
    return portal.finish_login(check, Verdict(ok, new_hash))


def reset_password(
    portal: Portal, hasher: Any, token: str, new_password: str, *, chat_key: str = "tg:reset"
) -> None:
    check_new_password(new_password)
    portal.complete_password_reset(token_hash(token), hasher.hash(new_password), chat_key)


@pytest.fixture
def fake_uow() -> type[FakeUnitOfWork]:
    """The fake unit of work class, for tests that subclass it."""
    return FakeUnitOfWork
