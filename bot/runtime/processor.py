"""Each worker serves chats with pending inbox rows, one chat at a time across processes.

The loop asks the inbox for chats with updates ready, and for each chat it is not already
serving (up to ``concurrency`` at once) it takes the chat's lock (``bot.runtime.locks``) and
processes the chat's pending updates in update-id order. An update is ready ``hold_back`` after
it was received, so that an earlier update of the chat delivered a little later (Telegram does
not promise order) is served first; a chat stops at its first update not ready yet.

An update's handler answers ``DONE``, ``RETRY`` (a transient failure: the database or the Bot
API not reachable; the row stays, backing off, and the chat waits behind it, so order holds —
for as long as it takes), ``BEHIND`` (an earlier update of the chat is pending: nothing was
written, the chat is served again from its first update) or ``Failed(reason)`` (the turn itself
failed).

**The turn checks that it is the chat's first pending update**, in its own transaction (the
statement that marks the update done, ``TurnStore.finish_update``). The list of a chat's
pending updates is read before their turns run, and on a loaded machine a second or more may
pass between that read and a turn: an earlier update that Telegram delivered late, stored in
between, was overtaken. That was the load test's flake once the outage hold below was in (a
press served before the one it follows, answered as a stale button: one journey
short, nothing pending, no e-mail; seen with stress-ng on 2 cores, and replayed by
``tests/scale/test_server.py``). What is left is the hold-back's own bound: an earlier update
stored more than ``hold_back`` after a later one of its chat became ready is still overtaken.

**After an outage, everything waits ``resume_after``.** While the database is down the webhook
answers 503 and Telegram delivers those updates again later; an update stored *before* the
outage has meanwhile grown older than the hold-back, so the moment the database is back it
would be served ahead of an earlier update of its chat that is still on its way again
(``tests/scale/test_server.py`` shows it; it was the load test's first flake, which restarts
PostgreSQL mid-run). So the first look at the inbox after a failed one (or after this worker
refused an update) holds every chat for ``resume_after``: Telegram's redeliveries land first.

A failing turn is tried
``max_attempts`` times, then **parked**: ``park`` moves it to the dead letters, apologises to
the customer and shows the step again. Nothing is dropped in silence. A worker that dies
mid-chat leaves its rows pending and loses its lock: another worker picks the chat up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime import metrics
from bot.runtime.inbox import Inbox, Pending
from bot.runtime.locks import ChatLocks, Held

log = logging.getLogger(__name__)

DONE, RETRY = "done", "retry"
BEHIND = "behind"  # an earlier update of the chat is pending: serve the chat again from it


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str  # no customer text: the exception's type and message


Result = str | Failed
Handler = Callable[[Pending], Awaitable[Result]]
Park = Callable[[Pending, str, int], Awaitable[None]]


@dataclass(frozen=True)
class ProcessorOptions:
    hold_back: timedelta = timedelta(milliseconds=150)
    concurrency: int = 8  # chats served at once by one worker
    poll: float = 0.25  # seconds between looks at the inbox when nothing woke us
    max_attempts: int = 3  # of a failing turn, before it is parked
    retry_base: float = 0.5  # seconds; doubled per attempt, capped
    retry_cap: float = 30.0
    resume_after: timedelta = timedelta(seconds=3)  # after an outage: redeliveries land first


class Processor:
    def __init__(
        self,
        inbox: Inbox,
        locks: ChatLocks,
        handle: Handler,
        park: Park,
        clock: Callable[[], datetime],
        options: ProcessorOptions = ProcessorOptions(),
    ) -> None:
        self.inbox, self.locks, self.handle, self.park = inbox, locks, handle, park
        self.clock, self.options = clock, options
        self._busy: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._down = False  # the inbox failed (or an update was refused) since the last look
        self._held_until: datetime | None = None

    def notify(self, delay: float | None = None) -> None:
        """Something arrived: look again once it is ready (after the hold-back)."""
        wait = self.options.hold_back.total_seconds() if delay is None else delay
        asyncio.get_running_loop().call_later(wait, self._wake.set)

    def outage(self) -> None:
        """The inbox could not be reached, or the webhook refused an update: once it is back,
        every chat waits ``resume_after`` (Telegram is delivering the refused ones again)."""
        self._down = True

    def holding(self, now: datetime) -> bool:
        return self._held_until is not None and now < self._held_until

    @property
    def busy(self) -> int:
        """Chats being served right now (their replies included)."""
        return len(self._busy)

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                started = await self._dispatch()
                failures = 0
            except Exception as error:  # the database may be restarting: try again soon
                self.outage()
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
        if self._down:  # the first look since an outage
            self._down = False
            self._held_until = now + self.options.resume_after
            log.info("inbox back: holding updates %s", self.options.resume_after)
        if self.holding(now):
            assert self._held_until is not None
            self.notify((self._held_until - now).total_seconds() + 0.01)
            return 0
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
            if self._down or self.holding(now):
                return False  # an outage: the dispatcher holds, then serves the chat again
            if not row.due(now, now - self.options.hold_back):
                self._wake_when_due(row, now)
                return False
            if not await held.alive():
                return False
            if not await self._process(row):
                return False
        return bool(rows)

    async def _process(self, row: Pending) -> bool:
        """One update; False when it is to be tried again later (the chat waits behind it)."""
        started = time.perf_counter()
        result = await self.handle(row)
        metrics.PROCESSING.observe(time.perf_counter() - started)
        now = self.clock()
        attempts = row.attempts + 1
        if result == BEHIND:
            metrics.UPDATES_PROCESSED.labels(BEHIND).inc()
            return False
        if result == RETRY or (isinstance(result, Failed) and attempts < self.options.max_attempts):
            metrics.UPDATES_PROCESSED.labels(RETRY).inc()
            await self.inbox.retry(row.update_id, attempts, now + self._backoff(row))
            return False
        if isinstance(result, Failed):
            log.error(
                "update %d parked after %d attempts: %s", row.update_id, attempts, result.reason
            )
            metrics.UPDATES_PROCESSED.labels("parked").inc()
            await self.park(row, result.reason, attempts)
        else:
            metrics.UPDATES_PROCESSED.labels(DONE).inc()
        metrics.UPDATE_LATENCY.observe((now - row.received_at).total_seconds())
        return True

    def _backoff(self, row: Pending) -> timedelta:
        seconds = min(self.options.retry_base * 2**row.attempts, self.options.retry_cap)
        return timedelta(seconds=seconds)

    def _wake_when_due(self, row: Pending, now: datetime) -> None:
        ready = max(row.received_at + self.options.hold_back, row.next_attempt_at)
        self.notify(max((ready - now).total_seconds(), 0.0) + 0.01)


def describe(error: BaseException) -> str:
    """A failure as a dead letter keeps it: its type and message, never an update's text."""
    return f"{type(error).__name__}: {error}"[:300]
