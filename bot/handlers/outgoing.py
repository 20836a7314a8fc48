"""The courtesies around a turn, best effort: answering a press, the typing indicator, and
replies outside any conversation (a group is only told to write privately).

Replies of a conversation never go through here: they are deliveries, performed (and retried)
by the reply sender (``bot.channels.telegram.sender``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from telegram import Bot, CallbackQuery, Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot.channels.telegram import api
from bot.conversation.messages import Reply

log = logging.getLogger(__name__)


async def best_effort(what: str, call: Callable[[], Awaitable[Any]]) -> bool:
    """Run a courtesy call; True if it went through. Never raises a Telegram error."""
    try:
        await call()
    except BadRequest as error:
        log.info("%s refused: %s", what, type(error).__name__)
        return False
    except TelegramError as error:
        log.warning("%s failed: %s", what, type(error).__name__)
        return False
    return True


async def typing(bot: Bot, chat_id: int) -> None:
    await best_effort(
        "typing",
        lambda: api.call(bot, "sendChatAction", chat_id=chat_id, action=ChatAction.TYPING.value),
    )


async def answer(query: CallbackQuery) -> None:
    await best_effort("answer callback", lambda: api.answer_callback(query.get_bot(), query.id))


async def delete(message: Message) -> bool:
    return await best_effort("delete message", message.delete)


async def send_replies(bot: Bot, chat_id: int, replies: Sequence[Reply]) -> None:
    for reply in replies:
        await best_effort("reply", partial(bot.send_message, chat_id, reply.text))
