"""The password pool: one pending verification per chat, trusted chats first, the loop free."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time

import pytest

from bot.domain.passwords import (
    UNTRUSTED_NICENESS,
    Argon2Hasher,
    Busy,
    PasswordPool,
    PasswordWork,
)


class GatedHasher(Argon2Hasher):
    """Cheap Argon2 whose verifications wait for the test's go, recording their start order."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.go = threading.Event()
        self.started = threading.Semaphore(0)
        self.order: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.order.append(password)  # the order verifications start in
        self.started.release()
        self.go.wait(5)
        return super().verify(password_hash, password)


async def _started(hasher: GatedHasher, count: int) -> None:
    for _ in range(count):
        assert await asyncio.to_thread(hasher.started.acquire, True, 5)


async def test_a_chat_has_one_verification_pending_at_most() -> None:
    hasher = GatedHasher()
    pool = PasswordPool(hasher, threads=1, trusted_threads=0)
    stored = hasher.hash("right")
    first = asyncio.ensure_future(pool.run(PasswordWork("a", verify_against=stored), chat="c1"))
    await _started(hasher, 1)
    with pytest.raises(Busy):
        await pool.run(PasswordWork("b", verify_against=stored), chat="c1")
    other = asyncio.ensure_future(pool.run(PasswordWork("c", verify_against=stored), chat="c2"))
    hasher.go.set()
    assert [v.ok for v in await asyncio.gather(first, other)] == [False, False]
    again = await pool.run(PasswordWork("right", verify_against=stored), chat="c1")
    assert again.ok  # done: the chat may try again
    pool.close()


async def test_trusted_work_goes_first_and_has_a_thread_of_its_own() -> None:
    hasher = GatedHasher()
    pool = PasswordPool(hasher, threads=1, trusted_threads=1)
    stored = hasher.hash("right")
    attackers = [
        asyncio.ensure_future(pool.run(PasswordWork(f"x{i}", verify_against=stored), chat=f"a{i}"))
        for i in range(5)
    ]
    await _started(hasher, 1)  # the general thread is busy with an attacker's guess
    assert pool.waiting() == 4
    owner = asyncio.ensure_future(
        pool.run(PasswordWork("right", verify_against=stored, trusted=True), chat="owner")
    )
    await _started(hasher, 1)  # taken at once by the trusted thread, four attackers still queued
    assert pool.waiting() == 4
    hasher.go.set()
    assert (await owner).ok
    await asyncio.gather(*attackers)
    assert hasher.order[:2] == ["x0", "right"]  # before the four queued earlier
    pool.close()


async def test_the_event_loop_keeps_running_while_argon2_works() -> None:
    pool = PasswordPool(Argon2Hasher(time_cost=3, memory_cost=32 * 1024, parallelism=1))
    stored = pool.hasher.hash("right")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    ticker = asyncio.ensure_future(tick())
    began = time.perf_counter()
    works = [PasswordWork("wrong", verify_against=stored) for _ in range(3)]
    await asyncio.gather(*(pool.run(w, chat=f"c{i}") for i, w in enumerate(works)))
    elapsed = time.perf_counter() - began
    ticker.cancel()
    assert ticks >= 0.05 * elapsed / 0.005  # the loop ran throughout (blocked: about none)
    pool.close()


def _niceness(name: str) -> int:
    thread = next(t for t in threading.enumerate() if t.name == name)
    assert thread.native_id is not None
    return os.getpriority(os.PRIO_PROCESS, thread.native_id)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
async def test_untrusted_threads_run_at_the_lowest_priority_the_trusted_one_does_not() -> None:
    hasher = GatedHasher()
    pool = PasswordPool(hasher, threads=1, trusted_threads=1)
    stored = hasher.hash("right")
    guess = asyncio.ensure_future(pool.run(PasswordWork("x", verify_against=stored), chat="a"))
    await _started(hasher, 1)  # the general thread has set its priority before taking work
    process = os.getpriority(os.PRIO_PROCESS, 0)
    if process >= UNTRUSTED_NICENESS:
        pytest.skip("the tests already run at the lowest priority")
    assert _niceness("argon2-0") == UNTRUSTED_NICENESS != process
    assert _niceness("argon2 trusted 0") == process
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == process  # the loop's
    hasher.go.set()
    await guess
    pool.close()


async def test_hashes_of_more_lanes_are_upgraded_to_one_lane_on_login() -> None:
    """argon2-cffi's default is 4 lanes: a hash stored so is verified with its own parameters,
    then replaced by a one-lane hash (the login stores ``Verdict.new_hash``)."""
    old = Argon2Hasher(time_cost=1, memory_cost=64, parallelism=4).hash("right")
    pool = PasswordPool(Argon2Hasher(time_cost=1, memory_cost=64))
    assert ",p=4$" in old
    wrong = await pool.run(PasswordWork("wrong", verify_against=old), chat="c")
    assert (wrong.ok, wrong.new_hash) == (False, None)
    right = await pool.run(PasswordWork("right", verify_against=old), chat="c")
    assert right.ok and right.new_hash is not None and ",p=1$" in right.new_hash
    assert pool.hasher.verify(right.new_hash, "right")
    assert not pool.hasher.needs_rehash(right.new_hash)
    new = await pool.run(PasswordWork("otra", hash_it=True), chat="c")
    assert new.new_hash is not None and ",p=1$" in new.new_hash
    pool.close()
