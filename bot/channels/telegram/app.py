"""The bot's Telegram side, built in one place: PTB's ``Application`` with the team's handlers,
the reply sender, and the bridge that feeds it inbox updates.

``build_telegram(app)`` is the one factory (``aspel-bot run``, ``aspel-bot serve``, the tests,
the benchmark). PTB's own updater is not used: updates come from the inbox (``bot.runtime``),
fed by the poller or the webhook, so that every update is stored before Telegram is told it
arrived. PTB's rate limiter is not used either: the reply sender paces and retries the replies
itself (``bot.channels.telegram.sender``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot.bootstrap import App
from bot.channels.telegram.sender import Sender, SenderOptions
from bot.conversation.messages import Inbound, Outcome
from bot.handlers import register
from bot.handlers.customer import FROM_INBOX, CustomerChat
from bot.handlers.errors import ErrorCallback, error_handler
from bot.handlers.ordering import PerChatUpdateProcessor
from bot.handlers.support import SupportDesk
from bot.handoff.tickets import TicketStore
from bot.handoff.transcript import Renderer
from bot.i18n import Translator
from bot.runtime import metrics
from bot.runtime.inbox import Inbox, Pending
from bot.runtime.processor import BEHIND, DONE, RETRY, Failed, Result, describe
from bot.storage.db import transient
from bot.storage.turns import ConcurrentUpdate, EarlierPending

log = logging.getLogger(__name__)

COMMANDS = ("start", "menu", "cancelar", "ayuda", "asesor", "salir")
COMMAND_KEYS = {  # literal ids, so the locale checks see them
    "start": "tg-cmd-start",
    "menu": "tg-cmd-menu",
    "cancelar": "tg-cmd-cancelar",
    "ayuda": "tg-cmd-ayuda",
    "asesor": "tg-cmd-asesor",
    "salir": "tg-cmd-salir",
}
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "callback_query"]
CONCURRENT_UPDATES = 256
# Replies that end a journey: their key -> the journey (a Prometheus figure).
JOURNEY_ENDS = {
    "upgrade-done": "upgrade",
    "cda-sent": "cda",
    "recovery-sent": "recovery",
    "reset-done": "password_reset",
}


def commands(t: Translator) -> list[BotCommand]:
    return [BotCommand(name, t(COMMAND_KEYS[name])) for name in COMMANDS]


@dataclass
class TelegramBot:
    app: App
    application: Application  # type: ignore[type-arg]
    sender: Sender
    customer: CustomerChat
    team_errors: ErrorCallback  # what an error of an update not from the inbox gets
    # errors of the inbox updates being processed, for the processor to retry or park
    failures: dict[int, BaseException] = field(default_factory=dict)

    @property
    def bot(self) -> Any:
        return self.application.bot

    async def start(self) -> None:
        """Reach the Bot API (getMe) and set the Spanish command menu."""
        await self.application.initialize()
        from bot.handlers import outgoing

        await outgoing.best_effort(
            "set commands", lambda: self.bot.set_my_commands(commands(self.app.translate))
        )

    async def stop(self) -> None:
        await self.sender.flush()
        await self.application.shutdown()

    async def handle(self, row: Pending, inbox: Inbox, now: datetime) -> Result:
        """One inbox update through PTB's own ``process_update`` and the team's handlers."""
        token = FROM_INBOX.set(row.update_id)
        try:
            update = Update.de_json(row.payload, self.bot)
            await self.application.process_update(update)
        except Exception as error:  # an update PTB cannot read: there is nothing to retry
            metrics.ERRORS.labels("update").inc()
            return Failed(describe(error))
        finally:
            FROM_INBOX.reset(token)
        failure = self.failures.pop(row.update_id, None)
        if isinstance(failure, EarlierPending):
            return BEHIND  # nothing was written: the chat is served again from its first update
        if failure is not None:
            return (
                RETRY
                if transient(failure) or isinstance(failure, ConcurrentUpdate)
                else Failed(describe(failure))
            )
        if not self.customer.finished.pop(row.update_id, None):
            await inbox.finish(row.update_id, DONE, now)  # no turn ran (an edit in a group…)
        return DONE

    async def park(self, row: Pending, reason: str, attempts: int) -> None:
        """A turn that kept failing: dead letter, apology, the step again."""
        outcome = await self.app.engine.apologise(row.chat_key, row.update_id, reason, attempts)
        await self.deliver(outcome)

    async def deliver(self, outcome: Outcome) -> None:
        await self.sender.deliver(outcome.deliveries, outcome.screen)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update) and FROM_INBOX.get() == update.update_id:
            if context.error is not None:
                self.failures[update.update_id] = context.error
            return
        await self.team_errors(update, context)

    async def _observe(self, inbound: Inbound, outcome: Outcome) -> None:
        for reply in outcome.replies:
            journey = JOURNEY_ENDS.get(reply.key)
            if journey is not None:
                metrics.JOURNEYS.labels(journey).inc()
        if outcome.ticket_id is not None:
            metrics.HANDOFFS.inc()


def build_telegram(
    app: App,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    sender_options: SenderOptions | None = None,
) -> TelegramBot:
    settings = app.settings
    if token is None:
        assert settings.telegram_bot_token is not None, "TELEGRAM_BOT_TOKEN is not set"
        token = settings.telegram_bot_token.get_secret_value()
    builder = (
        ApplicationBuilder()
        .token(token)
        .updater(None)
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
    )
    if settings.telegram_api_base_url:  # a self-hosted Bot API server
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    render = Renderer(app.translate, ZoneInfo(settings.timezone))
    options = sender_options or SenderOptions(
        retry_for=settings.delivery_retry, rate=settings.send_rate
    )
    sender = Sender(
        application.bot,
        app.db,
        app.translate,
        render,
        app.clock,
        support_chat=settings.support_chat_id,
        options=options,
    )
    customer = CustomerChat(app.engine, sender)
    desk = None
    if settings.support_chat_id is not None:
        desk = SupportDesk(app.engine, sender, TicketStore(app.db), app.translate)
    register(application, customer, desk, settings.support_chat_id)
    telegram = TelegramBot(app, application, sender, customer, error_handler(app.translate))
    application.add_error_handler(telegram._on_error)
    customer.listeners.append(telegram._observe)
    return telegram
