"""The composition root: everything is built here from typed settings, and nowhere else.

``await build(settings)`` migrates the store, wires the account domain (``Portal``), the
conversation engine and the e-mail relay, and returns them as one ``App`` to close at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation.engine import Engine
from bot.domain.catalogue import default_catalogue
from bot.domain.passwords import Argon2Hasher
from bot.domain.portal import Portal
from bot.domain.ports import PasswordHasher
from bot.handoff.hours import BusinessHours
from bot.i18n import Translator, translator
from bot.mail_relay import OutboxRelay, transport_from_settings
from bot.settings import Settings
from bot.storage.conversations import ConversationStore
from bot.storage.db import create_engine
from bot.storage.migrate import ensure_schema
from bot.storage.unit_of_work import unit_of_work_factory

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    db: AsyncEngine
    translate: Translator
    portal: Portal
    store: ConversationStore
    engine: Engine
    relay: OutboxRelay
    hasher: PasswordHasher
    clock: Callable[[], datetime]

    async def load_demo(self) -> bool:
        """Load the demo dataset if the store has none yet; True if it was loaded now."""
        from bot.demo import load_demo

        return await load_demo(self.db, self.hasher, self.clock().date())

    async def aclose(self) -> None:
        await self.db.dispose()


async def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    hasher: PasswordHasher | None = None,
    migrate: bool = True,
) -> App:
    if migrate:
        await ensure_schema(settings.database_url)
    db = create_engine(settings.database_url)
    t = translator()
    hasher = hasher or Argon2Hasher()
    portal = Portal(unit_of_work_factory(db), hasher, t, clock, default_catalogue())
    store = ConversationStore(db)
    engine = Engine(
        store=store,
        portal=portal,
        translate=t,
        clock=clock,
        idle_timeout=timedelta(minutes=settings.idle_timeout_minutes),
        hours=BusinessHours.parse(settings.business_hours, settings.timezone),
    )
    relay = OutboxRelay(db, transport_from_settings(settings), clock)
    return App(settings, db, t, portal, store, engine, relay, hasher, clock)
