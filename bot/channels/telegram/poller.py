"""Long polling into the inbox: ``getUpdates``, store the batch, then ask for the next.

Telegram forgets an update once a later ``getUpdates`` asks from past it (``offset``), so a
batch is stored (sealed, in one transaction) before that request: an update is never lost
between Telegram and the database, whatever dies when. Telegram's own retries (the same update
id again) are dropped by the inbox. A database or a Bot API that cannot be reached is waited
for, with backoff; the batch is asked for again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.runtime.inbox import Inbox

log = logging.getLogger(__name__)

LONG_POLL = 25  # seconds Telegram holds a getUpdates open when there is nothing to say
BACKOFF_CAP = 10.0  # seconds: after an outage (Telegram, the database) polling resumes soon


class Poller:
    def __init__(
        self,
        bot: Bot,
        inbox: Inbox,
        clock: Callable[[], datetime],
        notify: Callable[[], None],
        allowed: list[str],
        timeout: int = LONG_POLL,
    ) -> None:
        self.bot, self.inbox, self.clock, self.notify = bot, inbox, clock, notify
        self.allowed, self.timeout = allowed, timeout
        self.offset: int | None = None
        self.stored = 0

    async def run(self) -> None:
        failures = 0
        webhook_deleted = False
        while True:
            try:
                if not webhook_deleted:  # getUpdates refuses to run while a webhook is set;
                    await self.bot.delete_webhook()  # retried like a poll: Telegram may be down
                    webhook_deleted = True
                got = await self.poll_once()
                failures = 0
            except InvalidToken:
                raise
            except (NetworkError, TelegramError, Exception) as error:
                failures += 1
                wait = min(0.5 * 2**failures, BACKOFF_CAP)
                log.warning("polling: %s; again in %.1f s", type(error).__name__, wait)
                await asyncio.sleep(wait)
                continue
            if got:
                self.notify()

    async def poll_once(self) -> int:
        """One ``getUpdates``; the updates are stored as Telegram sent them (raw JSON)."""
        asked: dict[str, Any] = {"timeout": self.timeout, "allowed_updates": self.allowed}
        if self.offset is not None:
            asked["offset"] = self.offset
        updates: list[dict[str, Any]] = await self.bot.do_api_request(
            "getUpdates", api_kwargs=asked, read_timeout=self.timeout + 10
        )
        if not updates:
            return 0
        self.stored += await self.inbox.accept_many(updates, self.clock())
        self.offset = max(u["update_id"] for u in updates) + 1  # only now: the batch is stored
        return len(updates)
