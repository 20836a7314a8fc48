"""Logins with the production Argon2 parameters, and what they do to everyone else.

A few logged-in chats keep pressing buttons at a steady pace (list, pick a serial, back, back);
after a quiet phase, 50 other chats send their passwords at once. Measured: how fast the 50
logins complete, and the latency of the other chats' turns before and while they hash.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bench import journey, variants
from bench.dataset import Databases
from bench.driver import Target, deliver
from bench.telegram import press_update, text_update
from bot.conversation import keyboards as kb
from bot.domain.ports import PasswordHasher
from bot.storage.db import Database
from bot.storage.schema import conversations

LOGINS = 50
OTHERS = 10
PACE = 0.1  # seconds between two turns of one of the other chats


@dataclass
class LoginRun:
    seconds: float  # until the logins were all answered
    logins: list[float] = field(default_factory=list)
    quiet: list[float] = field(default_factory=list)  # other chats' turns before the logins
    hashing: list[float] = field(default_factory=list)  # … while the logins hashed

    @property
    def per_second(self) -> float:
        return len(self.logins) / self.seconds


async def _send(target: Target, body: dict[str, object]) -> float:
    began = time.perf_counter()
    await deliver(target, json.dumps(body).encode())
    return time.perf_counter() - began


async def _walk(target: Target, i: int, turns: int) -> None:
    """The first ``turns`` updates of chat ``i``'s journey (the CDA journey's start)."""
    chat = journey.chat_id(i)
    steps = [("text", "/start"), ("press", kb.CDA), ("text", journey.username(i))]
    steps += [("text", journey.PASSWORD)]
    for kind, value in steps[:turns]:
        build = text_update if kind == "text" else press_update
        await _send(target, build(target.api, chat, value))


async def _browse(
    target: Target, i: int, phase: list[str], samples: list[tuple[str, float]]
) -> None:
    cycle = [kb.SUBSCRIPTIONS, kb.SERIAL_PREFIX + journey.cda_serial(i), kb.BACK, kb.BACK]
    chat, n = journey.chat_id(i), 0
    await asyncio.sleep(PACE * i / OTHERS)  # spread the chats over the pace
    while phase[0] != "done":
        tick = time.perf_counter() + PACE
        name = phase[0]
        latency = await _send(target, press_update(target.api, chat, cycle[n % len(cycle)]))
        samples.append((name, latency))
        n += 1
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))


async def logged_in(url: str) -> int:
    db = Database(url)
    try:
        query = select(func.count()).where(conversations.c.account_id.is_not(None))
        return int(await db.read(lambda conn: conn.execute(query).scalar_one()))
    finally:
        await db.aclose()


async def one_run(url: str, hasher: PasswordHasher, quiet_seconds: float, count: int) -> LoginRun:
    target = await variants.ours(url, hasher)
    try:
        await asyncio.gather(*(_walk(target, i, 4) for i in range(OTHERS)))
        await asyncio.gather(*(_walk(target, i, 3) for i in range(OTHERS, OTHERS + count)))
        phase, samples = ["quiet"], []
        browsing = asyncio.gather(*(_browse(target, i, phase, samples) for i in range(OTHERS)))
        await asyncio.sleep(quiet_seconds)
        phase[0] = "hashing"
        began = time.perf_counter()
        logins = await asyncio.gather(
            *(
                _send(target, text_update(target.api, journey.chat_id(i), journey.PASSWORD))
                for i in range(OTHERS, OTHERS + count)
            )
        )
        seconds = time.perf_counter() - began
        phase[0] = "done"
        await browsing
    finally:
        await target.aclose()
    if target.errors or await logged_in(url) != OTHERS + count:
        raise RuntimeError(f"logins failed: {target.errors[:3]!r}")
    run = LoginRun(seconds, list(logins))
    run.quiet = [s for name, s in samples if name == "quiet"]
    run.hashing = [s for name, s in samples if name == "hashing"]
    return run


async def measure(
    dbs: Databases,
    template: str,
    hasher: PasswordHasher,
    reps: int,
    quiet_seconds: float,
    count: int = LOGINS,
    log: Callable[[str], None] = print,
) -> list[LoginRun]:
    runs = []
    for rep in range(reps):
        url = dbs.clone(template)
        try:
            run = await one_run(url, hasher, quiet_seconds, count)
        finally:
            dbs.drop(url)
        runs.append(run)
        log(f"  logins rep {rep + 1}/{reps}: {run.per_second:.1f} logins/s")
    return runs
