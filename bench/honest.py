"""The honest floor: the Bot API calls our bot makes, plus one raw durable transaction per turn.

PTB's floor (``variants.floor``) replies once and stores nothing; no durable bot can reach it.
This variant is what a durable bot with our calls cannot go below: for every update, one
transaction on the driver itself (sqlite3 or psycopg, on a thread of its own, one hop), writing
what a turn must keep — the chat's state (an upsert), the customer's and the bot's transcript
lines, and the reply as a delivery row — and then the same Bot API calls as ours, sent as JSON
(``Bot.do_api_request``, the cheapest way through PTB):

- a press: answer it, and edit the pressed message into the next screen (a keyboard);
- a typed message: delete it at the password step; take the live keyboard down; send the next
  screen (a keyboard).

On the bench workload that is 2.0 calls per update, ours's count. No use case runs and no
conversation logic: it measures the transport and the storage a turn cannot avoid.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from bench import journey
from bench.driver import Target
from bench.telegram import TOKEN, BenchApi
from bot.channels.telegram import api as calls
from bot.channels.telegram.app import CONCURRENT_UPDATES
from bot.handlers.ordering import PerChatUpdateProcessor
from bot.storage.db import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, postgres_sql, sqlite_time

SCREEN = "Elige una opción:"
KEYBOARD = calls.keyboard([[["Suscripciones", "a"], ["Licenciamiento", "b"]], [["Menú", "c"]]])
STATE = (
    "INSERT INTO conversations (chat_id, state, state_version, slots, turn, updated_at)"
    " VALUES (:chat, :state, 1, :slots, 1, :at) ON CONFLICT (chat_id) DO UPDATE SET"
    " state = excluded.state, slots = excluded.slots, turn = conversations.turn + 1,"
    " updated_at = excluded.updated_at RETURNING turn"
)
TRANSCRIPT = (
    "INSERT INTO transcript_events (chat_id, at, who, kind, text, state)"
    " VALUES (:chat, :at, :who, 'text', :text, :state)"
)
DELIVERY = (
    "INSERT INTO deliveries (chat_id, seq, op, body, created_at, attempts, next_attempt_at)"
    " VALUES (:chat, :seq, 'screen', :body, :at, 0, :at)"
)


class Store:
    """One connection, on one thread of its own; ``turn`` is one transaction there."""

    def __init__(self, url: str) -> None:
        self.sqlite = is_sqlite(url)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="honest-db")
        self._conn: Any = self._thread.submit(self._connect, url).result()
        sql = [STATE, TRANSCRIPT, DELIVERY]
        self._sql = sql if self.sqlite else [postgres_sql(s) for s in sql]

    def _connect(self, url: str) -> Any:
        if self.sqlite:
            conn = sqlite3.connect(make_url(url).database, isolation_level=None)
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            ):
                conn.execute(f"PRAGMA {pragma}")
            return conn
        parsed = make_url(url)
        return psycopg.connect(parsed.set(drivername="postgresql").render_as_string(False))

    async def turn(self, chat: str, said: str, reply: str) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._turn, chat, said, reply)

    def _turn(self, chat: str, said: str, reply: str) -> None:
        now = datetime.now(UTC)
        at = sqlite_time(now) if self.sqlite else now
        state, transcript, delivery = self._sql
        conn = self._conn
        if self.sqlite:
            conn.execute("BEGIN IMMEDIATE")
        try:
            slots = json.dumps({"last": said[:64]})
            (turn,) = conn.execute(
                state, {"chat": chat, "state": "menu", "slots": slots, "at": at}
            ).fetchone()
            lines = [
                {"chat": chat, "at": at, "who": "cliente", "text": said, "state": "menu"},
                {"chat": chat, "at": at, "who": "bot", "text": reply, "state": "menu"},
            ]
            if self.sqlite:
                conn.executemany(transcript, lines)
            else:
                with conn.cursor() as cursor:
                    cursor.executemany(transcript, lines)
            body = json.dumps({"text": reply}, ensure_ascii=False)
            conn.execute(delivery, {"chat": chat, "seq": turn * 64, "body": body, "at": at})
        except BaseException:
            self._end("ROLLBACK")
            raise
        self._end("COMMIT")

    def _end(self, how: str) -> None:
        if self.sqlite:
            self._conn.execute(how)
        elif how == "COMMIT":
            self._conn.commit()
        else:
            self._conn.rollback()

    def close(self) -> None:
        self._thread.submit(self._conn.close).result()
        self._thread.shutdown()


class HonestFloor:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.live: dict[int, int] = {}  # chat -> the message carrying its live keyboard

    async def handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        query = update.callback_query
        if query is not None and query.message is not None:
            chat, pressed = query.message.chat.id, query.message.message_id
            await self.store.turn(f"tg:{chat}", query.data or "", SCREEN)
            await calls.answer_callback(bot, query.id)
            await calls.edit_text(bot, chat, pressed, SCREEN, KEYBOARD)
            self.live[chat] = pressed
            return
        message = update.message
        assert message is not None and message.text is not None
        chat = message.chat.id
        await self.store.turn(f"tg:{chat}", message.text, SCREEN)
        if message.text == journey.PASSWORD:  # the password step
            await calls.delete_message(bot, chat, message.message_id)
        live = self.live.pop(chat, None)
        if live is not None:
            await calls.clear_keyboard(bot, chat, live)
        self.live[chat] = await calls.send_message(bot, chat, SCREEN, KEYBOARD)


async def honest_floor(url: str) -> Target:
    api = BenchApi()
    store = Store(url)
    floor = HonestFloor(store)
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api)
        .get_updates_request(api)
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
        .build()
    )
    application.add_handler(TypeHandler(Update, floor.handle))
    await application.initialize()

    async def close() -> None:
        await application.shutdown()
        await asyncio.to_thread(store.close)

    target = Target(application, api, close=close)
    target.watch_errors()
    return target
