"""The channel-agnostic engine: ``await engine.handle(Inbound(...)) -> Outcome``.

A turn is one unit of work in one transaction, run in one hop on a database thread
(``Database.write``): mark the inbox row done (when the update came from the inbox), load the
chat's conversation, restore a ``Dialogue``, turn the input into a trigger (``Steps``, which call
the account domain on the same connection), fire it on the shared machine, and write state,
transcript, flow events, tickets and the turn's replies as deliveries
(``bot.conversation.delivery``), all or nothing. A turn that meets a password is suspended
before it writes anything: the password pool verifies (or hashes) it off the event loop and off
the database thread, and the turn runs again with the verdict. Events of one chat are handled
one at a time (a lock per chat); different chats run concurrently.

Besides customer events, turns of the same shape: an advisor's words and hand-back, the
inactivity expiry, the advisor-queue reminder, and the apology for an update whose turn kept
failing (``apologise``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from weakref import WeakValueDictionary

from sqlalchemy import Connection

from bot.conversation import delivery, reading, recording, redaction, secrecy
from bot.conversation.dialogue import Dialogue, Step, Translate
from bot.conversation.messages import Inbound, Outcome, Reply
from bot.conversation.records import (
    Kind,
    StoredConversation,
    TicketStatus,
    TranscriptEvent,
    Who,
)
from bot.conversation.state_versions import restore_state
from bot.conversation.steps import Steps, Suspend, Turn, command_of
from bot.domain.passwords import PasswordPool, Verdict
from bot.domain.portal import Portal
from bot.fsm import MENU_LIKE, State
from bot.handoff.hours import BusinessHours
from bot.storage.db import Database
from bot.storage.turns import TurnStore, park_update, schedule
from bot.storage.unit_of_work import TurnUnitOfWork

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's own limit for one message
TRANSCRIPT_TEXT = recording.TRANSCRIPT_TEXT
MISSES_BEFORE_ADVISOR = reading.MISSES_BEFORE_ADVISOR
CLOSE_COMMAND = "/cerrar"  # what the advisor typed to hand the customer back, as transcribed
EXPIRED = "inactivity"  # what the transcript says of a session closed by its stored deadline
REMINDED = "reminder"
APOLOGISED = "failed"
SUSPENSIONS = 2  # password work a turn may ask for before it must be done
ACK_EVERY = timedelta(minutes=5)  # at most one "noted" per this while waiting for an advisor
HANDOFF_REMINDER = "handoff_reminder"  # the timer of a queued customer


@dataclass(frozen=True, slots=True)
class EngineOptions:
    idle_timeout: timedelta = timedelta(minutes=30)
    hours: BusinessHours | None = None
    support: bool = False  # an advisors' group exists: tickets and queued words go there
    reminder_after: timedelta = timedelta(minutes=10)  # a queued customer is reminded after
    # Chats whose replies are written as deliveries (the reply sender sends them); the others
    # (the terminal) take them from the outcome.
    durable: Callable[[str], bool] = field(default=lambda chat: chat.startswith("tg:"))


class Engine:
    def __init__(
        self,
        *,
        db: Database,
        portal: Portal,
        passwords: PasswordPool,
        translate: Translate,
        clock: Callable[[], datetime],
        options: EngineOptions = EngineOptions(),
    ) -> None:
        self.db = db
        self.turns = TurnStore()
        self.portal = portal
        self.passwords = passwords
        self.steps = Steps()
        self.t = translate
        self.clock = clock
        self.options = options
        self.idle_timeout = options.idle_timeout
        self.hours = options.hours
        self.marker = translate("transcript-hidden-password")  # stands for a hidden password
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    def _lock(self, chat_id: str) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    # --- entry points -------------------------------------------------------------------

    async def handle(self, inbound: Inbound) -> Outcome:
        if not inbound.private:  # refused; a password-shaped message there is deleted
            return self.in_group(deleted=True if secrecy.in_group(inbound.text or "") else None)
        async with self._lock(inbound.chat_id):
            try:
                return await self._run(inbound)
            except Exception:
                # Nothing was saved: the conversation stays at the step it was. An inbox update
                # is tried again by the processor, which apologises when it gives up.
                if inbound.from_inbox:
                    raise
                log.exception("event for %s failed", inbound.chat_id)
                return await self._apologise(inbound.chat_id, None, None)

    def in_group(self, *, deleted: bool | None = None) -> Outcome:
        """A group is refused; ``deleted``: the reply for a secret deleted there (``False``: the
        bot may not delete it). Nothing of a group is stored."""
        if deleted is None:
            return Outcome([Reply("group-refused", self.t("group-refused"))])
        key = "group-secret-deleted" if deleted else "group-secret-undeletable"
        return Outcome([Reply(key, self.t(key))], delete_inbound=deleted)

    async def advisor_says(self, chat_id: str, text: str) -> Outcome:
        """An advisor's message for a customer in handoff; no replies if the chat is not there."""
        async with self._lock(chat_id):
            return await self.db.write(partial(self._advisor_turn, chat_id, text, None))

    async def hand_back(self, chat_id: str) -> Outcome:
        """The advisor closes the case: the bot owns the chat again and tells the customer."""
        async with self._lock(chat_id):
            return await self.db.write(
                partial(self._advisor_turn, chat_id, CLOSE_COMMAND, "handed_back")
            )

    async def expire(self, chat_id: str) -> Outcome:
        """The chat's stored inactivity deadline passed: log it out and say so, once."""
        async with self._lock(chat_id):
            return await self.db.write(partial(self._expire_turn, chat_id))

    async def remind(self, chat_id: str) -> Outcome:
        """The advisor-queue reminder: to the customer and the desk, if still waiting."""
        async with self._lock(chat_id):
            return await self.db.write(partial(self._remind_turn, chat_id))

    async def apologise(
        self, chat_id: str, update_id: int | None, reason: str, attempts: int = 1
    ) -> Outcome:
        """An update whose turn kept failing: park it, apologise, show the step again."""
        async with self._lock(chat_id):
            return await self._apologise(chat_id, update_id, reason, attempts)

    async def _apologise(
        self, chat_id: str, update_id: int | None, reason: str | None, attempts: int = 1
    ) -> Outcome:
        try:
            work = partial(self._apology_turn, chat_id, update_id, reason, attempts)
            return await self.db.write(work)
        except Exception:
            log.exception("apology for %s failed", chat_id)
            return Outcome([Reply("internal-error", self.t("internal-error"))])

    async def _run(self, inbound: Inbound) -> Outcome:
        suspended: Suspend | None = None
        verdict: Verdict | None = None
        for _ in range(SUSPENSIONS + 1):
            try:
                return await self.db.write(partial(self._turn, inbound, suspended, verdict))
            except Suspend as pause:  # nothing written: verify off the thread, then again
                suspended = pause
                verdict = await self.passwords.run(pause.work, chat=inbound.chat_id)
        raise RuntimeError("a turn kept asking for password work")

    # --- turns (on a database thread, inside the transaction) ---------------------------

    def _turn(
        self,
        inbound: Inbound,
        suspended: Suspend | None,
        verdict: Verdict | None,
        conn: Connection,
    ) -> Outcome:
        now = self.clock()
        if inbound.from_inbox and inbound.update_id is not None:
            if not self.turns.finish_update(conn, inbound.update_id, now):
                return Outcome(duplicate=True)  # another run of this update was saved
        stored = self._load(conn, inbound.chat_id)
        d = self._dialogue(stored, now)
        uow = TurnUnitOfWork(conn, self.db.sealer)
        turn = Turn(self.portal.within(uow), inbound.chat_id, suspended, verdict)
        judged = redaction.judge(d, inbound, turn)  # the secrets rule (bot.conversation.secrecy)
        said = recording.inbound_event(d, inbound, judged, now, self.marker)  # before the offer
        outcome = Outcome(screen=(stored.screen_message_id, stored.screen_sticky))
        if self._idle(stored, d, now):
            d.fire("expire")
        else:
            if judged.remark:
                d.say("secret-removed")
            self._react(d, inbound, turn, outcome, stored)
        if d.slots.get("misses", 0) >= MISSES_BEFORE_ADVISOR and d.state is not State.HANDOFF:
            d.fire("advisor", reason="stuck")
        if d.handoff_reason:
            recording.tell_opening(d, self.hours, now)
        d.remember_offered()
        outcome.replies = d.replies
        outcome.state = d.state.value
        outcome.delete_inbound = judged.delete
        plan = delivery.for_turn(inbound, outcome, said.text if said.kind is Kind.BUTTON else None)
        if outcome.relay_to_advisor is not None and self.options.support:
            plan.add("relay", text=outcome.relay_to_advisor)
        saved = self.turns.save(conn, recording.records(stored, d, [said], now, self.idle_timeout))
        outcome.ticket_id = saved.ticket_id
        if saved.ticket_id is not None:
            schedule(conn, HANDOFF_REMINDER, inbound.chat_id, now + self.options.reminder_after)
        self._support_ops(plan, saved.ticket_id, saved.closed, d)
        self._deliver(conn, plan, saved.turn, outcome)
        return outcome

    def _react(
        self,
        d: Dialogue,
        inbound: Inbound,
        turn: Turn,
        outcome: Outcome,
        stored: StoredConversation,
    ) -> None:
        step: Step | None
        if inbound.edited:
            d.say("message-edited")
            return
        if inbound.button is not None:
            step = self._pressed(d, inbound.button, turn)
        elif inbound.text is None or not inbound.text.strip():
            step = Step("unrecognized", {"key": "unsupported-message"})
        elif len(inbound.text) > MAX_TEXT:
            step = Step("unrecognized", {"key": "message-too-long"})
        elif d.state is State.HANDOFF and command_of(inbound.text) is None:
            self._queued_words(d, inbound.text, outcome)
            return
        else:
            step = self.steps.on_text(d, inbound.text, turn)
        pending = d.slots.get("then")  # a second request, offered when this journey is done
        if step is not None and not d.fire(step.trigger, **step.kwargs):
            d.fire("unrecognized")
        reading.after_step(d, turn, pending)

    def _queued_words(self, d: Dialogue, text: str, outcome: Outcome) -> None:
        """What a customer writes while waiting lands in the ticket (the transcript, and the
        advisors' group); a short acknowledgement at most every few minutes."""
        outcome.relay_to_advisor = redaction.customer_text(text, State.HANDOFF, self.marker)
        last = d.slots.get("noted_at")
        if last is None or d.now - datetime.fromisoformat(last) >= ACK_EVERY:
            d.slots["noted_at"] = d.now.isoformat()
            d.say("handoff-noted")

    def _pressed(self, d: Dialogue, data: str, turn: Turn) -> Step | None:
        if data not in {offered[0] for offered in d.slots.get("offered", [])}:
            d.say("stale-button")
            d.prompt()
            return None
        return self.steps.on_button(d, data, turn)

    def _expire_turn(self, chat_id: str, conn: Connection) -> Outcome:
        now = self.clock()
        stored = self.turns.load(conn, chat_id)
        if stored is None or stored.expires_at is None or stored.expires_at > now:
            return Outcome(state=stored.state if stored else "")
        d = self._dialogue(stored, now)
        d.fire("expire")
        return self._system_turn(conn, stored, d, EXPIRED, now)

    def _remind_turn(self, chat_id: str, conn: Connection) -> Outcome:
        now = self.clock()
        stored = self.turns.load(conn, chat_id)
        if stored is None or restore_state(stored.state, stored.state_version) is not State.HANDOFF:
            return Outcome(state=stored.state if stored else "")
        if self.hours is not None and not self.hours.is_open(now):
            return Outcome(state=State.HANDOFF.value)
        d = self._dialogue(stored, now)
        d.say("handoff-reminder")
        outcome = self._system_turn(conn, stored, d, REMINDED, now)
        return outcome

    def _apology_turn(
        self,
        chat_id: str,
        update_id: int | None,
        reason: str | None,
        attempts: int,
        conn: Connection,
    ) -> Outcome:
        now = self.clock()
        if update_id is not None:  # a dead letter, kept sealed for support
            park_update(conn, update_id, reason or "", attempts, now)
            self.turns.finish_update(conn, update_id, now, result="failed", in_order=False)
        stored = self._load(conn, chat_id)
        d = self._dialogue(stored, now)
        d.say("internal-error")
        d.prompt()
        outcome = self._system_turn(conn, stored, d, APOLOGISED, now)
        outcome.delete_inbound = False
        return outcome

    def _system_turn(
        self,
        conn: Connection,
        stored: StoredConversation,
        d: Dialogue,
        what: str,
        now: datetime,
    ) -> Outcome:
        """A turn no customer message started: said in the chat as a new message."""
        d.remember_offered()
        said = TranscriptEvent(
            stored.chat_id, now, Who.SYSTEM, Kind.COMMAND, what, None, d.state.value
        )
        outcome = Outcome(replies=d.replies, state=d.state.value)
        outcome.screen = (stored.screen_message_id, stored.screen_sticky)
        plan = delivery.Plan(stored.chat_id)
        if d.replies:
            plan.add("screen", **delivery.screen(d.replies))
        if what == REMINDED and self.options.support:
            plan.add("remind")
        saved = self.turns.save(conn, recording.records(stored, d, [said], now, self.idle_timeout))
        self._support_ops(plan, saved.ticket_id, saved.closed, d)
        self._deliver(conn, plan, saved.turn, outcome)
        return outcome

    def _advisor_turn(
        self, chat_id: str, text: str, trigger: str | None, conn: Connection
    ) -> Outcome:
        now = self.clock()
        stored = self.turns.load(conn, chat_id)
        if stored is None or restore_state(stored.state, stored.state_version) is not State.HANDOFF:
            return Outcome(state=stored.state if stored else "")
        d = self._dialogue(stored, now)
        plan = delivery.Plan(chat_id)
        outcome = Outcome(state=State.HANDOFF.value)
        outcome.screen = (stored.screen_message_id, stored.screen_sticky)
        if trigger is None:  # the advisor's words reach the customer, as written
            words = f"{self.t('handoff-advisor-says')}\n{text}"
            outcome.replies = [Reply("handoff-advisor-says", words)]
            plan.add("send", text=words)
        else:
            d.fire(trigger)
            d.remember_offered()
            outcome.replies, outcome.state = d.replies, d.state.value
            plan.add("screen", **delivery.screen(d.replies))
        said = TranscriptEvent(
            chat_id,
            now,
            Who.ADVISOR,
            Kind.COMMAND if trigger else Kind.TEXT,
            redaction.staff_text(text[:TRANSCRIPT_TEXT]),
            None,
            State.HANDOFF.value,
        )
        saved = self.turns.save(conn, recording.records(stored, d, [said], now, self.idle_timeout))
        for ticket_id in saved.closed:
            plan.add("send", to=delivery.SUPPORT, ticket=ticket_id, key="ticket-closed")
        self._deliver(conn, plan, saved.turn, outcome)
        return outcome

    # --- what a turn writes ---------------------------------------------------------------

    def _load(self, conn: Connection, chat_id: str) -> StoredConversation:
        return self.turns.load(conn, chat_id) or StoredConversation(chat_id, State.MENU.value)

    def _dialogue(self, stored: StoredConversation, now: datetime) -> Dialogue:
        state = restore_state(stored.state, stored.state_version)
        return Dialogue(state, stored.slots, stored.account_id, self.t, now)

    def _support_ops(
        self, plan: delivery.Plan, opened: int | None, closed: list[int], d: Dialogue
    ) -> None:
        if not self.options.support:
            return
        if opened is not None:
            plan.add("ticket", ticket=opened)
        if d.handoff_closed == TicketStatus.LEFT:
            for ticket_id in closed:
                plan.add("send", to=delivery.SUPPORT, ticket=ticket_id, key="ticket-customer-left")

    def _deliver(self, conn: Connection, plan: delivery.Plan, turn: int, outcome: Outcome) -> None:
        if not self.options.durable(plan.chat_id):
            return
        outcome.deliveries = plan.numbered(turn)
        self.turns.save_deliveries(conn, outcome.deliveries, self.clock())

    def _idle(self, stored: StoredConversation, d: Dialogue, now: datetime) -> bool:
        if stored.updated_at is None or d.state is State.HANDOFF:
            return False
        active = d.account_id is not None or d.state not in MENU_LIKE
        return active and now - stored.updated_at > self.idle_timeout
