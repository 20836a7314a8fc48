"""Login under abuse: untrusted chats flood wrong passwords while the owner logs in.

The owner's chat logged in once before (so it is trusted for the account). Then, for a fixed
time, 50 untrusted chats send a user name and a wrong password, again and again, without pause:
half of them the owner's user name, half made-up ones (each chat its own), so both the per-name
and the per-chat limits of ``bot.domain.throttling`` come into play while the password pool is
full. Meanwhile the owner logs out and in again every ``OWNER_EVERY`` seconds and 10 logged-in
chats keep pressing buttons (``bench.logins``). Production Argon2 parameters.

Measured: the owner's password turns (each must log in), the other chats' turns before and
during the attack, and how the attackers' password turns ended.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from bench import journey, logins, variants
from bench.dataset import Databases
from bench.driver import Target
from bench.telegram import press_update, text_update
from bot.conversation import keyboards as kb
from bot.domain.ports import PasswordHasher
from bot.storage.db import Database
from bot.storage.schema import conversations

ATTACKERS = 50
OWNER = logins.OTHERS  # the account (and chat) index of the owner; 0…9 browse
OWNER_EVERY = 0.5  # seconds between the owner's logins
WRONG = "Adivina-1234"
PASSWORD = journey.PASSWORD


@dataclass
class AbuseRun:
    seconds: float
    alone: float = 0.0  # one Argon2 verification with nothing else hashing, seconds
    owner: list[float] = field(default_factory=list)  # the owner's password turns
    quiet: list[float] = field(default_factory=list)  # other chats' turns before the attack
    attacked: list[float] = field(default_factory=list)  # … during it
    attempts: int = 0  # the attackers' password turns
    verified: int = 0  # … that cost an Argon2 verification (the others met a lock)
    failed_owner_logins: int = 0


def _attacker_chat(j: int) -> int:
    return journey.chat_id(OWNER + 1 + j)


async def _attack(target: Target, j: int, stop: list[bool], run: AbuseRun) -> None:
    chat = _attacker_chat(j)
    await logins._send(target, text_update(target.api, chat, "/start"))
    await logins._send(target, press_update(target.api, chat, kb.CDA))
    n = 0
    while not stop[0]:
        name = journey.username(OWNER) if j % 2 == 0 else f"nadie{j:03d}x{n}"
        await logins._send(target, text_update(target.api, chat, name))
        await logins._send(target, text_update(target.api, chat, WRONG))
        run.attempts += 1
        n += 1


class CountingHasher:
    """The production hasher, counting its verifications (the pool's threads call it)."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.inner, self.verifications = hasher, 0
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.verifications += 1
        return self.inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.inner.needs_rehash(password_hash)


def _one_verification(hasher: PasswordHasher) -> float:
    stored = hasher.hash(WRONG)
    began = time.perf_counter()
    hasher.verify(stored, PASSWORD)
    return time.perf_counter() - began


async def _account_of(db: Database, chat: int) -> int | None:
    query = select(conversations.c.account_id).where(conversations.c.chat_id == f"tg:{chat}")
    return await db.read(lambda conn: conn.execute(query).scalar_one_or_none())


async def _owner(target: Target, db: Database, stop: list[bool], run: AbuseRun) -> None:
    chat = journey.chat_id(OWNER)
    while not stop[0]:
        tick = time.perf_counter() + OWNER_EVERY
        for text in ("/salir", "/start"):
            await logins._send(target, text_update(target.api, chat, text))
        await logins._send(target, press_update(target.api, chat, kb.CDA))
        await logins._send(target, text_update(target.api, chat, journey.username(OWNER)))
        run.owner.append(await logins._send(target, text_update(target.api, chat, PASSWORD)))
        if await _account_of(db, chat) is None:
            run.failed_owner_logins += 1
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))


async def one_run(url: str, hasher: PasswordHasher, quiet: float, seconds: float) -> AbuseRun:
    counting = CountingHasher(hasher)
    target = await variants.ours(url, counting)
    db = Database(url)
    try:
        await asyncio.gather(*(logins._walk(target, i, 4) for i in range(OWNER + 1)))  # trusted
        alone = await asyncio.to_thread(_one_verification, hasher)
        phase, samples = ["quiet"], []
        browsing = asyncio.gather(
            *(logins._browse(target, i, phase, samples) for i in range(logins.OTHERS))
        )
        await asyncio.sleep(quiet)
        phase[0], stop, run = "attacked", [False], AbuseRun(seconds, alone=alone)
        before = counting.verifications
        attackers = [_attack(target, j, stop, run) for j in range(ATTACKERS)]
        attack = asyncio.gather(*attackers, _owner(target, db, stop, run))
        await asyncio.sleep(seconds)
        stop[0] = True
        await attack
        run.verified = counting.verifications - before - len(run.owner)
        phase[0] = "done"
        await browsing
    finally:
        await db.aclose()
        await target.aclose()
    if target.errors or run.failed_owner_logins:
        raise RuntimeError(f"owner refused {run.failed_owner_logins}×; {target.errors[:3]!r}")
    run.quiet = [s for name, s in samples if name == "quiet"]
    run.attacked = [s for name, s in samples if name == "attacked"]
    return run


async def measure(
    dbs: Databases,
    template: str,
    hasher: PasswordHasher,
    reps: int,
    quiet: float,
    seconds: float,
    log: Callable[[str], None] = print,
) -> list[AbuseRun]:
    runs = []
    for rep in range(reps):
        url = dbs.clone(template)
        try:
            run = await one_run(url, hasher, quiet, seconds)
        finally:
            dbs.drop(url)
        runs.append(run)
        log(
            f"  login-abuse rep {rep + 1}/{reps}: {len(run.owner)} owner logins; "
            f"{run.attempts} wrong passwords, {run.verified} verified"
        )
    return runs
