"""The channel-agnostic engine: ``await engine.handle(Inbound(...)) -> Outcome``.

A turn is one unit of work in one transaction, run in one hop on a database thread
(``Database.write``): load the chat's conversation, restore a ``Dialogue``, turn the input into
a trigger (``Steps``, which call the account domain on the same connection), fire it on the
shared machine, and write state, transcript, flow events and tickets. A turn that meets a
password is suspended before it writes anything: the password pool verifies (or hashes) it off
the event loop and off the database thread, and the turn runs again with the verdict. Events of
one chat are handled one at a time (a lock per chat); different chats run concurrently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from weakref import WeakValueDictionary

from sqlalchemy import Connection

from bot.conversation import redaction, replay
from bot.conversation.dialogue import Dialogue, Translate
from bot.conversation.messages import Inbound, Outcome, Reply
from bot.conversation.records import (
    FlowRecord,
    Kind,
    NewTicket,
    StoredConversation,
    TicketStatus,
    TranscriptEvent,
    TurnRecords,
    Who,
)
from bot.conversation.state_versions import STATE_VERSION, restore_state
from bot.conversation.steps import Step, Steps, Suspend, Turn, command_of
from bot.domain.passwords import PasswordPool
from bot.domain.portal import Portal
from bot.fsm import MENU_LIKE, State
from bot.handoff.hours import BusinessHours
from bot.storage.db import Database
from bot.storage.turns import TurnStore
from bot.storage.unit_of_work import TurnUnitOfWork

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's own limit for one message
TRANSCRIPT_TEXT = 2000  # what a transcript keeps of one customer message
MISSES_BEFORE_ADVISOR = 3
CLOSE_COMMAND = "/cerrar"  # what the advisor typed to hand the customer back, as transcribed
EXPIRED = "inactivity"  # what the transcript says of a session closed by its stored deadline
SUSPENSIONS = 2  # password work a turn may ask for before it must be done


class Engine:
    def __init__(
        self,
        *,
        db: Database,
        portal: Portal,
        passwords: PasswordPool,
        translate: Translate,
        clock: Callable[[], datetime],
        idle_timeout: timedelta,
        hours: BusinessHours | None = None,
    ) -> None:
        self.db = db
        self.turns = TurnStore()
        self.portal = portal
        self.passwords = passwords
        self.steps = Steps()
        self.t = translate
        self.clock = clock
        self.idle_timeout = idle_timeout
        self.hours = hours
        self.marker = translate("transcript-hidden-password")  # stands for a hidden password
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        # Errors ``handle`` lets through instead of apologising: a channel that will retry the
        # event (the webhook server's inbox) sets the transient storage errors here.
        self.passthrough: tuple[type[Exception], ...] = ()
        # Record each event's update id with its turn, and replay the turn if the event comes
        # again: for a channel that may run an event twice (the webhook server's inbox).
        self.record_updates = False

    def _lock(self, chat_id: str) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    # --- entry points -------------------------------------------------------------------

    async def handle(self, inbound: Inbound) -> Outcome:
        if not inbound.private:
            return Outcome([Reply("group-refused", self.t("group-refused"))])
        async with self._lock(inbound.chat_id):
            try:
                return await self._run(inbound)
            except self.passthrough:
                raise
            except Exception:
                # Nothing was saved: the conversation stays at the step it was.
                log.exception("event for %s failed", inbound.chat_id)
                return Outcome([Reply("internal-error", self.t("internal-error"))])

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

    async def _run(self, inbound: Inbound) -> Outcome:
        suspended: Suspend | None = None
        verdict = None
        for _ in range(SUSPENSIONS + 1):
            try:
                return await self.db.write(partial(self._turn, inbound, suspended, verdict))
            except Suspend as pause:  # nothing written: verify off the thread, then again
                suspended = pause
                verdict = await self.passwords.run(pause.work, chat=inbound.chat_id)
        raise RuntimeError("a turn kept asking for password work")

    # --- turns (on a database thread, inside the transaction) ---------------------------

    def _turn(
        self, inbound: Inbound, suspended: Suspend | None, verdict: object, conn: Connection
    ) -> Outcome:
        update_id = inbound.update_id if self.record_updates else None
        if update_id is not None:  # a re-run of a saved turn: say it again, do nothing
            done = self.turns.processed(conn, update_id)
            if done is not None:
                return replay.replayed(done)
        now = self.clock()
        stored = self.turns.load(conn, inbound.chat_id) or StoredConversation(
            inbound.chat_id, State.MENU.value
        )
        state = restore_state(stored.state, stored.state_version)
        d = Dialogue(state, stored.slots, stored.account_id, self.t, now)
        turn = Turn(self.portal.within(TurnUnitOfWork(conn)), inbound.chat_id, suspended)
        turn.verdict = verdict  # type: ignore[assignment]
        before = d.state
        said = self._inbound_event(d, inbound, now)  # before the turn replaces what was offered
        outcome = Outcome()
        if self._idle(stored, d, now):
            d.fire("expire")
        else:
            self._react(d, inbound, turn, outcome)
        if d.slots.get("misses", 0) >= MISSES_BEFORE_ADVISOR and d.state is not State.HANDOFF:
            d.fire("advisor", reason="stuck")
        if d.handoff_reason:
            self._tell_opening(d, now)
        self._remember_offered(d)
        outcome.replies = d.replies
        outcome.state = d.state.value
        # media at a password step may carry the password in its caption: delete it as well
        media = inbound.text is None and inbound.button is None
        media_at_secret_step = media and before in redaction.SECRET_STEPS
        outcome.delete_inbound = media_at_secret_step or redaction.is_secret_turn(
            before, inbound.text or "", _is_typed(inbound)
        )
        records = self._records(stored, d, said, now)
        if update_id is not None:
            records.processed = (update_id, replay.stored(outcome))
        outcome.ticket_id = self.turns.save(conn, records)
        return outcome

    def _react(self, d: Dialogue, inbound: Inbound, turn: Turn, outcome: Outcome) -> None:
        step: Step | None
        if inbound.button is not None:
            step = self._pressed(d, inbound.button, turn)
        elif inbound.text is None or not inbound.text.strip():
            step = Step("unrecognized", {"key": "unsupported-message"})
        elif len(inbound.text) > MAX_TEXT:
            step = Step("unrecognized", {"key": "message-too-long"})
        elif d.state is State.HANDOFF and command_of(inbound.text) is None:
            outcome.relay_to_advisor = inbound.text
            return
        else:
            step = self.steps.on_text(d, inbound.text, turn)
        if step is not None and not d.fire(step.trigger, **step.kwargs):
            d.fire("unrecognized")
        if d.state is State.CHOOSE_MODALITY and (
            "hint_product" in d.slots or "hint_serial" in d.slots
        ):
            self.steps.follow_hints(d, turn)

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
        state = restore_state(stored.state, stored.state_version)
        d = Dialogue(state, stored.slots, stored.account_id, self.t, now)
        d.fire("expire")
        self._remember_offered(d)
        said = TranscriptEvent(chat_id, now, Who.SYSTEM, Kind.COMMAND, EXPIRED, None, state.value)
        self.turns.save(conn, self._records(stored, d, said, now))
        return Outcome(replies=d.replies, state=d.state.value)

    def _advisor_turn(
        self, chat_id: str, text: str, trigger: str | None, conn: Connection
    ) -> Outcome:
        now = self.clock()
        stored = self.turns.load(conn, chat_id)
        if stored is None or restore_state(stored.state, stored.state_version) is not State.HANDOFF:
            return Outcome(state=stored.state if stored else "")
        d = Dialogue(State.HANDOFF, stored.slots, stored.account_id, self.t, now)
        if trigger is None:  # the advisor's words reach the customer, not as the bot's
            d.say("handoff-advisor-says", text=text)
            replies, d.replies = d.replies, []
        else:
            d.fire(trigger)
            self._remember_offered(d)
            replies = d.replies
        said = TranscriptEvent(
            chat_id,
            now,
            Who.ADVISOR,
            Kind.COMMAND if trigger else Kind.TEXT,
            redaction.staff_text(text[:TRANSCRIPT_TEXT]),
            None,
            State.HANDOFF.value,
        )
        self.turns.save(conn, self._records(stored, d, said, now))
        return Outcome(replies=replies, state=d.state.value)

    # --- what a turn writes ---------------------------------------------------------------

    def _tell_opening(self, d: Dialogue, now: datetime) -> None:
        """Outside business hours, say when an advisor will answer."""
        if self.hours is None or self.hours.is_open(now):
            return
        opening = self.hours.next_opening(now)
        d.say("handoff-after-hours", when=opening.when, weekday=opening.weekday, time=opening.time)

    def _idle(self, stored: StoredConversation, d: Dialogue, now: datetime) -> bool:
        if stored.updated_at is None or d.state is State.HANDOFF:
            return False
        active = d.account_id is not None or d.state not in MENU_LIKE
        return active and now - stored.updated_at > self.idle_timeout

    @staticmethod
    def _remember_offered(d: Dialogue) -> None:
        offered = [[b.data, b.label] for reply in d.replies for b in reply.all_buttons()]
        if offered:
            d.slots["offered"] = offered

    def _records(
        self, stored: StoredConversation, d: Dialogue, said: TranscriptEvent, now: datetime
    ) -> TurnRecords:
        chat = stored.chat_id
        active = d.account_id is not None or d.state not in MENU_LIKE
        conversation = StoredConversation(
            chat_id=chat,
            state=d.state.value,
            state_version=STATE_VERSION,
            slots=d.slots,
            account_id=d.account_id,
            turn=stored.turn,
            updated_at=now,
            expires_at=now + self.idle_timeout if active and d.state is not State.HANDOFF else None,
        )
        state = d.state.value
        transcript = [said] + [
            TranscriptEvent(
                chat, now, Who.BOT, Kind.TEXT, redaction.staff_text(r.text), None, state
            )
            for r in d.replies
        ]
        flow = [
            FlowRecord(chat, now, f.journey, f.product, f.from_state, f.to_state, f.trigger)
            for f in d.flow
        ]
        return TurnRecords(
            conversation=conversation,
            transcript=transcript,
            flow=flow,
            ticket=self._ticket(d, chat, now) if d.handoff_reason else None,
            close_tickets=now if d.handoff_closed else None,
            close_status=TicketStatus(d.handoff_closed or TicketStatus.CLOSED),
        )

    def _inbound_event(self, d: Dialogue, inbound: Inbound, now: datetime) -> TranscriptEvent:
        before = d.state.value
        if inbound.button is not None:
            labels = dict(d.slots.get("offered", []))
            label = labels.get(inbound.button, "")
            return TranscriptEvent(
                inbound.chat_id, now, Who.CUSTOMER, Kind.BUTTON, label, inbound.button[:64], before
            )
        text = inbound.text or ""
        if redaction.is_secret_turn(d.state, text, _is_typed(inbound)):
            # never the password or code itself
            return TranscriptEvent(
                inbound.chat_id, now, Who.CUSTOMER, Kind.SECRET, "", None, before
            )
        kind = Kind.COMMAND if command_of(text) is not None else Kind.TEXT
        shown = redaction.customer_text(text[:TRANSCRIPT_TEXT], d.state, self.marker)
        return TranscriptEvent(inbound.chat_id, now, Who.CUSTOMER, kind, shown, None, before)

    @staticmethod
    def _ticket(d: Dialogue, chat: str, now: datetime) -> NewTicket:
        assert d.handoff_reason is not None
        return NewTicket(
            chat_id=chat,
            account_id=d.account_id,
            username=d.slots.get("user"),
            product=d.slots.get("product"),
            serial=d.slots.get("serial"),
            step=d.slots.get("handoff_from", State.MENU.value),
            reason=d.handoff_reason,
            opened_at=now,
        )


def _is_typed(inbound: Inbound) -> bool:
    """A typed message that is not a command: at the password step, that is the password."""
    return inbound.text is not None and command_of(inbound.text) is None
