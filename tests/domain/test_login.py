"""Login, throttling and password recovery, on the in-memory fakes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from bot.domain import errors, throttling
from bot.domain.passwords import Argon2Hasher
from bot.domain.portal import Portal
from bot.domain.ports import Throttle
from tests.domain.conftest import log_in, reset_password

GOOD = "Aspel-Demo-2026"


class CountingHasher(Argon2Hasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return super().verify(password_hash, password)


@pytest.fixture
def counting() -> CountingHasher:
    return CountingHasher()


def test_right_password_gives_the_account_summary(portal: Portal, hasher: Any) -> None:
    account = log_in(portal, hasher, " MMendez ", GOOD, chat_key="tg:1")
    assert (account.username, account.holder_name) == ("mmendez", "Magdalena Méndez")
    assert account.distributor == "Distribuidora Centro"


def test_wrong_password_and_unknown_user_fail_alike(
    portal: Portal, counting: CountingHasher
) -> None:
    with pytest.raises(errors.InvalidCredentials):
        log_in(portal, counting, "mmendez", "nope", chat_key="tg:1")
    with pytest.raises(errors.InvalidCredentials):
        log_in(portal, counting, "nadie", GOOD, chat_key="tg:2")
    assert counting.verifications == 2  # the unknown user cost a (dummy) verification too


def test_failures_lock_longer_and_longer(
    portal: Portal, clock: Any, counting: CountingHasher, store: Any
) -> None:
    expected = {3: timedelta(seconds=30), 4: timedelta(minutes=2), 5: timedelta(minutes=15)}
    for attempt in range(1, 7):
        with pytest.raises(errors.InvalidCredentials):
            log_in(portal, counting, "mmendez", "wrong", chat_key=f"tg:{attempt}")
        if attempt in expected:
            with pytest.raises(errors.AccountLocked) as locked:
                log_in(portal, counting, "mmendez", GOOD, chat_key="tg:other")
            assert locked.value.until == clock() + expected[attempt]
            clock.advance(seconds=expected[attempt].total_seconds())
    assert counting.verifications == 6  # none while locked
    alerts = [e for e in store.committed.outbox if e.kind == "lockout"]
    assert len(alerts) == 1 and alerts[0].to == "magdalena.mendez@example.com"
    assert "5" in alerts[0].body and "10/03/2026" in alerts[0].body


def test_a_chat_is_throttled_even_for_unknown_users(
    portal: Portal, hasher: Any, clock: Any
) -> None:
    for name in ("a", "b", "c"):
        with pytest.raises(errors.InvalidCredentials):
            log_in(portal, hasher, name, "x", chat_key="tg:9")
    with pytest.raises(errors.AccountLocked) as locked:
        log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:9")
    assert locked.value.until == clock() + timedelta(seconds=30)
    assert log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:10")  # other chats are free


def test_success_resets_both_counters(portal: Portal, hasher: Any, store: Any) -> None:
    for _ in range(2):
        with pytest.raises(errors.InvalidCredentials):
            log_in(portal, hasher, "mmendez", "wrong", chat_key="tg:1")
    log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:1")
    assert store.committed.throttles == {}


def test_weak_stored_hash_is_upgraded_on_login(portal: Portal, hasher: Any, store: Any) -> None:
    stronger = Argon2Hasher(time_cost=2, memory_cost=16, parallelism=1)
    log_in(portal, stronger, "mmendez", GOOD, chat_key="tg:1")
    account = next(a for a in store.committed.accounts.values() if a.username == "mmendez")
    assert "m=16,t=2" in account.password_hash


def test_lock_schedule() -> None:
    assert [throttling.lock_for(n) for n in (1, 2)] == [None, None]
    assert throttling.lock_for(6) == timedelta(minutes=30)
    assert throttling.lock_for(7) == timedelta(hours=1)
    assert throttling.lock_for(12) == throttling.lock_for(40) == timedelta(hours=24)


def test_a_quiet_day_forgets_the_run(clock: Any) -> None:
    old = Throttle("chat:1", failures=4, last_failure_at=clock() - timedelta(days=2))
    assert throttling.register_failure(old, clock()).failures == 1


# --- password recovery ----------------------------------------------------------------


def _token(body: str) -> str:
    match = re.search(r"^\s*([A-Za-z0-9_-]{30,})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def test_recovery_mails_a_one_time_code(
    portal: Portal, hasher: Any, store: Any, clock: Any
) -> None:
    portal.start_password_recovery("Magdalena.Mendez@example.com")
    [email] = store.committed.outbox
    assert email.kind == "reset" and email.to == "magdalena.mendez@example.com"
    token = _token(email.body)
    [(digest, _)] = store.committed.resets.values()
    assert token not in digest and len(digest) == 64  # only the SHA-256 is kept

    reset_password(portal, hasher, token, "Nueva-Clave-99")
    assert log_in(portal, hasher, "mmendez", "Nueva-Clave-99", chat_key="tg:1")
    with pytest.raises(errors.InvalidCredentials):
        log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:1")
    with pytest.raises(errors.InvalidResetToken):
        reset_password(portal, hasher, token, "Otra-Clave-100")
    assert [e.kind for e in store.committed.outbox] == ["reset", "password_changed"]


def test_recovery_never_tells_whether_an_account_exists(portal: Portal, store: Any) -> None:
    assert portal.start_password_recovery("nadie@example.com") is None
    assert store.committed.outbox == []


def test_expired_or_unknown_codes_are_refused(
    portal: Portal, hasher: Any, store: Any, clock: Any
) -> None:
    portal.start_password_recovery("jlopez")
    token = _token(store.committed.outbox[0].body)
    with pytest.raises(errors.InvalidResetToken):
        reset_password(portal, hasher, "not-a-token", "Nueva-Clave-99")
    with pytest.raises(errors.WeakPassword):
        reset_password(portal, hasher, token, "short")
    clock.advance(minutes=30)
    with pytest.raises(errors.InvalidResetToken):
        reset_password(portal, hasher, token, "Nueva-Clave-99")
