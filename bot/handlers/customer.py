"""The customer's chat: Telegram updates in, ``Inbound`` to the engine, its deliveries out.

The engine owns the conversation and writes the turn's replies as deliveries; these handlers
only translate an update into an ``Inbound`` and hand the outcome to the reply sender. The
courtesies that are not replies stay here, best effort: answering a press at once (the button
stops spinning), and the typing indicator when a turn takes long (a password being checked).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from telegram import Bot, Chat, Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.channels.telegram.sender import Sender
from bot.conversation.engine import Engine
from bot.conversation.messages import Inbound, Outcome
from bot.handlers import outgoing

CHAT_PREFIX = "tg:"
TYPING_AFTER = 0.8  # seconds: a turn still running then shows "escribiendo…"

Context = ContextTypes.DEFAULT_TYPE
OutcomeListener = Callable[[Inbound, Outcome], Awaitable[None]]
# The update the inbox processor is running now: its turn marks the inbox row done.
FROM_INBOX: ContextVar[int | None] = ContextVar("from_inbox", default=None)


def chat_key(chat_id: int) -> str:
    return f"{CHAT_PREFIX}{chat_id}"


def telegram_chat(key: str) -> int | None:
    """``"tg:123"`` -> 123; None for other channels' chats."""
    return int(key[len(CHAT_PREFIX) :]) if key.startswith(CHAT_PREFIX) else None


class CustomerChat:
    def __init__(self, engine: Engine, sender: Sender) -> None:
        self.engine = engine
        self.sender = sender
        self.listeners: list[OutcomeListener] = []  # metrics
        self.finished: dict[int, bool] = {}  # inbox updates whose turn marked them done

    async def text(self, update: Update, context: Context) -> None:
        """Typed text and commands in a private chat."""
        message, chat = update.message, update.effective_chat
        assert message is not None and message.text is not None and chat is not None
        inbound = self._inbound(update, chat, text=message.text, message_id=message.message_id)
        await self._turn(context.bot, chat, inbound)

    async def other(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice, documents… in a private chat: the engine's friendly no
        (and, at a password step, the message goes: its caption may be the password)."""
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        inbound = self._inbound(update, chat, message_id=message.message_id)
        await self._turn(context.bot, chat, inbound)

    async def group(self, update: Update, context: Context) -> None:
        """Text in groups and channels: refused, with an invitation to a private chat."""
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        inbound = Inbound(chat_key(chat.id), text=message.text, private=False)
        await self._turn(context.bot, chat, inbound, message)

    async def edited(self, update: Update, context: Context) -> None:
        """Edits are not read again (the original was answered): the engine says so."""
        chat = update.effective_chat
        assert chat is not None
        await self._turn(context.bot, chat, self._inbound(update, chat, edited=True))

    async def press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        await outgoing.answer(query)
        if query.message is None or query.data is None:
            return
        chat = query.message.chat
        inbound = self._inbound(
            update,
            chat,
            button=query.data,
            message_id=query.message.message_id,
            private=chat.type == ChatType.PRIVATE,
        )
        await self._turn(context.bot, chat, inbound)

    def _inbound(self, update: Update, chat: Chat, **fields: object) -> Inbound:
        return Inbound(
            chat_key(chat.id),
            update_id=update.update_id,
            from_inbox=FROM_INBOX.get() == update.update_id,
            **fields,  # type: ignore[arg-type]
        )

    async def _turn(
        self, bot: Bot, chat: Chat, inbound: Inbound, message: Message | None = None
    ) -> None:
        loop = asyncio.get_running_loop()
        slow = loop.call_later(TYPING_AFTER, _typing, bot, chat.id)
        try:
            outcome = await self.engine.handle(inbound)
        finally:
            slow.cancel()
        if inbound.from_inbox and inbound.update_id is not None and inbound.private:
            self.finished[inbound.update_id] = True
        if outcome.deliveries:
            await self.sender.deliver(outcome.deliveries, outcome.screen)
        elif outcome.replies and not inbound.private:  # a group: no conversation, no record
            if outcome.delete_inbound and message and not await outgoing.delete(message):
                outcome = self.engine.in_group(deleted=False)  # the bot may not delete there
            await outgoing.send_replies(bot, chat.id, outcome.replies)
        for listener in self.listeners:
            await listener(inbound, outcome)


def _typing(bot: Bot, chat_id: int) -> None:
    asyncio.ensure_future(outgoing.typing(bot, chat_id))
