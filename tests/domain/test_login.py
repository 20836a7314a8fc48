"""Login, throttling and password recovery, on the in-memory fakes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from bot.domain import errors, throttling
from bot.domain.passwords import Argon2Hasher, Verdict
from bot.domain.portal import Portal
from bot.domain.ports import Throttle
from tests.conftest import FIXED_NOW
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


def _fail(portal: Portal, hasher: Any, user: str, chat: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(errors.InvalidCredentials):
            log_in(portal, hasher, user, "wrong", chat_key=chat)


def test_a_trusted_chat_is_never_locked_by_failures_elsewhere(
    portal: Portal, hasher: Any, counting: CountingHasher
) -> None:
    log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:owner")  # the owner's usual chat
    for other in range(30):  # far past the untrusted chats' limit on the name
        try:
            log_in(portal, counting, "mmendez", "wrong", chat_key=f"tg:{other}")
        except (errors.InvalidCredentials, errors.AccountLocked):
            pass
    with pytest.raises(errors.AccountLocked):
        log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:new-phone")
    assert log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:owner").username == "mmendez"
    assert counting.verifications == throttling.UNTRUSTED_NAME.limit  # none once locked


def test_a_trusted_chat_waits_alone_after_its_own_failures(
    portal: Portal, hasher: Any, clock: Any
) -> None:
    log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:owner")
    log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:office")
    _fail(portal, hasher, "mmendez", "tg:owner", throttling.TRUSTED_CHAT.limit)
    with pytest.raises(errors.AccountLocked) as locked:
        log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:owner")
    assert locked.value.until == clock() + throttling.TRUSTED_CHAT.window
    assert log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:office")  # the other trusted one
    clock.advance(hours=1)
    assert log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:owner")


def test_trust_is_forgotten_after_months_unused(portal: Portal, hasher: Any, clock: Any) -> None:
    log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:owner")
    assert portal.begin_login("mmendez", chat_key="tg:owner").trusted
    clock.advance(days=throttling.TRUST_EXPIRES.days)
    assert not portal.begin_login("mmendez", chat_key="tg:owner").trusted


def test_an_untrusted_chat_gets_five_tries_per_quarter_hour(
    portal: Portal, hasher: Any, clock: Any
) -> None:
    for name in ("a", "b", "mmendez", "c", "jlopez"):  # any user names count
        _fail(portal, hasher, name, "tg:9")
    with pytest.raises(errors.AccountLocked) as locked:
        log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:9")
    assert locked.value.until == clock() + throttling.UNTRUSTED_CHAT.window
    assert log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:10")  # other chats are free
    clock.advance(minutes=15)
    assert log_in(portal, hasher, "jlopez", "Caja-Demo-2026", chat_key="tg:9")


def test_untrusted_chats_together_lock_the_name_and_the_owner_hears_once(
    portal: Portal, hasher: Any, clock: Any, store: Any
) -> None:
    limit = throttling.UNTRUSTED_NAME.limit
    for chat in range(limit):  # each chat stays under its own limit
        _fail(portal, hasher, "mmendez", f"tg:{chat}")
        clock.advance(seconds=30)
    with pytest.raises(errors.AccountLocked) as locked:
        log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:fresh")  # even the right password
    assert locked.value.until == FIRST + throttling.UNTRUSTED_NAME.window
    for chat in range(3):  # more tries while locked: refused, not counted, no more e-mail
        with pytest.raises(errors.AccountLocked):
            log_in(portal, hasher, "mmendez", "wrong", chat_key=f"tg:late{chat}")
    alerts = [e for e in store.committed.outbox if e.kind == "lockout"]
    assert len(alerts) == 1 and alerts[0].to == "magdalena.mendez@example.com"
    assert f"{limit} contraseñas incorrectas" in alerts[0].body and "60 minutos" in alerts[0].body
    clock.advance(hours=1)
    assert log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:fresh")
    _fail(portal, hasher, "mmendez", "tg:again", 1)  # a new window: counted afresh
    assert len([e for e in store.committed.outbox if e.kind == "lockout"]) == 1


FIRST = FIXED_NOW


def test_made_up_user_names_behave_like_real_ones(
    portal: Portal, hasher: Any, templates: Any, store: Any
) -> None:
    """From untrusted chats an attacker cannot tell a real user name from a made-up one."""

    def run(user: str, prefix: str) -> list[str]:
        seen = []
        for chat in range(throttling.UNTRUSTED_NAME.limit + 2):
            try:
                log_in(portal, hasher, user, "wrong", chat_key=f"{prefix}:{chat}")
                seen.append("ok")
            except errors.AuthError as error:
                seen.append(type(error).__name__)
        return seen

    real, made_up = run("mmendez", "a"), run("no-existe-2026", "b")
    assert real == made_up
    assert real[-2:] == ["AccountLocked", "AccountLocked"]
    names = [k for k in store.committed.throttles if k.startswith("name:")]
    assert len(names) == 2 and not any("no-existe" in k or "mmendez" in k for k in names)
    assert [e.kind for e in store.committed.outbox] == ["lockout"]  # to the real owner only


def test_a_lock_closed_during_verification_wins_over_the_verdict(
    portal: Portal, hasher: Any
) -> None:
    checks = [portal.begin_login("mmendez", chat_key=f"tg:{i}") for i in range(25)]
    account = portal.begin_login("mmendez", chat_key="tg:right")
    for check in checks:  # 25 verifications in flight: only 20 outcomes are told
        try:
            portal.finish_login(check, Verdict(False))
        except errors.AuthError:
            pass
    with pytest.raises(errors.AccountLocked):
        portal.finish_login(account, Verdict(True))


def test_success_trusts_the_chat_and_clears_only_its_own_run(
    portal: Portal, hasher: Any, store: Any
) -> None:
    _fail(portal, hasher, "mmendez", "tg:1", 2)
    log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:1")
    assert list(store.committed.trusted) == [(ACCOUNT, "tg:1")]
    kept = store.committed.throttles  # an untrusted chat's run is not wiped by one success
    assert kept[throttling.chat_key("tg:1")].failures == 2
    _fail(portal, hasher, "mmendez", "tg:1", 2)  # now trusted: its own counter
    log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:1")
    assert throttling.trusted_key(ACCOUNT, "tg:1") not in store.committed.throttles


ACCOUNT = 2  # mmendez in the demo dataset on the fakes


def test_weak_stored_hash_is_upgraded_on_login(portal: Portal, hasher: Any, store: Any) -> None:
    stronger = Argon2Hasher(time_cost=2, memory_cost=16, parallelism=1)
    log_in(portal, stronger, "mmendez", GOOD, chat_key="tg:1")
    account = next(a for a in store.committed.accounts.values() if a.username == "mmendez")
    assert "m=16,t=2" in account.password_hash


def test_a_window_opens_with_its_first_failure(clock: Any) -> None:
    old = Throttle("chat:1", failures=4, window_started_at=clock() - timedelta(minutes=16))
    renewed = throttling.register_failure(old, clock())
    assert (renewed.failures, renewed.window_started_at) == (1, clock())
    fifth = throttling.register_failure(Throttle("chat:1", 4, None, None, clock()), clock())
    assert fifth.locked_until == clock() + timedelta(minutes=15)


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


def test_reset_emails_are_three_per_account_per_hour(
    portal: Portal, store: Any, clock: Any
) -> None:
    for _ in range(5):
        assert portal.start_password_recovery("mmendez") is None  # the same, sent or not
    assert [e.kind for e in store.committed.outbox] == ["reset"] * throttling.RESETS_PER_HOUR
    portal.start_password_recovery("jorge.lopez@example.com")  # another account: its own count
    assert len(store.committed.outbox) == throttling.RESETS_PER_HOUR + 1
    clock.advance(hours=1)
    portal.start_password_recovery("mmendez")
    assert len(store.committed.outbox) == throttling.RESETS_PER_HOUR + 2


def test_recovery_works_while_locked_and_trusts_the_chat_that_resets(
    portal: Portal, hasher: Any, store: Any
) -> None:
    for chat in range(throttling.UNTRUSTED_NAME.limit):
        _fail(portal, hasher, "mmendez", f"tg:{chat}")
    with pytest.raises(errors.AccountLocked):
        log_in(portal, hasher, "mmendez", GOOD, chat_key="tg:new-phone")
    portal.start_password_recovery("mmendez")
    token = _token(next(e.body for e in store.committed.outbox if e.kind == "reset"))
    reset_password(portal, hasher, token, "Nueva-Clave-99", chat_key="tg:new-phone")
    assert log_in(portal, hasher, "mmendez", "Nueva-Clave-99", chat_key="tg:new-phone")
    assert (ACCOUNT, "tg:new-phone") in store.committed.trusted
    assert throttling.name_key("mmendez") not in store.committed.throttles
