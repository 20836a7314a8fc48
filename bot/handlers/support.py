"""The support group (SUPPORT_CHAT_ID): tickets posted for advisors, their replies relayed back.

- A ticket opened by a customer is posted as a summary, with the transcript as a .txt file
  (no password: none was stored); the summary's message id is kept on the ticket.
- What the customer writes while queued is posted as a reply to the ticket's message.
- An advisor's reply to the ticket message (or to any message the bot posted for that ticket)
  goes to the customer; ``/cerrar`` as such a reply hands the customer back to the bot.
- Anything else said in the group is the advisors' own talk: left alone.
The engine owns the conversation (``advisor_says``, ``hand_back``); this module only translates.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from telegram import Bot, InputFile, Message, ReplyParameters, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.bootstrap import App
from bot.conversation.messages import Inbound, Outcome
from bot.handlers import outgoing
from bot.handlers.customer import CustomerChat, telegram_chat
from bot.handoff.tickets import Ticket, TicketStore
from bot.handoff.transcript import Renderer

Context = ContextTypes.DEFAULT_TYPE
TICKET_TAG = re.compile(r"#(\d+)")  # "Ticket #12" heads every message the bot posts for one
CLOSE = "cerrar"
REPLY_TEXT = filters.REPLY & filters.TEXT & ~filters.COMMAND


class SupportDesk:
    def __init__(self, app: App, group_id: int) -> None:
        self.engine = app.engine
        self.t = app.translate
        self.group = group_id
        self.tickets = TicketStore(app.db)
        self.render = Renderer(app.translate, ZoneInfo(app.settings.timezone))

    # --- the customers' side: an outcome listener of ``CustomerChat`` ----------------------

    async def on_outcome(self, bot: Bot, inbound: Inbound, outcome: Outcome) -> None:
        if outcome.ticket_id is not None:
            await self.post_ticket(bot, outcome.ticket_id)
        if outcome.relay_to_advisor is not None:
            await self.relay(bot, inbound.chat_id, outcome.relay_to_advisor)
        if any(reply.key == "handoff-left" for reply in outcome.replies):
            await self.left(bot, inbound.chat_id)

    async def post_ticket(self, bot: Bot, ticket_id: int) -> Ticket | None:
        ticket = await self.tickets.get(ticket_id)
        if ticket is None:
            return None
        posted = await bot.send_message(self.group, self.render.summary(ticket))
        await self.tickets.set_support_message(ticket.id, posted.message_id)
        transcript = self.render.txt(ticket, await self.tickets.transcript(ticket))
        await bot.send_document(
            self.group,
            InputFile(transcript.encode(), filename=f"ticket_{ticket.id}.txt"),
            caption=self.t("ticket-file-caption", id=ticket.id),
            reply_parameters=ReplyParameters(posted.message_id),
        )
        return await self.tickets.get(ticket.id)

    async def relay(self, bot: Bot, chat_id: str, text: str) -> None:
        ticket = await self.tickets.open_for_chat(chat_id)
        if ticket is not None and ticket.support_message_id is None:  # not posted yet
            ticket = await self.post_ticket(bot, ticket.id)
        if ticket is None:
            return
        said = self.t("ticket-relayed", id=ticket.id, customer=ticket.chat_id, text=text)
        await self._to_group(bot, said, ticket)

    async def left(self, bot: Bot, chat_id: str) -> None:
        latest = await self.tickets.latest_for_chat(chat_id)
        if latest is not None and latest.status == "left":
            await self._to_group(bot, self.t("ticket-customer-left", id=latest.id), latest)

    async def _to_group(self, bot: Bot, text: str, ticket: Ticket) -> None:
        replying = ticket.support_message_id
        reply = ReplyParameters(replying, allow_sending_without_reply=True) if replying else None
        await bot.send_message(self.group, text, reply_parameters=reply)

    # --- the advisors' side: handlers in the support group -------------------------------

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
            await message.reply_text(self.t("ticket-not-found"))
            return
        customer = telegram_chat(ticket.chat_id)
        outcome = Outcome()
        if ticket.status == "open" and customer is not None:
            outcome = await self._engine_turn(ticket.chat_id, text)
        if customer is None or not outcome.replies:
            await message.reply_text(self.t("ticket-customer-gone", id=ticket.id))
            return
        await outgoing.send_replies(bot, customer, outcome.replies)
        if text is None:
            await message.reply_text(self.t("ticket-closed", id=ticket.id))

    async def _engine_turn(self, chat_id: str, text: str | None) -> Outcome:
        if text is None:
            return await self.engine.hand_back(chat_id)
        return await self.engine.advisor_says(chat_id, text)

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


def register(
    application: Application,  # type: ignore[type-arg]
    app: App,
    customer: CustomerChat,
) -> None:
    """With SUPPORT_CHAT_ID set: watch customers' outcomes and serve the support group."""
    if app.settings.support_chat_id is None:
        return  # tickets are still kept: ``aspel-bot tickets``
    desk = SupportDesk(app, app.settings.support_chat_id)
    customer.listeners.append(desk.on_outcome)
    group = filters.Chat(app.settings.support_chat_id)
    application.add_handlers(
        [
            CommandHandler(CLOSE, desk.close, filters=group),
            MessageHandler(group & REPLY_TEXT, desk.advisor_reply),
            MessageHandler(group, desk.ignore),
        ]
    )
