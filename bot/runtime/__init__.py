"""The running bot: the same duties for ``aspel-bot run`` (polling) and ``aspel-bot serve``
(webhook, N workers). Only the source of updates differs.

- ``inbox``: every update stored (sealed) before Telegram is told it arrived;
- ``processor``: each chat's pending updates in update-id order, one chat at a time across
  processes (``locks``), a failing turn retried then parked with an apology;
- the reply sender's recovery: what a previous process left unsent is sent, in order;
- ``sweeper``: stored deadlines as turns — inactivity expiry that tells the customer, the
  advisor-queue reminder;
- the e-mail relay (``bot.mail_relay``);
- ``cleanup``: processed inbox rows, sent deliveries and e-mail bodies, once they are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.runtime.cleanup import Cleanup
from bot.runtime.inbox import Inbox, Pending
from bot.runtime.locks import ChatLocks, LocalChatLocks
from bot.runtime.processor import Processor, ProcessorOptions, Result
from bot.runtime.sweeper import Sweeper, Timers
from bot.storage.sealed import sealer_for

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.channels.telegram.app import TelegramBot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuntimeOptions:
    processor: ProcessorOptions = ProcessorOptions()
    sweep_seconds: float = 5.0
    recover_seconds: float = 30.0
    relay_poll_seconds: float = 2.0
    relay_lease_seconds: float = 60.0


class Runtime:
    def __init__(
        self,
        app: App,
        telegram: TelegramBot,
        *,
        locks: ChatLocks | None = None,
        options: RuntimeOptions = RuntimeOptions(),
    ) -> None:
        self.app, self.telegram, self.options = app, telegram, options
        self.clock: Callable[[], datetime] = app.clock
        sealer = sealer_for(
            app.settings.data_keys.get_secret_value() if app.settings.data_keys else None,
            app.settings.database_url,
        )
        self.inbox = Inbox(app.db, sealer)
        self.locks = locks or LocalChatLocks()
        self.timers = Timers(app.db)
        self.processor = Processor(
            self.inbox, self.locks, self._handle, telegram.park, self.clock, options.processor
        )
        self.sweeper = Sweeper(
            timers=self.timers,
            locks=self.locks,
            engine=app.engine,
            deliver=telegram.deliver,
            clock=self.clock,
        )
        self.cleanup = Cleanup(app.db, self.clock)
        self._tasks: list[asyncio.Task[Any]] = []

    async def _handle(self, row: Pending) -> Result:
        return await self.telegram.handle(row, self.inbox, self.clock())

    async def start(self) -> None:
        """The background duties, as tasks of this event loop."""
        await self._recover()
        relay = self.app.relay
        relay.lease = timedelta(seconds=self.options.relay_lease_seconds)
        self._tasks += [
            asyncio.create_task(self.processor.run(), name="processor"),
            asyncio.create_task(self.sweeper.run(self.options.sweep_seconds), name="sweeper"),
            asyncio.create_task(self._recovering(), name="deliveries"),
            asyncio.create_task(relay.run_forever(self.options.relay_poll_seconds), name="relay"),
            asyncio.create_task(self.cleanup.run(), name="cleanup"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.processor.aclose()
        await self.locks.aclose()

    async def _recover(self) -> None:
        """Replies a previous process saved but did not send: sent now, each chat under its
        lock (another worker may be serving it)."""
        sender = self.telegram.sender
        for chat in await sender.pending_chats():
            async with self.locks.hold(chat) as held:
                if held is not None:
                    await sender.recover(partial(operator.eq, chat))

    async def _recovering(self) -> None:
        while True:
            await asyncio.sleep(self.options.recover_seconds)
            try:
                await self._recover()
            except Exception as error:  # the database may be restarting: next round
                log.warning("delivery recovery failed (%s)", type(error).__name__)
