"""What a conversation turn writes and what support staff read back, as typed records.

The engine builds them; ``bot.storage.turns`` writes them in the turn's one transaction;
``bot.handoff`` reads tickets and transcript events back for advisors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Who(StrEnum):
    CUSTOMER = "cliente"
    BOT = "bot"
    ADVISOR = "asesor"
    SYSTEM = "sistema"


class Kind(StrEnum):
    TEXT = "text"
    BUTTON = "button"
    COMMAND = "command"
    SECRET = "secret"  # a password or a code: the text is never kept


@dataclass(frozen=True, slots=True)
class TranscriptEvent:
    chat_id: str
    at: datetime
    who: Who | str
    kind: Kind | str
    text: str
    button: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class FlowRecord:
    """One move of the state machine, for the funnel report (never any text)."""

    chat_id: str
    at: datetime
    journey: str | None
    product: str | None
    from_state: str
    to_state: str
    trigger: str


@dataclass(frozen=True, slots=True)
class NewTicket:
    chat_id: str
    account_id: int | None
    username: str | None
    product: str | None
    serial: str | None
    step: str
    reason: str
    opened_at: datetime


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # by an advisor
    LEFT = "left"  # the customer left the queue


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    chat_id: str
    account_id: int | None
    username: str | None
    product: str | None
    serial: str | None
    step: str
    reason: str
    status: str  # TicketStatus
    opened_at: datetime
    closed_at: datetime | None
    support_message_id: int | None


@dataclass(slots=True)
class StoredConversation:
    """The one row per chat: state name, small slots (never a password), the session."""

    chat_id: str
    state: str
    state_version: int = 1
    slots: dict[str, Any] = field(default_factory=dict)
    account_id: int | None = None
    turn: int = 0
    updated_at: datetime | None = None
    expires_at: datetime | None = None
    # the screen as the reply sender last left it: the live keyboard's message, and whether
    # that message holds a result (never written by a turn; see bot.storage.schema)
    screen_message_id: int | None = None
    screen_sticky: bool = False


@dataclass(slots=True)
class TurnRecords:
    """Everything one turn writes, in one transaction."""

    conversation: StoredConversation
    transcript: list[TranscriptEvent] = field(default_factory=list)
    flow: list[FlowRecord] = field(default_factory=list)
    ticket: NewTicket | None = None
    close_tickets: datetime | None = None  # close the chat's open ticket at this time
    close_status: TicketStatus = TicketStatus.CLOSED


@dataclass(frozen=True, slots=True)
class Saved:
    turn: int  # the conversation's turn number after this turn
    ticket_id: int | None  # the ticket it opened
    closed: list[int]  # the tickets it closed
