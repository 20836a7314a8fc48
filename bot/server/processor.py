"""Each worker serves chats with pending inbox rows, one chat at a time across processes.

The loop asks the inbox for chats with updates ready, and for each chat it is not already
serving (up to ``concurrency`` at once) it takes the chat's lock (``bot.server.locks``) and
processes the chat's pending updates in update-id order. An update is ready ``hold_back`` after
it was received, so that an earlier update of the chat delivered a little later (Telegram does
not promise order) is served first; a chat stops at its first update not ready yet.

An update's handler answers ``DONE`` (the inbox row is finished) or ``RETRY`` (a transient
failure: the row stays, backing off, and the chat waits behind it, so order holds). After
``max_attempts`` the row is finished as ``failed`` and logged. A worker that dies mid-chat
leaves its rows pending and loses its lock: another worker picks the chat up on its next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.server import metrics
from bot.server.inbox import Inbox, Pending
from bot.server.locks import ChatLocks, Held

log = logging.getLogger(__name__)

DONE, RETRY, FAILED = "done", "retry", "failed"
Handler = Callable[[int, dict[str, Any]], Awaitable[str]]


@dataclass(frozen=True)
class ProcessorOptions:
    hold_back: timedelta = timedelta(milliseconds=150)
    concurrency: int = 8  # chats served at once by one worker
    poll: float = 0.25  # seconds between looks at the inbox when nothing woke us
    max_attempts: int = 8
    retry_base: float = 0.5  # seconds; doubled per attempt, capped
    retry_cap: float = 30.0


class Processor:
    def __init__(
        self,
        inbox: Inbox,
        locks: ChatLocks,
        handle: Handler,
        clock: Callable[[], datetime],
        options: ProcessorOptions = ProcessorOptions(),
    ) -> None:
        self.inbox, self.locks, self.handle, self.clock = inbox, locks, handle, clock
        self.options = options
        self._busy: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()

    def notify(self, delay: float | None = None) -> None:
        """Something arrived: look again once it is ready (after the hold-back)."""
        wait = self.options.hold_back.total_seconds() if delay is None else delay
        asyncio.get_running_loop().call_later(wait, self._wake.set)

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                started = await self._dispatch()
                failures = 0
            except Exception as error:  # the database may be restarting: try again soon
                failures += 1
                metrics.ERRORS.labels("processor").inc()
                log.warning("processor: inbox unavailable (%s)", type(error).__name__)
                await asyncio.sleep(min(0.2 * 2**failures, 5.0))
                continue
            if not started:
                await self._idle()

    async def aclose(self) -> None:
        tasks = list(self._busy.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _dispatch(self) -> int:
        room = self.options.concurrency - len(self._busy)
        if room <= 0:
            return 0
        now = self.clock()
        chats = await self.inbox.due_chats(now, now - self.options.hold_back, room + 8)
        fresh = [chat for chat in chats if chat not in self._busy][:room]
        for chat in fresh:
            self._busy[chat] = asyncio.create_task(self._serve(chat), name=f"chat {chat}")
        return len(fresh)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.options.poll)
        self._wake.clear()

    async def _serve(self, chat: str) -> None:
        try:
            async with self.locks.hold(chat) as held:
                if held is not None:
                    while await self._serve_some(chat, held):
                        pass
        except Exception as error:
            metrics.ERRORS.labels("processor").inc()
            log.warning("chat %s left for later (%s)", chat, type(error).__name__)
        finally:
            self._busy.pop(chat, None)
            self._wake.set()

    async def _serve_some(self, chat: str, held: Held) -> bool:
        """Process the chat's ready updates in order; True if there may be more."""
        rows = await self.inbox.pending(chat)
        for row in rows:
            now = self.clock()
            if not row.due(now, now - self.options.hold_back):
                self._wake_when_due(row, now)
                return False
            if not await held.alive():
                return False
            if not await self._process(row):
                return False
        return bool(rows)

    async def _process(self, row: Pending) -> bool:
        """One update; False when it is to be retried (the chat waits behind it)."""
        started = time.perf_counter()
        result = await self.handle(row.update_id, row.payload)
        metrics.PROCESSING.observe(time.perf_counter() - started)
        now = self.clock()
        if result == RETRY and row.attempts + 1 < self.options.max_attempts:
            metrics.UPDATES_PROCESSED.labels(RETRY).inc()
            await self.inbox.retry(row.update_id, row.attempts + 1, now + self._backoff(row))
            return False
        if result == RETRY:
            result = FAILED
            log.error("update %d given up after %d attempts", row.update_id, row.attempts + 1)
        await self.inbox.finish(row.update_id, result, now)
        metrics.UPDATES_PROCESSED.labels(result).inc()
        metrics.UPDATE_LATENCY.observe((now - row.received_at).total_seconds())
        return True

    def _backoff(self, row: Pending) -> timedelta:
        seconds = min(self.options.retry_base * 2**row.attempts, self.options.retry_cap)
        return timedelta(seconds=seconds)

    def _wake_when_due(self, row: Pending, now: datetime) -> None:
        ready = max(row.received_at + self.options.hold_back, row.next_attempt_at)
        self.notify(max((ready - now).total_seconds(), 0.0) + 0.01)
