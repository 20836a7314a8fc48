"""The bench dataset: one account per chat, each with its own subscriptions, in a template
database built once per size through the domain's repositories, and cloned for every run (a file
copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so that every repetition starts
from the same state. The password is hashed once and the hash reused by every account.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from bench import journey
from bot.domain.model import Modality, Periodicity
from bot.domain.ports import NewAccount, NewContract, NewSerial, UnitOfWork
from bot.storage.db import Database
from bot.storage.migrate import upgrade_database
from bot.storage.schema import conversations
from bot.storage.unit_of_work import SqlUnitOfWork

CHUNK = 500  # accounts per transaction while loading


def _add_account(uow: UnitOfWork, i: int, password_hash: str, today: date) -> None:
    now = datetime.now(UTC)
    account = NewAccount(
        journey.username(i),
        password_hash,
        f"Cliente {i}",
        f"Empresa {i} SA de CV",
        f"cliente{i}@example.com",
        "Distribuidora Centro",
    )
    account_id = uow.accounts.add(account, now)
    systems = [
        ("COI", "8.0", Periodicity.MONTHLY, journey.upgrade_serial(i)),
        ("NOI", "9.0", Periodicity.YEARLY, journey.cda_serial(i)),
    ]
    for product, version, periodicity, serial in systems:
        contract = NewContract(
            account_id, product, Modality.SUBSCRIPTION, periodicity, None, 1,
            today + timedelta(days=30), "7QK2-M9XA-4D3F-PL8C",
        )  # fmt: skip
        contract_id = uow.serials.add_contract(contract, now)
        activated = today - timedelta(days=90)
        uow.serials.add_serial(NewSerial(contract_id, serial, version, activated), now)


def _load_accounts(url: str, chats: int, password_hash: str) -> None:
    upgrade_database(url)
    db = Database(url)
    today = datetime.now(UTC).date()
    try:
        for start in range(0, chats, CHUNK):
            with SqlUnitOfWork(db) as uow:
                for i in range(start, min(start + CHUNK, chats)):
                    _add_account(uow, i, password_hash, today)
                uow.commit()
    finally:
        db.dispose()


async def load_accounts(url: str, chats: int, password_hash: str) -> None:
    """Migrate ``url`` and add accounts 0…chats-1."""
    await asyncio.to_thread(_load_accounts, url, chats, password_hash)


def stored_row(n: int, now: datetime) -> dict[str, object]:
    """A conversation someone left at the modality step: what most stored rows look like."""
    slots = {
        "journey": "cda",
        "offered": [["mod:subscription", "Suscripciones"], ["mod:licence", "Licenciamiento"]],
    }
    return {
        "chat_id": f"tg:{9_000_000_000 + n}",
        "state": "menu",
        "state_version": 1,
        "slots": json.dumps(slots, separators=(",", ":")),
        "account_id": None,
        "turn": 4,
        "updated_at": now,
        "expires_at": None,
    }


def _insert_conversations(url: str, count: int, batch: int) -> None:
    db = Database(url)
    now = datetime.now(UTC)
    try:
        rows = (stored_row(n, now) for n in range(count))
        while chunk := list(itertools.islice(rows, batch)):
            with db.begin() as conn:
                conn.execute(insert(conversations), chunk)
    finally:
        db.dispose()


async def insert_conversations(url: str, count: int, batch: int = 5_000) -> None:
    """Insert ``count`` stored conversations directly (not through the bot)."""
    await asyncio.to_thread(_insert_conversations, url, count, batch)


# --- template databases and their clones ------------------------------------------------------


@dataclass
class SqliteDatabases:
    workdir: Path
    _clones: itertools.count[int] = field(default_factory=itertools.count)

    def _template(self, name: str) -> Path:
        return self.workdir / f"template-{name}.db"

    async def template(self, name: str, chats: int, password_hash: str) -> None:
        path = self._template(name)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        await load_accounts(f"sqlite:///{partial}", chats, password_hash)
        partial.rename(path)

    def clone(self, name: str) -> str:
        target = self.workdir / f"run-{next(self._clones)}.db"
        shutil.copyfile(self._template(name), target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass
class PostgresDatabases:
    admin_url: str  # a database the user may connect to and CREATE DATABASE from
    prefix: str = "aspel_bench"
    _clones: itertools.count[int] = field(default_factory=itertools.count)

    def _url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        url = make_url(self.admin_url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    async def template(self, name: str, chats: int, password_hash: str) -> None:
        database = f"{self.prefix}_tpl_{name}"
        await asyncio.to_thread(self._admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await asyncio.to_thread(self._admin, f"CREATE DATABASE {database}")
        await load_accounts(self._url(database), chats, password_hash)

    def clone(self, name: str) -> str:
        database = f"{self.prefix}_run_{next(self._clones)}"
        self._admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        self._admin(f"CREATE DATABASE {database} TEMPLATE {self.prefix}_tpl_{name}")
        return self._url(database)

    def drop(self, url: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")


Databases = SqliteDatabases | PostgresDatabases
