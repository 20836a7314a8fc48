"""Typed domain errors. Use cases raise these; channels map each class to a message key.

DomainError
├── AuthError
│   ├── InvalidCredentials        generic: wrong user or wrong password, never which
│   ├── AccountLocked             too many failures; carries ``until``
│   ├── AccountNotFound           no account with that id (a stale session)
│   ├── InvalidResetToken         password-reset token unknown, used or expired
│   └── WeakPassword              new password refused (too short)
├── SerialError
│   ├── MalformedSerial           does not fit the serial model
│   └── SerialNotFound            unknown, or not the caller's (indistinguishable on purpose)
├── UpgradeRefused
│   ├── LicenceNeedsPurchase      a licence moves to a new version by purchase
│   ├── AlreadyNewestVersion      nothing newer in the catalogue
│   ├── NoUpgradePath             the catalogue knows no path from this version
│   └── SerialNotActive           inactive serial: nothing to upgrade
└── CdaRefused
    ├── PhysicalPurchaseCda       boxed purchase: CDA only on the printed certificate
    └── CdaResendLimited          too many resends for this serial; carries ``retry_after``
"""

from __future__ import annotations

from datetime import datetime, timedelta


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""


class AuthError(DomainError):
    pass


class InvalidCredentials(AuthError):
    pass


class AccountLocked(AuthError):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class AccountNotFound(AuthError):
    def __init__(self, account_id: int) -> None:
        super().__init__(str(account_id))
        self.account_id = account_id


class InvalidResetToken(AuthError):
    pass


class WeakPassword(AuthError):
    def __init__(self, min_length: int) -> None:
        super().__init__(f"at least {min_length} characters")
        self.min_length = min_length


class SerialError(DomainError):
    def __init__(self, serial: str) -> None:
        super().__init__(serial)
        self.serial = serial


class MalformedSerial(SerialError):
    pass


class SerialNotFound(SerialError):
    pass


class UpgradeRefused(DomainError):
    def __init__(self, serial: str, detail: str = "") -> None:
        super().__init__(f"{serial}: {detail}" if detail else serial)
        self.serial = serial


class LicenceNeedsPurchase(UpgradeRefused):
    pass


class AlreadyNewestVersion(UpgradeRefused):
    pass


class NoUpgradePath(UpgradeRefused):
    pass


class SerialNotActive(UpgradeRefused):
    pass


class CdaRefused(DomainError):
    def __init__(self, serial: str) -> None:
        super().__init__(serial)
        self.serial = serial


class PhysicalPurchaseCda(CdaRefused):
    pass


class CdaResendLimited(CdaRefused):
    def __init__(self, serial: str, retry_after: timedelta) -> None:
        super().__init__(serial)
        self.retry_after = retry_after
