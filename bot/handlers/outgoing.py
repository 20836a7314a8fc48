"""Engine replies as Telegram calls, and the small courtesies around them.

Sending a reply must reach the customer, so its errors go to the error handler. The courtesies
(answering a press, the typing indicator, tidying a pressed keyboard, deleting a password) are
best effort: the conversation was already saved by the engine, so their failure is logged and
the turn goes on.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatAction, MessageLimit
from telegram.error import BadRequest, TelegramError

from bot.conversation.messages import Button, Reply

log = logging.getLogger(__name__)

MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
NOT_MODIFIED = "message is not modified"


def callback_data(button: Button) -> str:
    size = len(button.data.encode())
    assert size <= MAX_CALLBACK_DATA, f"callback data of {size} bytes: {button.data[:16]!r}…"
    return button.data


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=callback_data(b)) for b in row]
            for row in reply.buttons
        ]
    )


async def send_replies(bot: Bot, chat_id: int, replies: Sequence[Reply]) -> list[Message]:
    return [
        await bot.send_message(chat_id, reply.text, reply_markup=keyboard(reply))
        for reply in replies
    ]


class ShownKeyboards:
    """Per chat, the last message showing a keyboard, so that it can be taken down when a newer
    one appears (customers often type instead of pressing). Bounded: a chat forgotten only keeps
    a stale keyboard, which the engine answers kindly anyway."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._last: OrderedDict[int, int] = OrderedDict()

    def settled(self, chat_id: int, message_id: int) -> None:
        if self._last.get(chat_id) == message_id:
            del self._last[chat_id]

    async def shown(self, bot: Bot, chat_id: int, sent: Sequence[Message]) -> None:
        with_keyboard = [m.message_id for m in sent if m.reply_markup is not None]
        if not with_keyboard:
            return
        older = self._last.pop(chat_id, None)
        self._last[chat_id] = with_keyboard[-1]
        if len(self._last) > self.limit:
            self._last.popitem(last=False)
        if older is not None:
            await best_effort(
                "remove keyboard",
                lambda: bot.edit_message_reply_markup(chat_id, older, reply_markup=None),
            )


async def best_effort(what: str, call: Callable[[], Awaitable[Any]]) -> bool:
    """Run a courtesy call; True if it went through. Never raises a Telegram error."""
    try:
        await call()
    except BadRequest as error:
        if NOT_MODIFIED not in str(error).lower():
            log.info("%s refused: %s", what, type(error).__name__)
        return False
    except TelegramError as error:
        log.warning("%s failed: %s", what, type(error).__name__)
        return False
    return True


async def typing(bot: Bot, chat_id: int) -> None:
    await best_effort("typing", lambda: bot.send_chat_action(chat_id, ChatAction.TYPING))


async def delete(message: Message) -> None:
    await best_effort("delete message", message.delete)


async def answer(query: CallbackQuery) -> None:
    await best_effort("answer callback", query.answer)


def pressed_label(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else ()
    return next((b.text for row in rows for b in row if b.callback_data == data), None)


async def settle_pressed(query: CallbackQuery, chosen: Callable[[str, str], str] | None) -> None:
    """Take the keyboard off the pressed message so stale buttons do not pile up; with
    ``chosen(text, label)``, also show what was chosen."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    label = pressed_label(message, query.data or "")
    text = chosen(message.text, label) if chosen and label and message.text else None
    if text is not None and len(text) <= MessageLimit.MAX_TEXT_LENGTH:
        await best_effort("mark choice", lambda: message.edit_text(text, reply_markup=None))
    else:
        await best_effort("remove keyboard", lambda: message.edit_reply_markup(None))
