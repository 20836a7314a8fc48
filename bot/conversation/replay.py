"""An ``Outcome`` in the form stored beside its update id, so that a re-run of an update whose
turn was already saved (a worker died before telling the channel) answers the same replies
instead of acting twice. Only what the channel needs to say again is kept: replies, the
state, whether to delete the inbound message, and the ticket opened."""

from __future__ import annotations

from typing import Any

from bot.conversation.messages import Button, Outcome, Reply


def stored(outcome: Outcome) -> dict[str, Any]:
    return {
        "replies": [
            {
                "key": r.key,
                "text": r.text,
                "buttons": [[[b.label, b.data] for b in row] for row in r.buttons],
                "secret": r.secret_prompt,
            }
            for r in outcome.replies
        ],
        "state": outcome.state,
        "delete_inbound": outcome.delete_inbound,
    }


def replayed(record: dict[str, Any]) -> Outcome:
    replies = [
        Reply(
            r["key"],
            r["text"],
            tuple(tuple(Button(label, data) for label, data in row) for row in r["buttons"]),
            r["secret"],
        )
        for r in record.get("replies", [])
    ]
    return Outcome(
        replies=replies,
        state=record.get("state", ""),
        delete_inbound=record.get("delete_inbound", False),
        ticket_id=record.get("ticket_id"),
        duplicate=True,
    )
