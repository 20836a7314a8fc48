"""What the use cases need from the outside world, as protocols, and the records they exchange.

``bot.storage`` implements the repositories and the unit of work over SQLAlchemy; the unit tests
implement them in memory. Only the unit of work commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain.model import Modality, OutgoingEmail, Periodicity, Purchase, SerialStatus

Clock = Callable[[], datetime]  # aware UTC "now"
Templates = Callable[..., str]  # bot.i18n.Translator: t(key, **variables) -> str


class Conflict(Exception):
    """A uniqueness guard of the store refused a write; the use case rolls back and re-reads."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    username: str
    password_hash: str
    holder_name: str
    company_name: str
    email: str
    distributor: str | None


@dataclass(frozen=True, slots=True)
class NewAccount:
    username: str
    password_hash: str
    holder_name: str
    company_name: str
    email: str
    distributor: str | None


@dataclass(frozen=True, slots=True)
class NewContract:
    account_id: int
    product: str
    modality: Modality
    periodicity: Periodicity | None
    purchase: Purchase | None
    users: int
    next_validation: date | None
    cda: str


@dataclass(frozen=True, slots=True)
class NewSerial:
    contract_id: int
    serial: str
    version: str
    activated_on: date
    status: SerialStatus = SerialStatus.ACTIVE
    usable_until: date | None = None
    replaces_id: int | None = None


@dataclass(frozen=True, slots=True)
class SerialRecord:
    """A serial joined with its contract (and the serial that replaced it, if any)."""

    id: int
    serial: str
    version: str
    activated_on: date
    status: SerialStatus
    usable_until: date | None
    replaces_id: int | None
    replaced_by: str | None
    contract_id: int
    account_id: int
    product: str
    modality: Modality
    periodicity: Periodicity | None
    purchase: Purchase | None
    users: int
    next_validation: date | None
    cda: str


@dataclass(slots=True)
class Throttle:
    key: str
    failures: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None
    window_started_at: datetime | None = None  # the window's first failure


@dataclass(frozen=True, slots=True)
class ResetRecord:
    id: int
    account_id: int
    expires_at: datetime
    used_at: datetime | None


class AccountRepository(Protocol):
    def get(self, account_id: int) -> AccountRecord | None: ...

    def by_username(self, username: str) -> AccountRecord | None: ...

    def by_login(self, username_or_email: str) -> list[AccountRecord]: ...

    def add(self, account: NewAccount, now: datetime) -> int: ...

    def set_password_hash(self, account_id: int, password_hash: str) -> None: ...


class SerialRepository(Protocol):
    def for_account(self, account_id: int) -> list[SerialRecord]: ...

    def owned(
        self, account_id: int, serial: str, *, for_update: bool = False
    ) -> SerialRecord | None: ...

    def exists(self, serial: str) -> bool: ...

    def add_contract(self, contract: NewContract, now: datetime) -> int: ...

    def add_serial(self, serial: NewSerial, now: datetime) -> int:
        """Raises ``Conflict`` when the serial or the ``replaces_id`` is already taken."""
        ...

    def retire(self, serial_id: int, status: SerialStatus, usable_until: date | None) -> None: ...


class ThrottleRepository(Protocol):
    def get(self, keys: list[str], *, for_update: bool = False) -> dict[str, Throttle]: ...

    def save(self, throttle: Throttle) -> None: ...

    def clear(self, keys: list[str]) -> None: ...

    def forget_before(self, before: datetime) -> None:
        """Delete counters whose window opened before then."""
        ...


class TrustedChatRepository(Protocol):
    """The chats that logged in to an account before (the "device cookies")."""

    def last_used(self, account_id: int, chat: str) -> datetime | None: ...

    def touch(self, account_id: int, chat: str, now: datetime) -> None:
        """Trust ``chat`` for the account from now on (or refresh its last use)."""
        ...


class ResetRepository(Protocol):
    def add(self, account_id: int, token_hash: str, expires_at: datetime, now: datetime) -> int: ...

    def created_since(self, account_id: int, since: datetime) -> int:
        """How many codes were issued for the account since then."""
        ...

    def by_token_hash(self, token_hash: str) -> ResetRecord | None: ...

    def use_all(self, account_id: int, now: datetime) -> None: ...


class CdaResendRepository(Protocol):
    def since(self, serial_id: int, since: datetime) -> list[datetime]: ...

    def add(self, serial_id: int, at: datetime) -> int: ...


class Outbox(Protocol):
    def add(self, email: OutgoingEmail, now: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction per ``with``; leaving the block without ``commit`` rolls back."""

    # Read-only members (properties), so an implementation may hold narrower types.
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def serials(self) -> SerialRepository: ...
    @property
    def throttles(self) -> ThrottleRepository: ...
    @property
    def trusted_chats(self) -> TrustedChatRepository: ...
    @property
    def resets(self) -> ResetRepository: ...
    @property
    def cda_resends(self) -> CdaResendRepository: ...
    @property
    def outbox(self) -> Outbox: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
