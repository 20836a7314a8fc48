"""The composition root: everything is built here from typed settings, and nowhere else.

``await build(settings)`` migrates the store, wires the account domain (``Portal``), the password
pool, the conversation engine and the e-mail relay, and returns them as one ``App`` to close at
the end.

Settings are read once per process (``settings_for``: by the CLI's root context, or once for a
process without one, such as a server worker); the database, the Argon2 hasher and the e-mail
relay each have one factory here (``database_from``, ``hasher_from``, ``relay_from``), and the
Telegram application one builder (``bot.channels.telegram.app.build_telegram``). Commands take
what they need from these. The conversation engine is imported in ``build`` only, so commands
that only read the store start quickly.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

import click

from bot.domain.passwords import Argon2Hasher
from bot.domain.ports import PasswordHasher
from bot.i18n import Translator, translator
from bot.mail_relay import OutboxRelay, transport_from_settings
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.migrate import upgrade_database

if TYPE_CHECKING:
    from bot.conversation.engine import Engine
    from bot.domain.passwords import PasswordPool
    from bot.domain.portal import Portal

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Root:
    """One per process (or per CLI invocation): the settings, read from the environment once."""

    @cached_property
    def environment(self) -> Settings:
        return Settings()


_PROCESS = Root()


def settings_for(database: str | None = None) -> Settings:
    """This process's settings, ``--database URL`` applied (it wins over DATABASE_URL)."""
    context = click.get_current_context(silent=True)
    root = context.find_root().ensure_object(Root) if context is not None else _PROCESS
    return root.environment.with_database(database)


def database_from(settings: Settings) -> Database:
    """The one place a store (its SQLAlchemy engine and threads) is built from settings."""
    keys = settings.data_keys.get_secret_value() if settings.data_keys else None
    return Database(settings.database_url, threads=settings.db_threads, data_keys=keys)


def relay_from(
    settings: Settings, db: Database, clock: Callable[[], datetime] = utcnow
) -> OutboxRelay:
    """The outbox relay: SMTP (SMTP_URL) or ``.eml`` files in OUTBOX_DIR."""
    return OutboxRelay(db, transport_from_settings(settings), clock)


def hasher_from(settings: Settings) -> PasswordHasher:
    """The one place production's Argon2 parameters are chosen."""
    return Argon2Hasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib)


_SETTLED = False


def settle_heap() -> None:
    """Once per serving process, after start-up: move what start-up built (modules, the NLU
    model, the Fluent bundles, SQLAlchemy's tables) out of the garbage collector's sight.

    CPython's full collection walks every tracked object — some 165,000 once the bot is built,
    90 ms on an idle core and 300 ms on a busy one — and it comes every few tens of seconds of
    serving, freezing every chat's turn meanwhile. Objects frozen here are never collected (they
    live as long as the process anyway); what the turns allocate is collected as before, in a
    heap that stays small. ``aspel-bot run`` and ``serve`` call this; the benchmark too.
    """
    global _SETTLED
    if _SETTLED:
        return
    from bot.nlu import understand

    understand("hola")  # the model loads on first use: load it before freezing
    gc.collect()
    gc.freeze()
    _SETTLED = True


@dataclass
class App:
    settings: Settings
    db: Database
    translate: Translator
    portal: Portal
    engine: Engine
    relay: OutboxRelay
    hasher: PasswordHasher
    passwords: PasswordPool
    clock: Callable[[], datetime]

    async def load_demo(self) -> bool:
        """Load the demo dataset if the store has none yet; True if it was loaded now."""
        from bot.demo import load_demo

        return await asyncio.to_thread(load_demo, self.db, self.hasher, self.clock().date())

    async def aclose(self) -> None:
        self.passwords.close()
        await self.db.aclose()


async def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    hasher: PasswordHasher | None = None,
    migrate: bool = True,
) -> App:
    from bot.conversation.engine import Engine, EngineOptions
    from bot.domain.catalogue import default_catalogue
    from bot.domain.passwords import PasswordPool
    from bot.domain.portal import Portal
    from bot.handoff.hours import BusinessHours
    from bot.storage.unit_of_work import SqlUnitOfWork

    if migrate:
        await asyncio.to_thread(upgrade_database, settings.database_url)
    db = database_from(settings)
    if db.sealer is None:
        log.warning("DATA_KEYS is not set: e-mail bodies wait in the outbox unsealed")
    t = translator()
    hasher = hasher or hasher_from(settings)
    passwords = PasswordPool(hasher)
    portal = Portal(lambda: SqlUnitOfWork(db), t, clock, default_catalogue())
    options = EngineOptions(
        idle_timeout=timedelta(minutes=settings.idle_timeout_minutes),
        hours=BusinessHours.parse(
            settings.business_hours,
            settings.timezone,
            settings.holidays_country,
            settings.holidays_subdivision,
        ),
        support=settings.support_chat_id is not None,
        reminder_after=timedelta(minutes=settings.handoff_reminder_minutes),
    )
    engine = Engine(
        db=db, portal=portal, passwords=passwords, translate=t, clock=clock, options=options
    )
    relay = relay_from(settings, db, clock)
    return App(settings, db, t, portal, engine, relay, hasher, passwords, clock)
