"""The channel-agnostic engine: ``await engine.handle(Inbound(...)) -> Outcome``.

Per event: load the chat's conversation (one primary-key read), restore a ``Dialogue``, turn the
input into a trigger (``Steps``, which may call the account domain), fire it on the shared
machine, and save state, transcript and flow events in one short transaction. Events of one
chat are handled one at a time (a lock per chat); different chats run concurrently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakValueDictionary

from bot.conversation import redaction, replay
from bot.conversation.dialogue import Dialogue, Translate
from bot.conversation.messages import Inbound, Outcome, Reply
from bot.conversation.state_versions import STATE_VERSION, restore_state
from bot.conversation.steps import Portal, Step, Steps, command_of
from bot.fsm import MENU_LIKE, State
from bot.handoff.hours import BusinessHours
from bot.storage.conversations import Changes, ConversationStore, StoredConversation

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's own limit for one message
TRANSCRIPT_TEXT = 2000  # what a transcript keeps of one customer message
MISSES_BEFORE_ADVISOR = 3
CLOSE_COMMAND = "/cerrar"  # what the advisor typed to hand the customer back, as transcribed
EXPIRED = "inactivity"  # what the transcript says of a session closed by its stored deadline


class Engine:
    def __init__(
        self,
        *,
        store: ConversationStore,
        portal: Portal,
        translate: Translate,
        clock: Callable[[], datetime],
        idle_timeout: timedelta,
        hours: BusinessHours | None = None,
    ) -> None:
        self.store = store
        self.steps = Steps(portal)
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

    async def advisor_says(self, chat_id: str, text: str) -> Outcome:
        """An advisor's message for a customer in handoff; no replies if the chat is not there."""
        async with self._lock(chat_id):
            return await self._advisor_turn(chat_id, text, None)

    async def hand_back(self, chat_id: str) -> Outcome:
        """The advisor closes the case: the bot owns the chat again and tells the customer."""
        async with self._lock(chat_id):
            return await self._advisor_turn(chat_id, CLOSE_COMMAND, "handed_back")

    async def expire(self, chat_id: str) -> Outcome:
        """The chat's stored inactivity deadline passed: log it out and say so, once."""
        async with self._lock(chat_id):
            now = self.clock()
            stored = await self.store.load(chat_id)
            if stored is None or stored.expires_at is None or stored.expires_at > now:
                return Outcome(state=stored.state if stored else "")
            state = restore_state(stored.state, stored.state_version)
            d = Dialogue(state, stored.slots, stored.account_id, self.t, now)
            d.fire("expire")
            self._remember_offered(d)
            said = {"chat_id": chat_id, "at": now, "who": "sistema", "kind": "command"}
            said |= {"text": EXPIRED, "button": None, "state": state.value}
            await self.store.save(self._changes(stored, d, said, now))
            return Outcome(replies=d.replies, state=d.state.value)

    async def handle(self, inbound: Inbound) -> Outcome:
        async with self._lock(inbound.chat_id):
            try:
                return await self._handle(inbound)
            except self.passthrough:
                raise
            except Exception:
                # Nothing was saved: the conversation stays at the step it was.
                log.exception("event for %s failed", inbound.chat_id)
                return Outcome([Reply("internal-error", self.t("internal-error"))])

    async def _handle(self, inbound: Inbound) -> Outcome:
        if not inbound.private:
            return Outcome([Reply("group-refused", self.t("group-refused"))])
        update_id = inbound.update_id if self.record_updates else None
        if update_id is not None:  # a re-run of a saved turn: say it again, do nothing
            done = await self.store.processed(update_id)
            if done is not None:
                return replay.replayed(done)
        now = self.clock()
        stored = await self.store.load(inbound.chat_id) or StoredConversation(
            inbound.chat_id, State.MENU.value
        )
        state = restore_state(stored.state, stored.state_version)
        d = Dialogue(state, stored.slots, stored.account_id, self.t, now)
        before = d.state
        said = self._inbound_event(d, inbound, now)  # before the turn replaces what was offered
        outcome = Outcome()
        if self._idle(stored, d, now):
            d.fire("expire")
        else:
            await self._react(d, inbound, outcome)
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
        changes = self._changes(stored, d, said, now)
        if update_id is not None:
            changes.processed = (update_id, replay.stored(outcome))
        outcome.ticket_id = await self.store.save(changes)
        return outcome

    async def _react(self, d: Dialogue, inbound: Inbound, outcome: Outcome) -> None:
        chat = inbound.chat_id
        step: Step | None
        if inbound.button is not None:
            step = await self._pressed(d, inbound.button, chat)
        elif inbound.text is None or not inbound.text.strip():
            step = Step("unrecognized", {"key": "unsupported-message"})
        elif len(inbound.text) > MAX_TEXT:
            step = Step("unrecognized", {"key": "message-too-long"})
        elif d.state is State.HANDOFF and command_of(inbound.text) is None:
            outcome.relay_to_advisor = inbound.text
            return
        else:
            step = await self.steps.on_text(d, inbound.text, chat)
        if step is not None and not d.fire(step.trigger, **step.kwargs):
            d.fire("unrecognized")
        if d.state is State.CHOOSE_MODALITY and (
            "hint_product" in d.slots or "hint_serial" in d.slots
        ):
            await self.steps.follow_hints(d)

    async def _advisor_turn(self, chat_id: str, text: str, trigger: str | None) -> Outcome:
        now = self.clock()
        stored = await self.store.load(chat_id)
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
        said = {
            "chat_id": chat_id,
            "at": now,
            "who": "asesor",
            "kind": "command" if trigger else "text",
            "text": redaction.staff_text(text[:TRANSCRIPT_TEXT]),
            "button": None,
            "state": State.HANDOFF.value,
        }
        await self.store.save(self._changes(stored, d, said, now))
        return Outcome(replies=replies, state=d.state.value)

    def _tell_opening(self, d: Dialogue, now: datetime) -> None:
        """Outside business hours, say when an advisor will answer."""
        if self.hours is None or self.hours.is_open(now):
            return
        opening = self.hours.next_opening(now)
        d.say("handoff-after-hours", when=opening.when, weekday=opening.weekday, time=opening.time)

    async def _pressed(self, d: Dialogue, data: str, chat: str) -> Step | None:
        if data not in {offered[0] for offered in d.slots.get("offered", [])}:
            d.say("stale-button")
            d.prompt()
            return None
        return await self.steps.on_button(d, data, chat)

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

    def _changes(
        self, stored: StoredConversation, d: Dialogue, said: dict[str, Any], now: datetime
    ) -> Changes:
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
        transcript = [said]
        transcript += [
            {
                "chat_id": chat,
                "at": now,
                "who": "bot",
                "kind": "text",
                "text": redaction.staff_text(reply.text),
                "button": None,
                "state": d.state.value,
            }
            for reply in d.replies
        ]
        flow = [
            {
                "chat_id": chat,
                "at": now,
                "journey": f.journey,
                "product": f.product,
                "from_state": f.from_state,
                "to_state": f.to_state,
                "trigger": f.trigger,
            }
            for f in d.flow
        ]
        return Changes(
            conversation=conversation,
            transcript=transcript,
            flow=flow,
            ticket=self._ticket(d, chat, now) if d.handoff_reason else None,
            close_tickets=now if d.handoff_closed else None,
            close_status=d.handoff_closed or "closed",
        )

    def _inbound_event(self, d: Dialogue, inbound: Inbound, now: datetime) -> dict[str, Any]:
        before = d.state
        event: dict[str, Any] = {
            "chat_id": inbound.chat_id,
            "at": now,
            "who": "cliente",
            "button": None,
            "state": before.value,
        }
        if inbound.button is not None:
            labels = dict(d.slots.get("offered", []))
            return event | {
                "kind": "button",
                "text": labels.get(inbound.button, ""),
                "button": inbound.button[:64],
            }
        text = inbound.text or ""
        if redaction.is_secret_turn(before, text, _is_typed(inbound)):
            return event | {"kind": "secret", "text": ""}  # never the password or code itself
        kind = "command" if command_of(text) is not None else "text"
        return event | {
            "kind": kind,
            "text": redaction.customer_text(text[:TRANSCRIPT_TEXT], before, self.marker),
        }

    @staticmethod
    def _ticket(d: Dialogue, chat: str, now: datetime) -> dict[str, Any]:
        return {
            "chat_id": chat,
            "account_id": d.account_id,
            "username": d.slots.get("user"),
            "product": d.slots.get("product"),
            "serial": d.slots.get("serial"),
            "step": d.slots.get("handoff_from", State.MENU.value),
            "reason": d.handoff_reason,
            "status": "open",
            "opened_at": now,
        }


def _is_typed(inbound: Inbound) -> bool:
    """A typed message that is not a command: at the password step, that is the password."""
    return inbound.text is not None and command_of(inbound.text) is None
