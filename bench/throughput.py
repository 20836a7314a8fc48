"""Throughput and latency: our bot, the floor and the peer on the same recorded updates.

The updates are recorded once, from a first run of our bot (each press is built from the
keyboard the bot really showed), then replayed, byte for byte, to every variant in every
repetition. The variants take turns within a repetition (the order rotates), so a machine
that drifts affects them alike; each ratio is computed within one repetition.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bench import honest, journey, variants
from bench.dataset import Databases
from bench.driver import Run, Stream, Target, drive, live, replay
from bot.domain.ports import PasswordHasher
from bot.storage.db import Database
from bot.storage.schema import conversations, outbox

OURS, FLOOR, PEER, PEER_DURABLE = "ours", "floor", "peer", "peer_durable"
HONEST = "honest_floor"  # our calls plus one raw durable transaction per turn (bench.honest)
VARIANTS = (OURS, FLOOR, HONEST, PEER, PEER_DURABLE)
MAX_CHATS_FOR_SAVE = 2_000  # the peer's periodic save is O(chats²): ~6 s at 1k, minutes at 10k


@dataclass
class Setup:
    dbs: Databases
    backend: str
    chats: int
    template: str  # name of the template database holding the accounts
    hasher: PasswordHasher
    password_hash: str
    window: int
    peer_budget: float  # seconds the durable peer may run per repetition


@dataclass
class Section:
    """Every run of one backend at one size, per variant, in repetition order."""

    backend: str
    chats: int
    window: int
    runs: dict[str, list[Run]] = field(default_factory=lambda: defaultdict(list))


async def count_done(url: str) -> tuple[int, int]:
    """(e-mails in the outbox, conversations that finished the CDA journey)."""
    db = Database(url)
    done = conversations.c.state == "cda_done"

    def count(conn: Any) -> tuple[int, int]:
        emails = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        return emails, conn.execute(select(func.count()).where(done)).scalar_one()

    try:
        emails, finished = await db.read(count)
    finally:
        await db.aclose()
    return int(emails), int(finished)


async def _check(target: Target, url: str, chats: int) -> None:
    if target.errors:
        raise RuntimeError(f"the bot raised {len(target.errors)} errors: {target.errors[:3]!r}")
    emails, finished = await count_done(url)
    if (emails, finished) != (chats * journey.EMAILS_PER_CHAT, chats):
        raise RuntimeError(f"{chats} journeys left {emails} e-mails, {finished} finished")


async def record(setup: Setup) -> Stream:
    """Our bot walks every journey live; the updates it was sent are kept for the replays."""
    url = setup.dbs.clone(setup.template)
    target = await variants.ours(url, setup.hasher)
    stream: Stream = {}
    try:
        await drive(target, live(target.api, range(setup.chats), stream), setup.window)
        await _check(target, url, setup.chats)
    finally:
        await target.aclose()
        setup.dbs.drop(url)
    return stream


async def _timed(target: Target, stream: Stream, window: int, budget: float | None) -> Run:
    gc.collect()
    try:
        return await drive(target, replay(stream), window, budget)
    finally:
        if target.errors:
            raise RuntimeError(f"{len(target.errors)} errors: {target.errors[:3]!r}")


async def run_ours(setup: Setup, stream: Stream) -> Run:
    url = setup.dbs.clone(setup.template)
    target = await variants.ours(url, setup.hasher)
    try:
        run = await _timed(target, stream, setup.window, None)
        await _check(target, url, setup.chats)
        return run
    finally:
        await target.aclose()
        setup.dbs.drop(url)


async def run_honest(setup: Setup, stream: Stream) -> Run:
    url = setup.dbs.clone(setup.template)
    try:
        return await _run_target(lambda: honest.honest_floor(url), stream, setup.window, None)
    finally:
        setup.dbs.drop(url)


async def _run_target(
    make: Callable[[], Awaitable[Target]],
    stream: Stream,
    window: int,
    budget: float | None,
    save: bool = False,
) -> Run:
    target = await make()
    try:
        run = await _timed(target, stream, window, budget)
        if save:
            run.save_seconds = await variants.interval_save(target)
        return run
    finally:
        await target.aclose()


async def run_variant(name: str, setup: Setup, stream: Stream) -> Run:
    if name == OURS:
        return await run_ours(setup, stream)
    if name == FLOOR:
        return await _run_target(variants.floor, stream, setup.window, None)
    if name == HONEST:
        return await run_honest(setup, stream)
    durable = name == PEER_DURABLE

    def make() -> Awaitable[Target]:
        return variants.peer(setup.chats, setup.hasher, setup.password_hash, durable)

    budget = setup.peer_budget if durable else None
    save = not durable and setup.chats <= MAX_CHATS_FOR_SAVE
    return await _run_target(make, stream, setup.window, budget, save)


async def measure(
    setup: Setup, reps: int, names: tuple[str, ...] = VARIANTS, log: Callable[[str], None] = print
) -> Section:
    stream = await record(setup)
    section = Section(setup.backend, setup.chats, setup.window)
    for rep in range(reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            run = await run_variant(name, setup, stream)
            section.runs[name].append(run)
            log(
                f"  {setup.backend} {setup.chats} chats, rep {rep + 1}/{reps}, {name}: "
                f"{run.per_second:,.0f} updates/s, {run.cpu_us:,.0f} µs CPU/update"
                + ("" if run.complete else f" (first {run.updates:,} updates, time budget)")
            )
    return section
