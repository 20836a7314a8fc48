"""Login throttling by device trust: OWASP "Slow Down Online Guessing Attacks with Device Cookies",
with the chat as the device.

A chat that logged in to an account before is *trusted* for it (``trusted_chats``: account, chat,
last use; forgotten after ``TRUST_EXPIRES`` unused). Failed passwords count in fixed windows that
open with the window's first failure:

| who tries                    | counted per                | limit | window | then           |
|------------------------------|----------------------------|-------|--------|----------------|
| a trusted chat               | that chat, for the account | 10    | 1 h    | that chat waits |
| an untrusted chat            | that chat (any user name)  | 5     | 15 min | that chat waits |
| all untrusted chats together | the user name              | 20    | 1 h    | they all wait  |

A trusted chat is never locked by failures elsewhere; the per-name counter is kept for made-up
user names too, so an attacker sees the same replies for both. When the name's counter reaches
its limit for a real account the owner is e-mailed, once per window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.ports import Throttle

TRUST_EXPIRES = timedelta(days=180)
RESETS_PER_HOUR = 3  # recovery e-mails per account
RESET_WINDOW = timedelta(hours=1)
FORGOTTEN_AFTER = timedelta(days=1)  # a counter whose window ended this long ago is deleted


@dataclass(frozen=True, slots=True)
class Rule:
    prefix: str
    limit: int
    window: timedelta


TRUSTED_CHAT = Rule("trusted", 10, timedelta(hours=1))
UNTRUSTED_CHAT = Rule("chat", 5, timedelta(minutes=15))
UNTRUSTED_NAME = Rule("name", 20, timedelta(hours=1))
RULES = {rule.prefix: rule for rule in (TRUSTED_CHAT, UNTRUSTED_CHAT, UNTRUSTED_NAME)}


def trusted_key(account_id: int, chat: str) -> str:
    return f"{TRUSTED_CHAT.prefix}:{account_id}:{chat}"


def chat_key(chat: str) -> str:
    return f"{UNTRUSTED_CHAT.prefix}:{chat}"


def name_key(username: str) -> str:
    """The user name as typed (normalised), hashed: made-up names are never stored in clear
    (they may be a password typed at the wrong step)."""
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:40]
    return f"{UNTRUSTED_NAME.prefix}:{digest}"


def keys_for(username: str, chat: str, trusted_account: int | None) -> list[str]:
    """The counters an attempt is checked against and a failure counts in."""
    if trusted_account is not None:
        return [trusted_key(trusted_account, chat)]
    return [chat_key(chat), name_key(username)]


def rule_of(key: str) -> Rule:
    return RULES[key.split(":", 1)[0]]


def _open(throttle: Throttle, now: datetime) -> bool:
    start = throttle.window_started_at
    return start is not None and now < start + rule_of(throttle.key).window


def locked_until(throttles: Iterable[Throttle], now: datetime) -> datetime | None:
    """When the latest of the locks that hold now ends (``None``: free to try)."""
    ends = [
        t.locked_until
        for t in throttles
        if _open(t, now) and t.locked_until is not None and t.locked_until > now
    ]
    return max(ends, default=None)


def register_failure(throttle: Throttle, now: datetime) -> Throttle:
    rule = rule_of(throttle.key)
    if _open(throttle, now):
        assert throttle.window_started_at is not None
        start, failures = throttle.window_started_at, throttle.failures + 1
    else:
        start, failures = now, 1
    end = start + rule.window
    return Throttle(
        key=throttle.key,
        failures=failures,
        locked_until=end if failures >= rule.limit else None,
        last_failure_at=now,
        window_started_at=start,
    )


def reached_limit(after: Throttle) -> bool:
    """This failure is the one that locked the counter: it happens once per window, since a
    locked counter takes no more failures."""
    return after.failures == rule_of(after.key).limit
