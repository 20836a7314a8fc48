"""The reply sender: performs a chat's deliveries (``bot.conversation.delivery``) in order.

Every turn's replies are rows in ``deliveries`` before anything is sent. The sender performs a
chat's rows one after another and marks each sent once Telegram accepted it:

- ``429 Too Many Requests`` is waited out as Telegram says (``retry_after``); a 5xx, a timeout
  or a network error is retried with capped exponential backoff; both until ``retry_for`` has
  passed since the row was due, then the row is **parked** (kept, with the reason, for
  ``aspel-bot deliveries``), and the chat's next rows go on;
- a refusal that will not change (the customer blocked the bot: 403; a 400 other than the
  harmless ones) parks the row at once;
- the chat's screen — the message with the live keyboard and whether it holds a result — is kept
  here as it really is, and stored with the conversation by the marks, so that after a restart
  (or on another worker) the previous keyboard is still the one taken down: at most one message
  of a chat carries a live keyboard.

Marks (sent, its message id, the screen) are written in batches on the database's threads (the
turns of several chats share one transaction); a turn's ``deliver`` returns once its marks are
written, before its chat's lock is let go. **The one window for a duplicate**: a row that
Telegram accepted but whose mark had not been written when the process died is sent again by
the next process (``recover``). Nothing else is ever sent twice; nothing is dropped in silence.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from weakref import WeakValueDictionary

from aiolimiter import AsyncLimiter
from telegram import Bot, InputFile, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram import api, marks
from bot.channels.telegram.marks import Mark, Screen
from bot.conversation.delivery import SEQ_PER_TURN, SUPPORT
from bot.conversation.messages import Delivery
from bot.handoff.tickets import TicketQueries
from bot.handoff.transcript import Renderer
from bot.storage.db import Database

log = logging.getLogger(__name__)

HARMLESS = ("message is not modified",)  # the change was already made
GONE = ("message to delete not found", "message can't be deleted", "message to edit not found")
BACKOFF_BASE, BACKOFF_CAP = 0.5, 30.0  # seconds
RECOVERY_BATCH = 200
Translate = Callable[..., str]


class Parked(Exception):
    """Telegram will not take this row (now or ever): it is parked with the reason."""


@dataclass(frozen=True, slots=True)
class SenderOptions:
    retry_for: timedelta = timedelta(minutes=15)
    rate: float = 30.0  # Bot API messages per second, the whole bot
    group_rate: float = 20.0  # messages per minute into one group (the support desk)


@dataclass
class Sender:
    bot: Bot
    db: Database
    t: Translate
    render: Renderer
    clock: Callable[[], datetime]
    support_chat: int | None = None
    options: SenderOptions = field(default_factory=SenderOptions)
    sleep: Callable[[float], Any] = asyncio.sleep

    def __post_init__(self) -> None:
        self._screens: dict[str, Screen] = {}
        self._last_turn: dict[str, int] = {}  # per chat: the turn this process performed last
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._marks: list[tuple[Mark, asyncio.Future[None]]] = []  # each resolved once written
        self._flushing: asyncio.Task[None] | None = None
        self._limit = AsyncLimiter(self.options.rate, 1)
        self._group_limit = AsyncLimiter(self.options.group_rate, 60)
        self._support_messages: dict[int, int] = {}  # ticket id -> its message in the group
        self.sent = 0
        self.parked = 0
        self.retried = 0

    # --- the public side ---------------------------------------------------------------

    async def deliver(self, rows: Sequence[Delivery], stored: tuple[int | None, bool]) -> None:
        """Perform one turn's rows, in order; returns once each is sent or parked."""
        if not rows:
            return
        chat, turn = rows[0].chat_id, rows[0].seq // SEQ_PER_TURN
        async with self._lock(chat):
            if self._last_turn.get(chat) != turn - 1:
                # Another process served the chat since this one last did (or this one never
                # did): what it left unsent goes first. A worker killed after a turn's commit
                # leaves that turn's replies unsent; they must not come after this turn's.
                older = await self.db.read(partial(marks.pending_of, chat, rows[0].seq))
                rows = [*older, *rows]
            # The stored screen is the truth: read under the chat's lock once the last turn's marks
            # were written (awaited below), by any worker. One kept in memory goes stale once
            # another worker served the chat (2 live keyboards: tests/scale/test_faults.py).
            screen = Screen(*stored)
            for row in rows:
                written = await self._perform(row, screen, self.clock())
            self._remember(chat, screen, turn)
            await asyncio.shield(written)

    async def flush(self) -> None:
        """Write the marks taken so far (tests, shutdown)."""
        while self._marks or self._flushing:
            if self._flushing:
                await asyncio.shield(self._flushing)
            else:
                await self._write_marks()

    async def recover(self, chats: Callable[[str], bool] = lambda chat: True) -> int:
        """Send what a previous process left unsent (its turns were saved; its replies were
        not all marked sent). Returns how many rows were performed."""
        rows = await self.db.read(partial(marks.pending, self.clock(), RECOVERY_BATCH))
        done = 0
        by_chat: dict[str, list[tuple[Delivery, tuple[int | None, bool]]]] = {}
        for row, shown in rows:
            if chats(row.chat_id):
                by_chat.setdefault(row.chat_id, []).append((row, shown))
        for chat, pending in by_chat.items():
            lock = self._lock(chat)
            if lock.locked():
                continue  # a live turn is delivering this chat: its rows come after these
            async with lock:
                screen = self._screens.get(chat) or Screen(*pending[0][1])
                for row, _ in pending:
                    await self._perform(row, screen, self.clock())
                    done += 1
                self._remember(chat, screen)
        await self.flush()
        return done

    async def pending_chats(self, grace: timedelta = timedelta(seconds=10)) -> list[str]:
        """Chats with rows left unsent for longer than ``grace`` (a live turn sends its own at
        once; older ones were left by a process that died, or wait for their retry)."""
        before = self.clock() - grace
        return await self.db.read(partial(marks.pending_chats, before, RECOVERY_BATCH))

    def screen_of(self, chat: str) -> Screen | None:
        return self._screens.get(chat)

    # --- one row, with its retries -------------------------------------------------------

    async def _perform(self, row: Delivery, screen: Screen, due: datetime) -> asyncio.Future[None]:
        deadline = due + self.options.retry_for
        attempts = failures = 0
        while True:
            attempts += 1
            try:
                mark = await self._do(row, screen)
            except RetryAfter as error:
                wait = api.seconds(error.retry_after)
                reason = f"429: retry after {wait:g} s"
            except NetworkError as error:  # 5xx, timeouts, the network (TimedOut included)
                failures += 1
                wait = min(BACKOFF_BASE * 2 ** (failures - 1), BACKOFF_CAP) * (
                    0.5 + random.random() / 2
                )
                reason = f"{type(error).__name__}: {error}"
            except (Parked, Forbidden, TelegramError) as error:
                self.parked += 1
                log.warning("delivery %s/%d parked: %s", row.chat_id, row.seq, api.reason(error))
                return self._park(row, api.reason(error), attempts, screen)
            else:
                mark.attempts = attempts
                mark.sent_at = self.clock()
                mark.screen = Screen(screen.message_id, screen.sticky)
                self.sent += 1
                return self._take(mark)
            if self.clock() + timedelta(seconds=wait) > deadline:
                self.parked += 1
                log.warning(
                    "delivery %s/%d parked after %d attempts: %s",
                    row.chat_id,
                    row.seq,
                    attempts,
                    reason,
                )
                return self._park(row, reason[:300], attempts, screen)
            self.retried += 1
            await self.sleep(wait)

    async def _do(self, row: Delivery, screen: Screen) -> Mark:
        body, chat = row.body, _telegram_chat(row.chat_id)
        mark = Mark(row.chat_id, row.seq)
        if row.op == "delete":
            try:
                await self._call(
                    chat, lambda: api.delete_message(self.bot, chat, body["message_id"])
                )
            except BadRequest as error:
                if not api.says(error, GONE):  # already gone: what the row asked for
                    raise
        elif row.op == "screen":
            mark.message_id = await self._screen(chat, body, screen)
        elif row.op == "send":
            mark.message_id = await self._send_text(row, body)
        elif row.op == "relay":
            mark.message_id = await self._relay(row.chat_id, body["text"])
        elif row.op == "remind":
            mark.message_id = await self._remind(row.chat_id)
        elif row.op == "ticket":
            mark.message_id, mark.support_message = await self._ticket(body["ticket"])
        else:
            raise Parked(f"unknown op {row.op!r}")
        return mark

    # --- the customer's screen -----------------------------------------------------------

    async def _screen(self, chat: int, body: dict[str, Any], screen: Screen) -> int | None:
        text, keyboard = body["text"], api.keyboard(body["buttons"])
        live, pressed = screen.message_id, body.get("pressed")
        on_live = live is not None and not screen.sticky and len(text) <= api.MAX_TEXT - 200
        if on_live and (pressed == live or (pressed is None and body.get("after_secret"))):
            chosen = body.get("chosen")
            shown = self.t("tg-chosen", label=chosen) + "\n\n" + text if chosen else text
            if await self._edit(chat, live, shown, keyboard):  # type: ignore[arg-type]
                screen.message_id = live if keyboard else None
                screen.sticky = bool(body.get("keep"))
                return live
        if keyboard is not None:  # a new keyboard: the previous one comes down
            for old in {m for m in (live, pressed) if m is not None}:
                await self._clear(chat, old)
            screen.message_id = None
        if pressed is not None and body.get("chosen"):  # the choice, on top of what it led to
            text = self.t("tg-chosen", label=body["chosen"]) + "\n\n" + text
        sent = await self._send_chunks(chat, text, keyboard)
        if keyboard is not None:
            screen.message_id, screen.sticky = sent, bool(body.get("keep"))
        return sent

    async def _edit(self, chat: int, message_id: int, text: str, keyboard: Any) -> bool:
        """Edit a message into the new screen; False when it cannot be edited (send instead)."""
        try:
            await self._call(
                chat,
                lambda: api.edit_text(self.bot, chat, message_id, text, keyboard),
            )
        except BadRequest as error:
            if api.says(error, HARMLESS):
                return True
            log.info("edit refused (%s): sending instead", error)
            return False
        return True

    async def _clear(self, chat: int, message_id: int) -> None:
        try:
            await self._call(
                chat,
                lambda: api.clear_keyboard(self.bot, chat, message_id),
            )
        except BadRequest as error:  # already without one, or too old to edit: nothing to do
            log.debug("keyboard of %d not taken down: %s", message_id, error)

    # --- plain messages, and the advisors' group -------------------------------------------

    async def _send_chunks(
        self, chat: int, text: str, keyboard: Any = None, reply_to: int | None = None
    ) -> int:
        parts = api.split(text)
        last = 0
        for n, part in enumerate(parts):
            markup = keyboard if n == len(parts) - 1 else None
            last = await self._call(
                chat, partial(api.send_message, self.bot, chat, part, markup, reply_to)
            )
        return last

    async def _send_text(self, row: Delivery, body: dict[str, Any]) -> int | None:
        if body.get("to") != SUPPORT:
            return await self._send_chunks(_telegram_chat(row.chat_id), body["text"])
        if self.support_chat is None:
            return None
        ticket = body.get("ticket")
        text = body["text"] if "text" in body else self.t(body["key"], id=ticket)
        reply_to = await self._support_message(ticket) if ticket else None
        return await self._send_chunks(self.support_chat, text, reply_to=reply_to)

    async def _relay(self, customer: str, text: str) -> int | None:
        if self.support_chat is None:
            return None
        ticket = await self.db.read(lambda conn: TicketQueries.open_for_chat(conn, customer))
        if ticket is None:
            return None
        header = self.t("ticket-relayed", id=ticket.id, customer=customer)
        reply_to = await self._support_message(ticket.id)
        return await self._send_chunks(self.support_chat, f"{header}\n{text}", reply_to=reply_to)

    async def _remind(self, customer: str) -> int | None:
        if self.support_chat is None:
            return None
        ticket = await self.db.read(lambda conn: TicketQueries.open_for_chat(conn, customer))
        if ticket is None:
            return None
        reply_to = await self._support_message(ticket.id)
        text = self.t("handoff-reminder-desk", id=ticket.id)
        return await self._send_chunks(self.support_chat, text, reply_to=reply_to)

    async def _ticket(self, ticket_id: int) -> tuple[int | None, tuple[int, int] | None]:
        """The summary, then the transcript as a file replying to it. A retry after the summary
        went through sends only the file."""
        if self.support_chat is None:
            return None, None
        group = self.support_chat
        ticket = await self.db.read(lambda conn: TicketQueries.get(conn, ticket_id))
        if ticket is None:
            return None, None
        posted = self._support_messages.get(ticket_id) or ticket.support_message_id
        if posted is None:
            summary = await self._send_chunks(group, self.render.summary(ticket))
            posted = self._support_messages[ticket_id] = summary
            self._take(Mark("", -1, support_message=(ticket_id, summary)))
        events = await self.db.read(lambda conn: TicketQueries.transcript(conn, ticket))
        document = InputFile(
            self.render.txt(ticket, events).encode(), filename=f"ticket_{ticket_id}.txt"
        )
        await self._call(
            group,
            lambda: self.bot.send_document(
                group,
                document,
                caption=self.t("ticket-file-caption", id=ticket_id),
                reply_parameters=ReplyParameters(posted, allow_sending_without_reply=True),
            ),
        )
        return posted, (ticket_id, posted)

    async def _support_message(self, ticket_id: int) -> int | None:
        known = self._support_messages.get(ticket_id)
        if known is None:
            ticket = await self.db.read(lambda conn: TicketQueries.get(conn, ticket_id))
            known = ticket.support_message_id if ticket else None
            if known is not None:
                self._support_messages[ticket_id] = known
        return known

    async def _call(self, chat: int, call: Callable[[], Any]) -> Any:
        if chat < 0:  # a group: Telegram allows about 20 messages a minute there
            async with self._group_limit:
                pass
        async with self._limit:
            return await call()

    # --- marks -------------------------------------------------------------------------

    def _lock(self, chat: str) -> asyncio.Lock:
        lock = self._locks.get(chat)
        if lock is None:
            lock = self._locks[chat] = asyncio.Lock()
        return lock

    def _remember(self, chat: str, screen: Screen, turn: int | None = None) -> None:
        self._screens.pop(chat, None)
        self._screens[chat] = screen
        if turn is not None:  # the last turn whose rows this process performed
            self._last_turn[chat] = turn
        if len(self._screens) > 100_000:  # the store has it too: forget the oldest
            oldest = next(iter(self._screens))
            self._screens.pop(oldest)
            self._last_turn.pop(oldest, None)

    def _park(
        self, row: Delivery, reason: str, attempts: int, screen: Screen
    ) -> asyncio.Future[None]:
        current, at = Screen(screen.message_id, screen.sticky), self.clock()
        return self._take(
            Mark(row.chat_id, row.seq, parked=reason, attempts=attempts, screen=current, at=at)
        )

    def _take(self, mark: Mark) -> asyncio.Future[None]:
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((mark, written))
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._write_marks())
        return written

    async def _write_marks(self) -> None:
        try:
            await asyncio.sleep(0)  # let the other chats' marks of this moment join
            while self._marks:
                taken, self._marks = self._marks, []
                try:
                    await self.db.write(partial(marks.apply, [m for m, _ in taken]))
                except Exception as error:  # the database may be restarting: try again
                    log.warning("marks not written (%s): retrying", type(error).__name__)
                    self._marks = taken + self._marks
                    await asyncio.sleep(1.0)
                    continue
                for _, written in taken:
                    written.set_result(None)  # shielded by whoever waits: never cancelled
        finally:
            self._flushing = None


def _telegram_chat(key: str) -> int:
    return int(key.split(":", 1)[1])
