"""What is measured: our bot on the production code path, the floor, and the peer.

- ``ours``: ``bot.bootstrap.build`` + ``bot.channels.telegram.app.build_telegram`` (the
  Application of ``aspel-bot run``: per-chat update order, the handlers of ``bot.handlers``, the
  reply sender) over a ``BenchApi``. Every turn is one durable transaction (state, transcript,
  flow, the replies as deliveries, e-mails in the outbox); the sender marks replies sent. The
  sender does not pace (a benchmark is a burst).
- ``floor``: PTB alone: the same per-chat update order with one handler that only replies.
- ``peer``: ``bench.peers.conversation_bot``; durable, or with PicklePersistence's defaults.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    PicklePersistence,
    TypeHandler,
)

from bench.driver import Target
from bench.peers.conversation_bot import PeerStore, build_peer
from bench.telegram import TOKEN, BenchApi
from bot.bootstrap import build, settle_heap
from bot.channels.telegram.app import CONCURRENT_UPDATES, build_telegram
from bot.channels.telegram.sender import SenderOptions
from bot.domain.ports import PasswordHasher
from bot.handlers.ordering import PerChatUpdateProcessor
from bot.settings import Settings


async def _started(application: Application) -> None:
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)


async def ours(url: str, hasher: PasswordHasher) -> Target:
    outbox = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    settings = Settings(database_url=url, outbox_dir=outbox, telegram_bot_token=None)
    app = await build(settings, hasher=hasher, migrate=False)
    api = BenchApi()
    telegram = build_telegram(
        app, token=TOKEN, request=api, sender_options=SenderOptions(rate=10**9, group_rate=10**9)
    )
    await telegram.start()
    settle_heap()  # as ``aspel-bot run`` does once it is built

    async def close() -> None:
        await telegram.stop()
        await app.aclose()

    target = Target(telegram.application, api, close=close)
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
