"""Telegram handlers, and the one place that orders them.

PTB tries the handlers of a group in the order they were added and runs the first that matches,
so order is policy. ``register`` is that policy; read it top to bottom.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.handlers import support
from bot.handlers.customer import CustomerChat

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE
GROUP_TEXT = ((NEW_MESSAGE & filters.ChatType.GROUPS) | filters.UpdateType.CHANNEL_POST) & (
    filters.TEXT
)


def register(
    application: Application,  # type: ignore[type-arg]
    customer: CustomerChat,
    desk: support.SupportDesk | None,
    support_chat: int | None,
) -> None:
    # 1. The support group (advisor handoff, bot/handlers/support.py) goes first: its chat is a
    #    group, which step 6 would refuse.
    if desk is not None and support_chat is not None:
        support.register(application, desk, support_chat)

    application.add_handlers(
        [
            # 2. Button presses, in any chat (the engine refuses those outside private chats).
            CallbackQueryHandler(customer.press),
            # 3. Edited messages are not read again; a private chat is told so.
            MessageHandler(filters.UpdateType.EDITED & PRIVATE, customer.edited),
            # 4. Text and commands in a private chat: the conversation itself.
            MessageHandler(NEW_MESSAGE & PRIVATE & filters.TEXT, customer.text),
            # 5. Anything else a person sends privately (stickers, photos, voice, documents…).
            MessageHandler(NEW_MESSAGE & PRIVATE & ~filters.StatusUpdate.ALL, customer.other),
            # 6. Text in groups and channels: refused, with an invitation to a private chat.
            #    Nothing there reaches a login step, so no password is ever read in a group.
            MessageHandler(GROUP_TEXT, customer.group),
        ]
    )
    # 7. Whatever escapes the handlers goes to the error handler ``build_telegram`` adds:
    #    an inbox update's error is handed to the processor (retried, then parked with an
    #    apology); any other is logged without message text, with an apology.
