"""Logging in and password recovery: use cases taking a unit of work first, as in ``services``.

Password work (Argon2, ~100 ms) never runs inside a unit of work: a login is ``begin_login``
(read), then the verification in the password pool (``bot.domain.passwords``), then
``finish_login`` (record); a new password is hashed by the pool before
``complete_password_reset`` stores the hash. Who may try, and when, is
``bot.domain.throttling``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bot.domain import errors, mail, passwords, throttling
from bot.domain.model import AccountSummary
from bot.domain.ports import AccountRecord, Clock, Templates, Throttle, UnitOfWork
from bot.domain.services import summary

RESET_TOKEN_TTL = timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 8


def begin_login(
    uow: UnitOfWork, username: str, *, chat_key: str, clock: Clock
) -> passwords.LoginCheck:
    """First half of a login, inside the turn: who is it, and may this chat try now?

    Raises ``AccountLocked`` while a lock-out holds for this chat (``bot.domain.throttling``:
    a trusted chat has its own counter; untrusted ones are counted per chat and per user name).
    Otherwise returns what the password pool must verify, off the event loop and off the
    database thread; an unknown user name is verified against a dummy hash, so both cost the
    same, and its counters are kept the same way.
    """
    now = clock()
    with uow:
        account = uow.accounts.by_username(username.strip().lower())
        trusted = account is not None and _trusted(uow, account.id, chat_key, now)
        keys = throttling.keys_for(username, chat_key, account.id if trusted and account else None)
        throttles = uow.throttles.get(keys)
    until = throttling.locked_until(throttles.values(), now)
    if until is not None:
        raise errors.AccountLocked(until)
    return passwords.LoginCheck(
        account_id=account.id if account else None,
        password_hash=account.password_hash if account else None,
        keys=tuple(keys),
        trusted=trusted,
        chat=chat_key,
    )


def finish_login(
    uow: UnitOfWork,
    check: passwords.LoginCheck,
    verdict: passwords.Verdict,
    *,
    clock: Clock,
    templates: Templates,
) -> AccountSummary:
    """Second half, in the turn that follows the verification: record it, and say who it is.

    A lock that closed while the password was being verified (other chats' failures) wins over
    the verdict, whatever it was: the attempts whose outcome anyone learns stay within the
    limits, however many chats try at once.
    """
    now = clock()
    with uow:
        keys = list(check.keys)
        current = uow.throttles.get(keys, for_update=True)
        until = throttling.locked_until(current.values(), now)
        if until is not None:
            raise errors.AccountLocked(until)
        account = uow.accounts.get(check.account_id) if check.account_id is not None else None
        if account is None or not verdict.ok:
            _record_failure(uow, keys, current, account, now=now, templates=templates)
            uow.commit()
            raise errors.InvalidCredentials()
        if check.trusted:
            uow.throttles.clear(keys)  # the trusted chat's own run; untrusted counters stay
        uow.trusted_chats.touch(account.id, check.chat, now)
        if verdict.new_hash:  # stored with older parameters: upgraded now
            uow.accounts.set_password_hash(account.id, verdict.new_hash)
        uow.commit()
    return summary(account)


def _trusted(uow: UnitOfWork, account_id: int, chat: str, now: datetime) -> bool:
    last_used = uow.trusted_chats.last_used(account_id, chat)
    return last_used is not None and now - last_used < throttling.TRUST_EXPIRES


def _record_failure(
    uow: UnitOfWork,
    keys: list[str],
    current: dict[str, Throttle],
    account: AccountRecord | None,
    *,
    now: datetime,
    templates: Templates,
) -> None:
    uow.throttles.forget_before(now - throttling.FORGOTTEN_AFTER)
    for key in keys:
        updated = throttling.register_failure(current.get(key) or Throttle(key), now)
        uow.throttles.save(updated)
        if account and key.startswith(throttling.UNTRUSTED_NAME.prefix + ":"):
            if throttling.reached_limit(updated):  # once per window: tell the owner
                assert updated.window_started_at is not None and updated.locked_until
                alert = mail.lockout_alert_email(
                    templates,
                    account,
                    updated.failures,
                    updated.window_started_at,
                    updated.locked_until,
                )
                uow.outbox.add(alert, now)


# --- password recovery ----------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def start_password_recovery(
    uow: UnitOfWork, username_or_email: str, *, clock: Clock, templates: Templates
) -> None:
    """Same outcome whether or not an account matches: nothing tells the caller which.

    Never refused by a login lock-out. At most ``RESETS_PER_HOUR`` codes per account per hour:
    beyond that nothing is sent, and the caller is told the same as always.
    """
    with uow:
        now = clock()
        for account in uow.accounts.by_login(username_or_email.strip().lower()):
            since = now - throttling.RESET_WINDOW
            if uow.resets.created_since(account.id, since) >= throttling.RESETS_PER_HOUR:
                continue
            token = secrets.token_urlsafe(24)
            reset_id = uow.resets.add(account.id, token_hash(token), now + RESET_TOKEN_TTL, now)
            minutes = int(RESET_TOKEN_TTL.total_seconds() // 60)
            uow.outbox.add(mail.reset_email(templates, account, token, reset_id, minutes), now)
        uow.commit()


def check_new_password(new_password: str) -> None:
    """Raises ``WeakPassword`` for a password the portal would refuse (before it is hashed)."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise errors.WeakPassword(MIN_PASSWORD_LENGTH)


def complete_password_reset(
    uow: UnitOfWork,
    digest: str,  # ``token_hash(code)``: the conversation keeps no more of the code than this
    new_hash: str,
    *,
    chat_key: str | None = None,
    clock: Clock,
    templates: Templates,
) -> None:
    """Set the password whose hash the password pool computed, if the code is still valid.

    Whoever holds the code proved they read the account's e-mail: the untrusted chats' lock on
    the user name is lifted, and the chat that set the password becomes trusted for it.
    """
    with uow:
        now = clock()
        reset = uow.resets.by_token_hash(digest)
        if reset is None or reset.used_at is not None or reset.expires_at <= now:
            raise errors.InvalidResetToken()
        account = uow.accounts.get(reset.account_id)
        if account is None:
            raise errors.InvalidResetToken()
        uow.accounts.set_password_hash(account.id, new_hash)
        uow.resets.use_all(account.id, now)
        cleared = [throttling.name_key(account.username)]
        if chat_key is not None:
            uow.trusted_chats.touch(account.id, chat_key, now)
            cleared.append(throttling.trusted_key(account.id, chat_key))
        uow.throttles.clear(cleared)
        uow.outbox.add(mail.password_changed_email(templates, account, reset.id), now)
        uow.commit()
