"""Replies as data: what a turn asks the channel to do, written in the turn's transaction.

A turn's replies become a few ``Delivery`` rows, numbered ``turn * SEQ_PER_TURN + n`` so that a
chat's deliveries sort in the order they must reach it. The reply sender
(``bot.channels.telegram.sender``) performs them in that order, retrying what Telegram refuses
for a while, and marks each as sent once Telegram accepted it. The ops:

- ``delete``: take a customer's message down (it carried a password or a code);
- ``screen``: the turn's replies joined into one message (split only past Telegram's limit) with
  its keyboard. The sender decides, from the chat's screen as it last left it, whether to edit
  the pressed message into it (the choice shown as "✔ label" on top), to edit the prompt above a
  deleted password, or to send it and take the previous keyboard down;
- ``send``: a plain text to the customer or to the advisors' group (``to: "support"``);
- ``ticket``: a new ticket's summary and transcript, posted to the advisors' group.

Customer and advisor text travels as data (``text``), never as a Fluent variable, so a long
message is split, not refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.conversation.messages import Delivery, Inbound, Outcome, Reply

SEQ_PER_TURN = 64
SUPPORT = "support"
MAX_CALLBACK_DATA = 64  # bytes: Telegram refuses a longer button


def buttons_of(replies: Iterable[Reply]) -> list[list[list[str]]]:
    rows: list[list[list[str]]] = []
    seen: set[str] = set()
    for reply in replies:
        for row in reply.buttons:
            for b in row:
                if len(b.data.encode()) > MAX_CALLBACK_DATA:
                    raise ValueError(
                        f"button data over {MAX_CALLBACK_DATA} bytes: {b.data[:16]!r}…"
                    )
            fresh = [[b.label, b.data] for b in row if b.data not in seen]
            seen.update(data for _, data in fresh)
            if fresh:
                rows.append(fresh)
    return rows


def screen(
    replies: list[Reply],
    *,
    pressed: int | None = None,
    chosen: str | None = None,
    secret: bool = False,
) -> dict[str, Any]:
    return {
        "text": "\n\n".join(r.text for r in replies),
        "buttons": buttons_of(replies),
        "keep": any(r.keep for r in replies),
        "pressed": pressed,
        "chosen": chosen,
        "after_secret": secret,
    }


class Plan:
    """The deliveries of one turn, in order."""

    def __init__(self, chat_id: str) -> None:
        self.chat_id = chat_id
        self.ops: list[tuple[str, dict[str, Any]]] = []

    def add(self, op: str, **body: Any) -> None:
        self.ops.append((op, body))

    def numbered(self, turn: int) -> list[Delivery]:
        if len(self.ops) > SEQ_PER_TURN:
            raise ValueError(f"a turn asked for {len(self.ops)} deliveries")
        base = turn * SEQ_PER_TURN
        return [Delivery(self.chat_id, base + n, op, body) for n, (op, body) in enumerate(self.ops)]


def for_turn(inbound: Inbound, outcome: Outcome, chosen: str | None) -> Plan:
    """A customer turn: the secret's deletion first, then the screen, then what the advisors
    must see (the customer's words while queued)."""
    plan = Plan(inbound.chat_id)
    if outcome.delete_inbound and inbound.message_id is not None:
        plan.add("delete", message_id=inbound.message_id)
    if outcome.replies:
        pressed = inbound.message_id if inbound.button is not None else None
        plan.add(
            "screen",
            **screen(
                outcome.replies, pressed=pressed, chosen=chosen, secret=outcome.delete_inbound
            ),
        )
    return plan
