"""The demo dataset of DOMAIN.md (``demo.toml``): two accounts and their systems, dates
relative to "today".

Used by the tests, the conversation scripts and anyone trying the bot (``aspel-bot demo``).
Loading is idempotent: a second load finds ``mmendez`` and changes nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from bot.domain.model import Modality, Periodicity, Purchase
from bot.domain.ports import (
    NewAccount,
    NewContract,
    NewSerial,
    PasswordHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.storage.db import Database

DEMO_FILE = Path(__file__).with_name("demo.toml")


@dataclass(frozen=True, slots=True)
class DemoSystem:
    product: str
    version: str
    modality: Modality
    periodicity: Periodicity | None
    purchase: Purchase | None
    users: int
    serial: str
    activated_days_ago: int
    next_payment_in_days: int | None
    cda: str

    @classmethod
    def from_toml(cls, raw: dict[str, Any]) -> DemoSystem:
        periodicity, purchase = raw.get("periodicity"), raw.get("purchase")
        return cls(
            product=raw["product"],
            version=raw["version"],
            modality=Modality(raw["modality"]),
            periodicity=Periodicity(periodicity) if periodicity else None,
            purchase=Purchase(purchase) if purchase else None,
            users=raw["users"],
            serial=raw["serial"],
            activated_days_ago=raw["activated_days_ago"],
            next_payment_in_days=raw.get("next_payment_in_days"),
            cda=raw["cda"],
        )


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    password: str
    holder_name: str
    email: str
    company_name: str
    distributor: str | None
    systems: tuple[DemoSystem, ...]

    @classmethod
    def from_toml(cls, raw: dict[str, Any]) -> DemoAccount:
        systems = tuple(DemoSystem.from_toml(s) for s in raw["systems"])
        fields = {k: v for k, v in raw.items() if k != "systems"}
        return cls(**{"distributor": None, **fields}, systems=systems)


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = tuple(
    DemoAccount.from_toml(a) for a in tomllib.loads(DEMO_FILE.read_text("utf-8"))["accounts"]
)
DEMO_CREDENTIALS: dict[str, str] = {a.username: a.password for a in DEMO_ACCOUNTS}
DEMO_CDAS: dict[str, str] = {s.serial: s.cda for a in DEMO_ACCOUNTS for s in a.systems}


def load_demo(source: Database | UnitOfWorkFactory, hasher: PasswordHasher, today: date) -> bool:
    """Loads the dataset in one transaction; ``False`` when it was already there."""
    uow = _unit_of_work(source)
    hashes = {a.username: hasher.hash(a.password) for a in DEMO_ACCOUNTS}
    now = datetime.now(UTC)
    with uow:
        if uow.accounts.by_username(DEMO_ACCOUNTS[0].username) is not None:
            return False
        for account in DEMO_ACCOUNTS:
            _add_account(uow, account, hashes[account.username], today, now)
        uow.commit()
    return True


def _unit_of_work(source: Database | UnitOfWorkFactory) -> UnitOfWork:
    if isinstance(source, Database):
        from bot.storage.unit_of_work import SqlUnitOfWork

        return SqlUnitOfWork(source)
    return source()


def _add_account(
    uow: UnitOfWork, demo: DemoAccount, password_hash: str, today: date, now: datetime
) -> None:
    account_id = uow.accounts.add(
        NewAccount(
            demo.username,
            password_hash,
            demo.holder_name,
            demo.company_name,
            demo.email,
            demo.distributor,
        ),
        now,
    )
    for system in demo.systems:
        contract_id = uow.serials.add_contract(_contract(account_id, system, today), now)
        activated = today - timedelta(days=system.activated_days_ago)
        uow.serials.add_serial(
            NewSerial(contract_id, system.serial, system.version, activated), now
        )


def _contract(account_id: int, system: DemoSystem, today: date) -> NewContract:
    days = system.next_payment_in_days
    return NewContract(
        account_id=account_id,
        product=system.product,
        modality=system.modality,
        periodicity=system.periodicity,
        purchase=system.purchase,
        users=system.users,
        next_validation=today + timedelta(days=days) if days is not None else None,
        cda=system.cda,
    )


@click.command(name="demo")
@click.option(
    "--database", "database", metavar="URL", help="Database URL (wins over DATABASE_URL)."
)
def command(database: str | None) -> None:
    """Migrate the database and load the demo accounts; print their logins."""
    from bot.bootstrap import database_from, hasher_from, settings_for
    from bot.storage.migrate import upgrade_database

    settings = settings_for(database)
    upgrade_database(settings.database_url)
    db = database_from(settings)
    try:
        loaded = load_demo(db, hasher_from(settings), datetime.now(UTC).date())
    finally:
        db.dispose()
    click.echo("Demo dataset loaded." if loaded else "Demo dataset was already loaded.")
    for username, password in DEMO_CREDENTIALS.items():
        click.echo(f"  user {username:<8} password {password}")
