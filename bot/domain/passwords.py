"""Password hashing with Argon2id (argon2-cffi), behind the ``PasswordHasher`` port.

Verification is CPU-bound (~130 ms with the library defaults): callers run it with
``off_the_loop``, in a small pool of its own (one thread fewer than the machine has cores), so
that many logins at once queue for the pool instead of crowding out the event loop and every
other chat's turn. Each verification uses one Argon2 lane (``parallelism=1``: same memory and
passes, one core), for the same reason. Tests build a hasher with cheap parameters;
``needs_rehash`` then tells production to upgrade such hashes on the next successful login.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")
HASHING_THREADS = max(1, (os.cpu_count() or 2) - 1)
_hashing_pool = ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="argon2")
LANES = 1


async def off_the_loop(work: Callable[..., T], *args: object) -> T:
    """Run password hashing in its own pool; callers wait their turn without blocking others."""
    return await asyncio.get_running_loop().run_in_executor(_hashing_pool, work, *args)


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
