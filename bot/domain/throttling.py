"""Login throttling: how long a run of consecutive failures locks an account or a chat.

The 3rd failure locks 30 s, the 4th 2 min, the 5th 15 min, and each later one doubles that,
capped at 24 h. A success clears the run; so does a quiet day without failures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.domain.ports import Throttle

ALERT_AT_FAILURE = 5  # the owner is e-mailed when the account's run reaches this
FIRST_LOCKS = {3: timedelta(seconds=30), 4: timedelta(minutes=2)}
LONG_LOCK = timedelta(minutes=15)
MAX_LOCK = timedelta(hours=24)
RUN_FORGOTTEN_AFTER = timedelta(hours=24)


def account_key(account_id: int) -> str:
    return f"account:{account_id}"


def chat_key(chat: str) -> str:
    return f"chat:{chat}"


def lock_for(failures: int) -> timedelta | None:
    if failures in FIRST_LOCKS:
        return FIRST_LOCKS[failures]
    if failures < 5:
        return None
    doublings = min(failures - 5, 10)  # 15 min * 2**7 is already past the cap
    return min(LONG_LOCK * 2**doublings, MAX_LOCK)


def locked_until(throttles: Iterable[Throttle], now: datetime) -> datetime | None:
    ends = [t.locked_until for t in throttles if t.locked_until and t.locked_until > now]
    return max(ends, default=None)


def register_failure(throttle: Throttle, now: datetime) -> Throttle:
    stale = throttle.last_failure_at and now - throttle.last_failure_at > RUN_FORGOTTEN_AFTER
    failures = 1 if stale else throttle.failures + 1
    lock = lock_for(failures)
    return Throttle(
        key=throttle.key,
        failures=failures,
        locked_until=now + lock if lock else None,
        last_failure_at=now,
    )
