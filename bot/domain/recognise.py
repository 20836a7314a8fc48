"""Is a secret typed at the wrong step real? The checks behind deleting it from the chat.

- ``password_hash``: the stored hash of the account the chat is logged in to; the conversation
  has the password pool verify a password-shaped message against it (never a failed login:
  nothing is counted, the chat already proved it owns the account).
- ``reset_code_is_valid``: a reset code that is stored, unused and not expired. Only its SHA-256
  digest is stored, so this is one indexed read.
"""

from __future__ import annotations

from bot.domain.login import token_hash
from bot.domain.ports import Clock, UnitOfWork


def password_hash(uow: UnitOfWork, account_id: int) -> str | None:
    with uow:
        account = uow.accounts.get(account_id)
        return account.password_hash if account is not None else None


def reset_code_is_valid(uow: UnitOfWork, code: str, *, clock: Clock) -> bool:
    with uow:
        reset = uow.resets.by_token_hash(token_hash(code))
        return reset is not None and reset.used_at is None and reset.expires_at > clock()
