"""Feeding update JSON to an Application, chats interleaved, and timing it.

Each update is parsed from JSON bytes (``Update.de_json``) and handed to the Application's update
processor with ``Application.process_update``, as PTB's own update fetcher does. Updates of one
chat go one after another (a customer waits for the answer); up to ``window`` chats are served at
once, taking turns, so the journeys interleave.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application, ContextTypes

from bench import journey
from bench.telegram import BenchApi, press_update, text_update


@dataclass(frozen=True, slots=True)
class Delivery:
    raw: bytes
    login: bool = False


Stream = dict[int, list[Delivery]]  # chat id -> its updates, in order


@dataclass
class Target:
    """An initialised Application over its ``BenchApi``; ``after`` runs after every update."""

    application: Application
    api: BenchApi
    after: Callable[[], Awaitable[None]] | None = None
    close: Callable[[], Awaitable[None]] | None = None
    errors: list[BaseException] = field(default_factory=list)

    def watch_errors(self) -> None:
        async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            if context.error is not None:
                self.errors.append(context.error)

        self.application.add_error_handler(collect)

    async def aclose(self) -> None:
        if self.close is not None:
            await self.close()


@dataclass
class Run:
    updates: int
    wall: float  # seconds
    cpu: float  # seconds of process CPU (every thread)
    turns: list[float]  # latency of each non-login update, seconds
    logins: list[float]  # latency of each password update
    calls: Counter[str]
    complete: bool = True  # False when a time budget stopped it early
    save_seconds: float | None = None  # the peer's periodic save after the run, if measured

    @property
    def per_second(self) -> float:
        return self.updates / self.wall

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.updates * 1e6


async def deliver(target: Target, raw: bytes) -> None:
    application = target.application
    update = Update.de_json(json.loads(raw), application.bot)
    await application.update_processor.process_update(update, application.process_update(update))
    if target.after is not None:
        await target.after()


def live(
    api: BenchApi, chats: Iterable[int], record: Stream | None = None
) -> dict[int, Iterator[Delivery]]:
    """Sources that build each update from the bot's last answer (the keyboard on screen)."""
    return {journey.chat_id(i): _live_chat(api, i, record) for i in chats}


def _live_chat(api: BenchApi, i: int, record: Stream | None) -> Iterator[Delivery]:
    chat = journey.chat_id(i)
    for turn in journey.journey(i):
        body = (text_update if turn.kind == "text" else press_update)(api, chat, turn.value)
        delivery = Delivery(json.dumps(body).encode(), turn.login)
        if record is not None:
            record.setdefault(chat, []).append(delivery)
        yield delivery


def replay(stream: Stream) -> dict[int, Iterator[Delivery]]:
    return {chat: iter(updates) for chat, updates in stream.items()}


async def drive(
    target: Target,
    sources: dict[int, Iterator[Delivery]],
    window: int,
    budget: float | None = None,
) -> Run:
    """Serve every chat's updates, ``window`` chats at a time; stop early after ``budget`` s."""
    gate = asyncio.Semaphore(window)
    turns: list[float] = []
    logins: list[float] = []
    calls_before = Counter(target.api.calls)
    start, cpu_start = time.perf_counter(), time.process_time()
    deadline = start + budget if budget else float("inf")
    stopped: list[int] = []

    async def serve(source: Iterator[Delivery]) -> None:
        for delivery in source:
            async with gate:
                if time.perf_counter() > deadline:
                    stopped.append(1)
                    return
                began = time.perf_counter()
                await deliver(target, delivery.raw)
                (logins if delivery.login else turns).append(time.perf_counter() - began)

    await asyncio.gather(*(serve(source) for source in sources.values()))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    calls = target.api.calls - calls_before
    done = len(turns) + len(logins)
    return Run(done, wall, cpu, turns, logins, calls, complete=not stopped)
