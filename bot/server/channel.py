"""Telegram in the webhook server: the team's handlers (``bot.handlers.register``) over the
engine, fed from the inbox one update at a time with ``Application.process_update``.

Replies go out after the engine's commit, inside ``process``. A transient failure (the database
or the Bot API unreachable, another worker's turn saved first) is not apologised for: the
update is answered ``RETRY`` and the inbox runs it again later; if its turn had been saved, the
engine replays the turn's replies instead of acting twice. Everything else goes to the team's
error handler, as in ``aspel-bot run``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy.exc import InterfaceError, OperationalError
from telegram import Bot, ReplyParameters, Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot.bootstrap import App
from bot.channels.telegram import commands
from bot.conversation.messages import Inbound, Outcome
from bot.handlers import outgoing, register
from bot.handlers.customer import CustomerChat, telegram_chat
from bot.handoff.tickets import TicketStore
from bot.server import metrics
from bot.server.processor import DONE, FAILED, RETRY
from bot.server.timers import HANDOFF_REMINDER, Timers
from bot.storage.turns import ConcurrentUpdate

log = logging.getLogger(__name__)

# Failures that say "not now" rather than "never": the inbox retries the update.
STORAGE_TRANSIENT: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    ConcurrentUpdate,
)  # the engine lets these through
TRANSIENT: tuple[type[Exception], ...] = (*STORAGE_TRANSIENT, NetworkError)
# Replies that end a journey: their key -> the journey (the figure of Prometheus).
JOURNEY_ENDS = {
    "upgrade-done": "upgrade",
    "cda-sent": "cda",
    "recovery-sent": "recovery",
    "reset-done": "password_reset",
}
START_RETRY = 2.0  # seconds between attempts to reach the Bot API at start-up


def build_application(
    app: App,
    token: str,
    *,
    send_rate: float,
    request: BaseRequest | None = None,
) -> tuple[Application, CustomerChat]:
    """PTB with the team's handlers; no updater (updates come from the inbox)."""
    limiter = AIORateLimiter(overall_max_rate=send_rate, overall_time_period=1, max_retries=3)
    builder = ApplicationBuilder().token(token).rate_limiter(limiter).updater(None)
    base = app.settings.telegram_api_base_url
    if base:
        base = base.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    if request is not None:
        builder = builder.request(request)
    application = builder.build()
    return application, register(application, app)


class TelegramChannel:
    def __init__(
        self,
        app: App,
        application: Application,
        customer: CustomerChat,
        timers: Timers,
        *,
        reminder_after: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.app, self.application, self.timers = app, application, timers
        self.reminder_after, self.clock = reminder_after, clock
        self.tickets = TicketStore(app.db)
        self._retry: set[int] = set()
        self._team_handlers = list(application.error_handlers)
        application.error_handlers.clear()
        application.add_error_handler(self._on_error)
        customer.listeners.append(self._observe)
        app.engine.passthrough = STORAGE_TRANSIENT
        app.engine.record_updates = True

    @property
    def bot(self) -> Bot:
        return self.application.bot

    async def start(self) -> None:
        """Reach the Bot API (getMe), retrying until it answers; then the command menu."""
        while True:
            try:
                await self.application.initialize()
                break
            except NetworkError as error:
                log.warning("Bot API unreachable at start-up (%s): retrying", type(error).__name__)
                await asyncio.sleep(START_RETRY)
        await outgoing.best_effort(
            "set commands", lambda: self.bot.set_my_commands(commands(self.app.translate))
        )

    async def stop(self) -> None:
        await self.application.shutdown()  # PTB returns at once if it never started

    async def process(self, update_id: int, payload: dict[str, Any]) -> str:
        try:
            update = Update.de_json(payload, self.bot)
            await self.application.process_update(update)
        except Exception:  # an update PTB cannot read: nothing to retry
            metrics.ERRORS.labels("update").inc()
            log.exception("update %d could not be processed", update_id)
            return FAILED
        if update_id in self._retry:
            self._retry.discard(update_id)
            return RETRY
        return DONE

    async def tell(self, chat: str, outcome: Outcome) -> None:
        """An outcome that no update asked for (an expired session): its replies, best effort."""
        target = telegram_chat(chat)
        if target is None:
            return
        try:
            await outgoing.send_replies(self.bot, target, outcome.replies)
        except TelegramError as error:
            log.warning("chat %s not told (%s)", chat, type(error).__name__)

    async def remind(self, chat: str) -> None:
        """The handoff reminder: the customer and the advisors, if the ticket is still open."""
        ticket = await self.tickets.open_for_chat(chat)
        hours = self.app.engine.hours
        if ticket is None or (hours is not None and not hours.is_open(self.clock())):
            return
        target, group = telegram_chat(chat), self.app.settings.support_chat_id
        t = self.app.translate
        if target is not None:
            await self.bot.send_message(target, t("handoff-reminder"))
        if group is not None and ticket.support_message_id is not None:
            reply = ReplyParameters(ticket.support_message_id, allow_sending_without_reply=True)
            text = t("handoff-reminder-desk", id=ticket.id)
            await self.bot.send_message(group, text, reply_parameters=reply)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update) and isinstance(context.error, TRANSIENT):
            self._retry.add(update.update_id)
            log.info("update %d: %s, to retry", update.update_id, type(context.error).__name__)
            return
        metrics.ERRORS.labels("handler").inc()
        for handler in self._team_handlers:
            await handler(update, context)

    async def _observe(self, bot: Bot, inbound: Inbound, outcome: Outcome) -> None:
        if outcome.duplicate:
            metrics.REPLAYED.inc()
            return
        for reply in outcome.replies:
            journey = JOURNEY_ENDS.get(reply.key)
            if journey is not None:
                metrics.JOURNEYS.labels(journey).inc()
        if outcome.ticket_id is not None:
            metrics.HANDOFFS.inc()
            await self._schedule_reminder(inbound.chat_id)

    async def _schedule_reminder(self, chat: str) -> None:
        try:
            await self.timers.schedule(HANDOFF_REMINDER, chat, self.clock() + self.reminder_after)
        except STORAGE_TRANSIENT as error:  # the ticket stands; no reminder
            log.warning("handoff reminder for %s not scheduled (%s)", chat, type(error).__name__)
