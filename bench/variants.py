"""What is measured: our bot on the production code path, the floor, and the peer.

- ``ours``: ``bot.bootstrap.build`` + ``bot.channels.telegram.build_application`` (the
  Application of ``aspel-bot run``: per-chat update order, rate limiter, the handlers of
  ``bot.handlers``) over a ``BenchApi``. State is durable after every update; e-mails go to the
  outbox table in the same transactions. The rate limiter is built as in the tests (it retries
  flood waits but does not throttle: a benchmark is a burst).
- ``floor``: the same Application settings with one handler that only replies.
- ``peer``: ``bench.peers.conversation_bot``; durable, or with PicklePersistence's defaults.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    PicklePersistence,
    TypeHandler,
)

from bench.driver import Target
from bench.peers.conversation_bot import PeerStore, build_peer
from bench.telegram import TOKEN, BenchApi
from bot.bootstrap import build
from bot.channels.telegram import CONCURRENT_UPDATES, RETRIES_ON_FLOOD, build_application
from bot.domain.ports import PasswordHasher
from bot.handlers.ordering import PerChatUpdateProcessor
from bot.settings import Settings


def _limiter() -> AIORateLimiter:
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=RETRIES_ON_FLOOD)


async def _started(application: Application) -> None:
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)


async def ours(url: str, hasher: PasswordHasher) -> Target:
    outbox = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    settings = Settings(database_url=url, outbox_dir=outbox, telegram_bot_token=None)
    app = await build(settings, hasher=hasher, migrate=False)
    api = BenchApi()
    application = build_application(
        app, token=TOKEN, request=api, rate_limiter=_limiter(), relay=False
    )
    await _started(application)

    async def close() -> None:
        await application.shutdown()
        await app.aclose()

    target = Target(application, api, close=close)
    target.watch_errors()
    return target


async def _only_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, "Hola")


async def floor() -> Target:
    api = BenchApi()
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api)
        .get_updates_request(api)
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
        .rate_limiter(_limiter())
        .build()
    )
    application.add_handler(TypeHandler(Update, _only_reply))
    await _started(application)
    target = Target(application, api, close=application.shutdown)
    target.watch_errors()
    return target


async def peer(chats: int, hasher: PasswordHasher, password_hash: str, durable: bool) -> Target:
    """Not started: its 60 s persistence job would fire in a long run and block the loop for
    minutes at 10k chats (it rewrites the whole file once per changed chat); ``interval_save``
    measures one such save on its own."""
    api = BenchApi()
    path = Path(tempfile.mkdtemp(prefix="bench-peer-")) / "peer.pickle"
    application = build_peer(api, path, PeerStore.for_chats(chats, password_hash), hasher)
    await application.initialize()

    async def close() -> None:
        persistence = application.persistence
        if isinstance(persistence, PicklePersistence):
            persistence.on_flush = True  # tear down with one write, not one per chat
        await application.shutdown()
        path.unlink(missing_ok=True)

    target = Target(application, api, close=close)
    if durable:
        target.after = application.update_persistence
    target.watch_errors()
    return target


async def interval_save(target: Target) -> float:
    """Seconds the peer's periodic save of everything it served blocks the event loop."""
    began = time.perf_counter()
    await target.application.update_persistence()
    return time.perf_counter() - began
