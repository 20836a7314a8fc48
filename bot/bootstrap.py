"""The composition root: everything is built here from typed settings, and nowhere else.

``await build(settings)`` migrates the store, wires the account domain (``Portal``), the password
pool, the conversation engine and the e-mail relay, and returns them as one ``App`` to close at
the end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.conversation.engine import Engine, EngineOptions
from bot.domain.catalogue import default_catalogue
from bot.domain.passwords import Argon2Hasher, PasswordPool
from bot.domain.portal import Portal
from bot.domain.ports import PasswordHasher
from bot.handoff.hours import BusinessHours
from bot.i18n import Translator, translator
from bot.mail_relay import OutboxRelay, transport_from_settings
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.migrate import upgrade_database
from bot.storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def hasher_from(settings: Settings) -> PasswordHasher:
    """The one place production's Argon2 parameters are chosen."""
    return Argon2Hasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib)


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
    if migrate:
        await asyncio.to_thread(upgrade_database, settings.database_url)
    db = Database(settings.database_url, threads=settings.db_threads)
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
    relay = OutboxRelay(db, transport_from_settings(settings), clock)
    return App(settings, db, t, portal, engine, relay, hasher, passwords, clock)
