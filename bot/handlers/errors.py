"""The one error handler: log what failed (never message text, never secrets), apologise.

By the time a Telegram call fails the engine has already saved the conversation, so nothing is
lost: the customer's next message continues from the step they were at. Rate limits were
already retried by the rate limiter; a customer who blocked the bot cannot be answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.i18n import Translator

log = logging.getLogger(__name__)

ErrorCallback = Callable[[object, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def error_handler(t: Translator) -> ErrorCallback:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        chat = update.effective_chat if isinstance(update, Update) else None
        where = f"update {update.update_id}" if isinstance(update, Update) else "background"
        if isinstance(error, Forbidden):  # blocked by the user, or removed from the group
            log.info("%s: chat unreachable (%s)", where, type(error).__name__)
            return
        if isinstance(error, NetworkError):  # TimedOut included: Telegram, not our code
            log.warning("%s: Telegram unreachable (%s)", where, type(error).__name__)
        else:
            log.error("%s failed", where, exc_info=error)
        if chat is not None:
            try:
                await context.bot.send_message(chat.id, t("internal-error"))
            except TelegramError as again:
                log.warning("%s: apology not sent (%s)", where, type(again).__name__)

    return on_error
