"""The advisors' group (SUPPORT_CHAT_ID): their replies reach the customer.

Tickets, the transcript file and what customers write while queued are posted to the group as
deliveries of the customers' own turns (``bot.conversation.delivery``). Here, only the
advisors' side:
- a reply to the ticket's message (or to any message the bot posted for that ticket) goes to
  the customer; ``/cerrar`` as such a reply hands the customer back to the bot;
- anything else said in the group is the advisors' own talk: left alone.
The engine owns the conversation (``advisor_says``, ``hand_back``); this module only translates.
"""

from __future__ import annotations

import re

from telegram import Bot, Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.channels.telegram.sender import Sender
from bot.conversation.engine import Engine
from bot.conversation.records import Ticket, TicketStatus
from bot.handlers import outgoing
from bot.handoff.tickets import TicketStore
from bot.i18n import Translator

Context = ContextTypes.DEFAULT_TYPE
TICKET_TAG = re.compile(r"#(\d+)")  # "Ticket #12" heads every message the bot posts for one
CLOSE = "cerrar"
REPLY_TEXT = filters.REPLY & filters.TEXT & ~filters.COMMAND


class SupportDesk:
    def __init__(self, engine: Engine, sender: Sender, tickets: TicketStore, t: Translator):
        self.engine, self.sender, self.tickets, self.t = engine, sender, tickets, t

    async def advisor_reply(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await self._for_customer(context.bot, message, message.text)

    async def close(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        await self._for_customer(context.bot, message, None)

    async def ignore(self, update: Update, context: Context) -> None:
        """The advisors talking among themselves."""

    async def _for_customer(self, bot: Bot, message: Message, text: str | None) -> None:
        ticket = await self._ticket_of(bot, message)
        if ticket is None:
            await _answer(message, self.t("ticket-not-found"))
            return
        if ticket.status != TicketStatus.OPEN or not ticket.chat_id.startswith("tg:"):
            await _answer(message, self.t("ticket-customer-gone", id=ticket.id))
            return
        if text is None:
            outcome = await self.engine.hand_back(ticket.chat_id)
        else:
            outcome = await self.engine.advisor_says(ticket.chat_id, text)
        if not outcome.deliveries:  # the chat had left the queue meanwhile
            await _answer(message, self.t("ticket-customer-gone", id=ticket.id))
            return
        await self.sender.deliver(outcome.deliveries, outcome.screen)

    async def _ticket_of(self, bot: Bot, message: Message) -> Ticket | None:
        """The ticket of the bot's message this one replies to."""
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
            return None
        ticket = await self.tickets.by_support_message(replied.message_id)
        tag = TICKET_TAG.search(replied.text or replied.caption or "")
        if ticket is None and tag is not None:
            ticket = await self.tickets.get(int(tag.group(1)))
        return ticket


async def _answer(message: Message, text: str) -> None:
    await outgoing.best_effort("answer the advisor", lambda: message.reply_text(text))


def register(application: Application, desk: SupportDesk, group_id: int) -> None:  # type: ignore[type-arg]
    group = filters.Chat(group_id)
    application.add_handlers(
        [
            CommandHandler(CLOSE, desk.close, filters=group),
            MessageHandler(group & REPLY_TEXT, desk.advisor_reply),
            MessageHandler(group, desk.ignore),
        ]
    )
