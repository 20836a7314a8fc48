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


def upgrade_email(
    t: Templates,
    account: AccountRecord,
    old: SerialRecord,
    product_name: str,
    new_serial: str,
    new_version: str,
) -> OutgoingEmail:
    body = t(
        "mail-upgrade-body",
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
    return OutgoingEmail(
        to=account.email,
        subject=t("mail-upgrade-subject", product=product_name, new_version=new_version),
        body=body,
        idempotency_key=f"upgrade:{old.serial}",
        kind="upgrade",
    )


def cda_email(
    t: Templates, account: AccountRecord, record: SerialRecord, product_name: str, resend_id: int
) -> OutgoingEmail:
    body = t(
        "mail-cda-body",
        holder=account.holder_name,
        product=product_name,
        version=record.version,
        serial=record.serial,
        cda=record.cda,
    )
    return OutgoingEmail(
        to=account.email,
        subject=t("mail-cda-subject", product=product_name),
        body=body,
        idempotency_key=f"cda:{record.serial}:{resend_id}",
        kind="cda",
    )


def reset_email(
    t: Templates, account: AccountRecord, token: str, reset_id: int, minutes: int
) -> OutgoingEmail:
    body = t(
        "mail-reset-body",
        holder=account.holder_name,
        username=account.username,
        token=token,
        minutes=minutes,
    )
    return OutgoingEmail(
        to=account.email,
        subject=t("mail-reset-subject"),
        body=body,
        idempotency_key=f"reset:{reset_id}",
        kind="reset",
    )


def password_changed_email(t: Templates, account: AccountRecord, reset_id: int) -> OutgoingEmail:
    return OutgoingEmail(
        to=account.email,
        subject=t("mail-password-changed-subject"),
        body=t("mail-password-changed-body", holder=account.holder_name, username=account.username),
        idempotency_key=f"password_changed:{reset_id}",
        kind="password_changed",
    )


def lockout_alert_email(
    t: Templates, account: AccountRecord, failures: int, window_start: datetime, until: datetime
) -> OutgoingEmail:
    """Sent once per window, when the untrusted chats' failures lock the user name."""
    minutes = max(1, round((until - window_start).total_seconds() / 60))
    body = t(
        "mail-lockout-body",
        holder=account.holder_name,
        username=account.username,
        failures=failures,
        minutes=minutes,
        date=day(window_start),
    )
    return OutgoingEmail(
        to=account.email,
        subject=t("mail-lockout-subject"),
        body=body,
        idempotency_key=f"lockout:{account.id}:{window_start.isoformat()}",
        kind="lockout",
    )
