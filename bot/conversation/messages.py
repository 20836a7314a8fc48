"""What goes in and out of the engine, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Inbound:
    """One customer event. Exactly one of ``text`` and ``button`` is set (neither: media)."""

    chat_id: str  # "<channel>:<chat>", e.g. "tg:123", "term:local"
    text: str | None = None  # typed text, commands included ("/start")
    button: str | None = None  # the pressed button's data
    private: bool = True  # False in groups: no account operations there
    update_id: int | None = None  # the channel's id of the event, when it has one (Telegram)
    message_id: int | None = None  # the message typed, or the message whose button was pressed
    from_inbox: bool = False  # the update is an inbox row: the turn marks it done
    edited: bool = False  # an edit of an earlier message (not read again)


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # compact, at most 64 bytes (Telegram's callback_data limit)


@dataclass(frozen=True, slots=True)
class Reply:
    key: str  # the locale message id it was made from
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    secret_prompt: bool = False  # the next customer message is a password
    keep: bool = False  # a result the customer keeps on screen (never edited away)

    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One Telegram call a turn asks for, as data (``bot.conversation.delivery``)."""

    chat_id: str  # the conversation whose order it follows
    seq: int
    op: str  # screen | send | delete | document
    body: dict[str, Any]


@dataclass(slots=True)
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    state: str = ""
    delete_inbound: bool = False  # the inbound message carried a secret
    ticket_id: int | None = None  # a ticket opened by this event
    relay_to_advisor: str | None = None  # text to pass to the advisor (chat in handoff)
    duplicate: bool = False  # the event was seen before and not processed again
    deliveries: list[Delivery] = field(default_factory=list)  # written with the turn
    screen: tuple[int | None, bool] = (None, False)  # the stored screen: message id, sticky
