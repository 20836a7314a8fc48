"""The e-mails the account domain sends, composed from ``locales/es/mail.ftl``.

Each builder returns an ``OutgoingEmail`` that the use case writes to the outbox in its own
transaction; ``bot.mail_relay`` delivers it later. Dates are shown as dd/mm/aaaa.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.model import OutgoingEmail
from bot.domain.ports import AccountRecord, SerialRecord, Templates


def day(value: date | datetime | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _email(t: Templates, kind: str, key: str, to: str, **variables: object) -> OutgoingEmail:
    return OutgoingEmail(
        to=to,
        subject=t(f"mail-{kind}-subject", **variables),
        body=t(f"mail-{kind}-body", **variables),
        idempotency_key=key,
        kind=kind,
    )


def upgrade_email(
    t: Templates,
    account: AccountRecord,
    old: SerialRecord,
    product_name: str,
    new_serial: str,
    new_version: str,
) -> OutgoingEmail:
    return _email(
        t,
        "upgrade",
        f"upgrade:{old.serial}",
        account.email,
        holder=account.holder_name,
        company=account.company_name,
        product=product_name,
        old_version=old.version,
        new_version=new_version,
        old_serial=old.serial,
        new_serial=new_serial,
        usable_until=day(old.next_validation),
        distributor=account.distributor or "",
        has_distributor="yes" if account.distributor else "no",
    )


def cda_email(
    t: Templates, account: AccountRecord, record: SerialRecord, product_name: str, resend_id: int
) -> OutgoingEmail:
    return _email(
        t,
        "cda",
        f"cda:{record.serial}:{resend_id}",
        account.email,
        holder=account.holder_name,
        product=product_name,
        version=record.version,
        serial=record.serial,
        cda=record.cda,
    )


def reset_email(
    t: Templates, account: AccountRecord, token: str, reset_id: int, minutes: int
) -> OutgoingEmail:
    return _email(
        t,
        "reset",
        f"reset:{reset_id}",
        account.email,
        holder=account.holder_name,
        username=account.username,
        token=token,
        minutes=minutes,
    )


def password_changed_email(t: Templates, account: AccountRecord, reset_id: int) -> OutgoingEmail:
    return _email(
        t,
        "password-changed",
        f"password-changed:{reset_id}",
        account.email,
        holder=account.holder_name,
        username=account.username,
    )


def lockout_alert_email(
    t: Templates, account: AccountRecord, failures: int, now: datetime
) -> OutgoingEmail:
    return _email(
        t,
        "lockout",
        f"lockout:{account.id}:{now.isoformat()}",
        account.email,
        holder=account.holder_name,
        username=account.username,
        failures=failures,
        date=day(now),
    )
