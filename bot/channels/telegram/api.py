"""The Bot API calls of the reply sender and the courtesies, sent as JSON.

``Bot.do_api_request`` goes through PTB's request layer as every ``Bot`` method does (the same
transport, timeouts, rate limiting and errors: ``BadRequest``, ``Forbidden``, ``RetryAfter``,
``NetworkError``…) but takes plain parameters and hands back the answer as Telegram sent it,
skipping the objects PTB would build both ways — on the hot path they cost more than the rest
of a turn. PTB suggests its named methods when one exists; that advice is silenced for these
calls only (and mirrored in ``filterwarnings`` of pyproject.toml for the tests).
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.constants import MessageLimit
from telegram.warnings import PTBUserWarning

JSON = dict[str, Any]
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
ADVICE = r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request"
warnings.filterwarnings("ignore", message=ADVICE, category=PTBUserWarning)


def keyboard(rows: list[list[list[str]]]) -> JSON | None:
    """Stored button rows (``[[label, data], …]``) as an inline keyboard."""
    if not rows:
        return None
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


async def call(bot: Bot, method: str, **params: Any) -> Any:
    """One Bot API call; parameters that are ``None`` are left out, as PTB's methods do."""
    given = {name: value for name, value in params.items() if value is not None}
    return await bot.do_api_request(method, api_kwargs=given)


async def send_message(
    bot: Bot, chat: int, text: str, markup: JSON | None = None, reply_to: int | None = None
) -> int:
    reply = {"message_id": reply_to, "allow_sending_without_reply": True} if reply_to else None
    sent = await call(
        bot, "sendMessage", chat_id=chat, text=text, reply_markup=markup, reply_parameters=reply
    )
    return int(sent["message_id"])


async def edit_text(bot: Bot, chat: int, message_id: int, text: str, markup: JSON | None) -> None:
    await call(
        bot, "editMessageText", chat_id=chat, message_id=message_id, text=text, reply_markup=markup
    )


async def clear_keyboard(bot: Bot, chat: int, message_id: int) -> None:
    await call(bot, "editMessageReplyMarkup", chat_id=chat, message_id=message_id)


async def delete_message(bot: Bot, chat: int, message_id: int) -> None:
    await call(bot, "deleteMessage", chat_id=chat, message_id=message_id)


async def answer_callback(bot: Bot, query_id: str) -> None:
    await call(bot, "answerCallbackQuery", callback_query_id=query_id)


def split(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Text in pieces Telegram takes, cut at a paragraph, a line or a space when it can."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(
            text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit)
        )
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text or not pieces else pieces


def seconds(value: Any) -> float:
    return float(value.total_seconds()) if isinstance(value, timedelta) else float(value)


def says(error: Exception, fragments: tuple[str, ...]) -> bool:
    text = str(error).lower()
    return any(f in text for f in fragments)


def reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]
