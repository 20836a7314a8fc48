"""Clean-ups, hourly, by every worker (each statement is safe to run twice):

- processed inbox rows older than two days (kept that long so that Telegram's retries of an
  update are recognised and dropped);
- deliveries sent more than a week ago (a parked one stays until support retries it);
- e-mail bodies already delivered that a relay of an older release left in the outbox (the
  relay now clears the body once the mail is sent: reset codes and CDAs do not stay at rest;
  the row — to whom, what kind, when — stays for support).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, update

from bot.runtime import metrics
from bot.storage.db import Database
from bot.storage.schema import deliveries, inbox, outbox

log = logging.getLogger(__name__)

INBOX_KEPT = timedelta(days=2)
DELIVERIES_KEPT = timedelta(days=7)
EVERY = 3600.0  # seconds


class Cleanup:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    async def run(self, every: float = EVERY) -> None:
        while True:
            try:
                await self.once()
            except Exception as error:  # the database may be restarting: next round
                metrics.ERRORS.labels("cleanup").inc()
                log.warning("clean-up failed (%s)", type(error).__name__)
            await asyncio.sleep(every)

    async def once(self) -> tuple[int, int, int]:
        now = self.clock()

        def clean(conn: Connection) -> tuple[int, int, int]:
            updates = conn.execute(delete(inbox).where(inbox.c.processed_at < now - INBOX_KEPT))
            sent = conn.execute(
                delete(deliveries).where(deliveries.c.sent_at < now - DELIVERIES_KEPT)
            )
            bodies = conn.execute(
                update(outbox)
                .where(outbox.c.sent_at.is_not(None), outbox.c.body != "")
                .values(body="")
            )
            return updates.rowcount, sent.rowcount, bodies.rowcount

        counts = await self.db.write(clean)
        if any(counts):
            log.info("cleaned %d inbox rows, %d deliveries, %d e-mail bodies", *counts)
        return counts
