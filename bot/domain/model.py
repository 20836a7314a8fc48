"""The portal's vocabulary as plain values: what an account owns and what a use case returns.

Nothing here touches storage or a channel; use cases in ``bot.domain.services`` build and
return these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Modality(StrEnum):
    SUBSCRIPTION = "subscription"  # "Suscripciones": rented, periodic validation
    LICENCE = "licence"  # "Licenciamiento": bought once


class Periodicity(StrEnum):
    MONTHLY = "monthly"
    SIX_MONTHLY = "six_monthly"
    YEARLY = "yearly"


class Purchase(StrEnum):
    ELECTRONIC = "electronic"
    PHYSICAL = "physical"  # boxed: the CDA lives only on the printed certificate


class SerialStatus(StrEnum):
    ACTIVE = "active"
    UPGRADED = "upgraded"  # "plan actualizado": usable until its next validation date
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class AccountSummary:
    id: int
    username: str
    holder_name: str
    company_name: str
    email: str
    distributor: str | None


@dataclass(frozen=True, slots=True)
class SystemRow:
    """One row of "Mis servicios", with every column the portal shows."""

    serial: str
    product: str  # catalogue code: "COI"
    product_name: str  # "Aspel COI"
    version: str  # "8.0"
    users: int
    modality: Modality
    periodicity: Periodicity | None
    purchase: Purchase | None
    activated_on: date
    next_payment: date | None
    status: SerialStatus
    usable_until: date | None  # for an upgraded serial: last day it still works
    upgrade_to: str | None  # newer version offered by the catalogue, if any
    replaced_by: str | None  # new serial, once upgraded


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    product: str
    product_name: str
    old_serial: str
    old_version: str
    new_serial: str
    new_version: str
    old_usable_until: date | None
    masked_email: str
    distributor: str | None
    already_done: bool  # True when this serial had been upgraded before (idempotent replay)


@dataclass(frozen=True, slots=True)
class CdaResendResult:
    serial: str
    product_name: str
    masked_email: str


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str
    idempotency_key: str
    kind: str


def mask_email(address: str) -> str:
    """``magdalena.mendez@example.com`` -> ``ma***@example.com``."""
    local, _, domain = address.partition("@")
    shown = local[:2] if len(local) > 2 else local[:1]
    return f"{shown}***@{domain}"


def utc_today(now: datetime) -> date:
    return now.date()
