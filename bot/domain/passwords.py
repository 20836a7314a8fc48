"""Passwords: Argon2id hashing behind the ``PasswordHasher`` port, and the pool that runs it.

Argon2 is CPU-bound (~100–500 ms with production parameters), so it never runs on the event
loop nor inside a database transaction. A turn that meets a password hands a ``PasswordWork``
to the ``PasswordPool`` and is resumed with the ``Verdict``:

- the pool has ``cores − 1`` threads of its own (at least one), so logins queue for it instead
  of starving the event loop and every other chat's turn; each verification uses one Argon2
  lane (``parallelism=1``) for the same reason;
- it is fair: work from a chat already trusted for the account goes first, then the rest in
  arrival order; a chat has at most one piece of work pending (a second one is refused:
  ``Busy``), so one chat that floods passwords holds one place in the queue, not a hundred;
- one more thread takes trusted work only: an owner logging in from the chat they always use
  waits for their own verification, never for the one an attacker's chat has running (the
  extra thread is busy only while trusted work is queued, which attackers cannot cause);
- the general threads run at the lowest CPU priority (``nice`` 19, ``UNTRUSTED_NICENESS``;
  Linux sets it per thread): a flood of guesses takes only the CPU the event loop and the
  database thread leave, instead of half of it on a 2-core box; the trusted thread keeps the
  process's priority, so the owner's login does not wait for the box to be idle;
- an unknown user name is verified against a dummy hash made with the same parameters, so
  replies and timings are the same for existing and made-up accounts.

Tests build a hasher with cheap parameters; ``needs_rehash`` then tells production to upgrade
such hashes on the next successful login.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import os
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from bot.domain.ports import PasswordHasher

log = logging.getLogger(__name__)

HASHING_THREADS = max(1, (os.cpu_count() or 2) - 1)
LANES = 1
TRUSTED = 0  # the queue's priority of work from a trusted chat (the rest: 1)
UNTRUSTED_NICENESS = 19  # the general threads' ``nice``: CPU nobody else wants


class Argon2Hasher:
    def __init__(
        self,
        *,
        time_cost: int | None = None,
        memory_cost: int | None = None,
        parallelism: int | None = None,
    ) -> None:
        defaults = _Argon2()
        self._argon2 = _Argon2(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost or defaults.memory_cost,
            parallelism=parallelism or LANES,
            type=Type.ID,
        )

    @classmethod
    def cheap(cls) -> Argon2Hasher:
        """Fast, weak parameters: for tests only."""
        return cls(time_cost=1, memory_cost=8, parallelism=1)

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True


# --- what a turn asks for, and what it gets back ------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginCheck:
    """The first half of a login (``login.begin_login``): what to verify, for whom."""

    account_id: int | None  # None: no such user name (verified against the dummy hash)
    password_hash: str | None
    keys: tuple[str, ...]  # the throttles a failure counts against
    trusted: bool = False  # the chat logged in to this account before (goes first)
    chat: str = ""  # the chat trying: trusted for the account once it succeeds


@dataclass(frozen=True, slots=True)
class PasswordWork:
    """One verification or one new hash. The password lives only in memory, for the turn."""

    password: str = field(repr=False)
    verify_against: str | None = None  # a hash to verify; None with ``hash_it``: the dummy
    hash_it: bool = False  # compute a new hash instead of verifying
    trusted: bool = False

    def __repr__(self) -> str:  # never the password, whatever prints it
        kind = "hash" if self.hash_it else "verify"
        return f"PasswordWork({kind}, trusted={self.trusted})"


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    new_hash: str | None = None  # a hash of the password (``hash_it``, or a rehash on login)


class Busy(Exception):
    """The chat already has password work waiting: it is not queued twice."""


class PasswordPool:
    """Runs ``PasswordWork`` on threads of its own, trusted chats first, one per chat."""

    def __init__(
        self, hasher: PasswordHasher, threads: int = HASHING_THREADS, trusted_threads: int = 1
    ) -> None:
        self.hasher = hasher
        self._queue: list[tuple[int, int, _Task]] = []
        self._order = itertools.count()
        self._pending: set[str] = set()
        self._ready = threading.Condition()
        self._dummy: str | None = None
        self._closed = False
        self._threads = [
            threading.Thread(target=self._serve, args=(False,), name=f"argon2-{i}", daemon=True)
            for i in range(threads)
        ] + [
            threading.Thread(
                target=self._serve, args=(True,), name=f"argon2 trusted {i}", daemon=True
            )
            for i in range(trusted_threads)
        ]
        for thread in self._threads:
            thread.start()

    async def run(self, work: PasswordWork, *, chat: str) -> Verdict:
        """Queue ``work`` for ``chat`` and wait for it; ``Busy`` if the chat has one queued."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Verdict] = loop.create_future()
        with self._ready:
            if chat in self._pending:
                raise Busy(chat)
            self._pending.add(chat)
            task = _Task(work, chat, lambda r, e: loop.call_soon_threadsafe(_settle, future, r, e))
            heapq.heappush(self._queue, (TRUSTED if work.trusted else 1, next(self._order), task))
            self._ready.notify_all()  # a trusted-only thread may be the one free
        return await future

    def waiting(self) -> int:
        with self._ready:
            return len(self._queue)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def _serve(self, trusted_only: bool) -> None:
        if not trusted_only:
            _lower_priority()
        while True:
            with self._ready:
                while not self._closed and not (
                    self._queue and (not trusted_only or self._queue[0][0] == TRUSTED)
                ):
                    self._ready.wait()
                if self._closed:
                    return
                _, _, task = heapq.heappop(self._queue)
            try:
                verdict, error = self._do(task.work), None
            except Exception as failure:  # handed to the waiting turn
                verdict, error = None, failure
            with self._ready:
                self._pending.discard(task.chat)
            task.done(verdict, error)

    def _do(self, work: PasswordWork) -> Verdict:
        if work.hash_it:
            return Verdict(True, self.hasher.hash(work.password))
        if work.verify_against is None:
            self.hasher.verify(self._dummy_hash(), work.password)  # the same cost, always False
            return Verdict(False)
        if not self.hasher.verify(work.verify_against, work.password):
            return Verdict(False)
        rehash = self.hasher.needs_rehash(work.verify_against)
        return Verdict(True, self.hasher.hash(work.password) if rehash else None)

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_hex(16))
        return self._dummy


def _lower_priority() -> None:
    """This thread (and any it starts) at ``UNTRUSTED_NICENESS``; where threads cannot have a
    priority of their own (not Linux), nothing changes."""
    if not sys.platform.startswith("linux"):
        return  # elsewhere PRIO_PROCESS with a thread id would renice the whole process
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), UNTRUSTED_NICENESS)
    except OSError:
        log.warning("could not lower the priority of an Argon2 thread", exc_info=True)


@dataclass(slots=True)
class _Task:
    work: PasswordWork
    chat: str
    done: Callable[[Verdict | None, BaseException | None], Any]


def _settle(future: asyncio.Future[Verdict], verdict: Verdict | None, error: Any) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert verdict is not None
        future.set_result(verdict)
