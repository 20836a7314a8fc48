"""The customer's chat: Telegram updates in, ``Inbound`` to the engine, its replies out.

The engine owns the conversation; these handlers only translate. Each update becomes one
``Inbound`` (``chat_id="tg:<chat id>"``); the ``Outcome`` becomes Telegram calls: delete a
message that carried a password, tidy the pressed keyboard, send the replies with inline
keyboards. Listeners (the support desk) may watch outcomes, e.g. tickets and relayed text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot, Chat, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.bootstrap import App
from bot.conversation import keyboards as kb
from bot.conversation.messages import Inbound, Outcome
from bot.conversation.steps import command_of
from bot.handlers import outgoing

CHAT_PREFIX = "tg:"
SLOW_BUTTONS = frozenset({kb.ACCEPT, kb.SEND_CDA})  # domain work and an e-mail: show typing
NOT_CHOSEN = frozenset({"stale-button", "group-refused", "internal-error"})  # press not acted on

Context = ContextTypes.DEFAULT_TYPE
OutcomeListener = Callable[[Bot, Inbound, Outcome], Awaitable[None]]


def chat_key(chat_id: int) -> str:
    return f"{CHAT_PREFIX}{chat_id}"


def telegram_chat(key: str) -> int | None:
    """``"tg:123"`` -> 123; None for other channels' chats."""
    return int(key[len(CHAT_PREFIX) :]) if key.startswith(CHAT_PREFIX) else None


class CustomerChat:
    def __init__(self, app: App) -> None:
        self.engine = app.engine
        self.t = app.translate
        self.listeners: list[OutcomeListener] = []
        self._asked_secret: set[int] = set()  # chats whose last replies asked for a password
        self._keyboards = outgoing.ShownKeyboards()

    async def text(self, update: Update, context: Context) -> None:
        """Typed text and commands in a private chat."""
        message, chat = update.message, update.effective_chat
        assert message is not None and message.text is not None and chat is not None
        secret = chat.id in self._asked_secret and command_of(message.text) is None
        if secret:  # the password check takes a while
            await outgoing.typing(context.bot, chat.id)
        inbound = Inbound(chat_key(chat.id), text=message.text, update_id=update.update_id)
        outcome = await self.engine.handle(inbound)
        if outcome.delete_inbound or secret:  # at once, before anything else is said
            await outgoing.delete(message)
        await self._reply(context.bot, chat, inbound, outcome)

    async def other(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice, documents… in a private chat: the engine's friendly no."""
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        inbound = Inbound(chat_key(chat.id), update_id=update.update_id)
        outcome = await self.engine.handle(inbound)
        if outcome.delete_inbound:  # a photo at the password step: its caption may be the password
            await outgoing.delete(message)
        await self._reply(context.bot, chat, inbound, outcome)

    async def group(self, update: Update, context: Context) -> None:
        """Text in groups and channels: refused, with an invitation to a private chat."""
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        inbound = Inbound(chat_key(chat.id), text=message.text, private=False)
        await self._reply(context.bot, chat, inbound, await self.engine.handle(inbound))

    async def edited(self, update: Update, context: Context) -> None:
        """Edits are not read (the original was already answered): say so."""
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_message(chat.id, self.t("tg-edited"))

    async def press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        await outgoing.answer(query)
        if query.message is None or query.data is None:
            return
        chat = query.message.chat
        if query.data in SLOW_BUTTONS:
            await outgoing.typing(context.bot, chat.id)
        inbound = Inbound(
            chat_key(chat.id), button=query.data, private=_private(chat), update_id=update.update_id
        )
        outcome = await self.engine.handle(inbound)
        acted = not (outcome.replies and outcome.replies[0].key in NOT_CHOSEN)
        await outgoing.settle_pressed(query, self._chosen if acted else None)
        self._keyboards.settled(chat.id, query.message.message_id)
        await self._reply(context.bot, chat, inbound, outcome)

    def _chosen(self, text: str, label: str) -> str:
        return self.t("tg-chosen", text=text, label=label)

    async def _reply(self, bot: Bot, chat: Chat, inbound: Inbound, outcome: Outcome) -> None:
        if outcome.replies and _private(chat):
            asked = any(reply.secret_prompt for reply in outcome.replies)
            (self._asked_secret.add if asked else self._asked_secret.discard)(chat.id)
        sent = await outgoing.send_replies(bot, chat.id, outcome.replies)
        await self._keyboards.shown(bot, chat.id, sent)
        for listener in self.listeners:
            await listener(bot, inbound, outcome)


def _private(chat: Chat) -> bool:
    return chat.type == ChatType.PRIVATE
