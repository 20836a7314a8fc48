"""What a turn writes, built from the restored ``Dialogue``: the conversation row, the
transcript (passwords and codes never, what the customer typed redacted), the flow events and
the advisor's ticket. The engine saves them in the turn's transaction (``TurnStore.save``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.conversation import redaction
from bot.conversation.dialogue import Dialogue
from bot.conversation.messages import Inbound
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
from bot.conversation.redaction import Judgement
from bot.conversation.state_versions import STATE_VERSION
from bot.conversation.steps import command_of
from bot.fsm import MENU_LIKE, State
from bot.handoff.hours import BusinessHours

TRANSCRIPT_TEXT = 2000  # what a transcript keeps of one customer message


def records(
    stored: StoredConversation,
    d: Dialogue,
    said: list[TranscriptEvent],
    now: datetime,
    idle_timeout: timedelta,
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
        expires_at=now + idle_timeout if active and d.state is not State.HANDOFF else None,
    )
    state = d.state.value
    transcript = said + [
        TranscriptEvent(chat, now, Who.BOT, Kind.TEXT, redaction.staff_text(r.text), None, state)
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
        ticket=ticket(d, chat, now) if d.handoff_reason else None,
        close_tickets=now if d.handoff_closed else None,
        close_status=TicketStatus(d.handoff_closed or TicketStatus.CLOSED),
    )


def inbound_event(
    d: Dialogue, inbound: Inbound, judged: Judgement, now: datetime, marker: str
) -> TranscriptEvent:
    """What the customer sent, as the transcript keeps it: a secret (``judged`` by
    ``redaction.judge``) as its kind, never its text; ``marker`` stands for a hidden word."""
    before, chat = d.state.value, inbound.chat_id
    if inbound.button is not None:
        label = dict(d.slots.get("offered", [])).get(inbound.button, "")
        return TranscriptEvent(
            chat, now, Who.CUSTOMER, Kind.BUTTON, label, inbound.button[:64], before
        )
    text = inbound.text or ""
    if judged.secret is not None and inbound.text is not None:
        return TranscriptEvent(chat, now, Who.CUSTOMER, Kind.SECRET, "", None, before)
    kind = Kind.COMMAND if command_of(text) is not None else Kind.TEXT
    shown = redaction.customer_text(text, d.state, marker)[:TRANSCRIPT_TEXT]
    return TranscriptEvent(chat, now, Who.CUSTOMER, kind, shown, None, before)


def tell_opening(d: Dialogue, hours: BusinessHours | None, now: datetime) -> None:
    """Outside business hours, say when an advisor will answer (with the ticket's turn)."""
    if hours is None or hours.is_open(now):
        return
    opening = hours.next_opening(now)
    d.say(
        "handoff-after-hours",
        keep=True,
        when=opening.when,
        weekday=opening.weekday,
        time=opening.time,
    )


def ticket(d: Dialogue, chat: str, now: datetime) -> NewTicket:
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
