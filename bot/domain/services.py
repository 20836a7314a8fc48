"""Use cases of "Mi cuenta Aspel": small functions taking a unit of work first.

Each returns values of ``bot.domain.model`` and raises the typed errors of
``bot.domain.errors``. Each runs in one unit of work and writes its e-mail to the outbox in that
same unit. Logging in and password recovery are in ``bot.domain.login``.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain import errors, mail, serials
from bot.domain.catalogue import Catalogue, Product
from bot.domain.model import (
    AccountSummary,
    CdaResendResult,
    Modality,
    Purchase,
    SerialStatus,
    SystemRow,
    UpgradeResult,
    mask_email,
)
from bot.domain.ports import (
    AccountRecord,
    Clock,
    Conflict,
    NewSerial,
    SerialRecord,
    SerialRepository,
    Templates,
    UnitOfWork,
)

CDA_RESENDS_PER_HOUR = 3
CDA_WINDOW = timedelta(hours=1)
UPGRADE_ATTEMPTS = 5
SERIAL_DRAWS = 50

# --- accounts ---------------------------------------------------------------


def summary(account: AccountRecord) -> AccountSummary:
    return AccountSummary(
        id=account.id,
        username=account.username,
        holder_name=account.holder_name,
        company_name=account.company_name,
        email=account.email,
        distributor=account.distributor,
    )


def get_account(uow: UnitOfWork, account_id: int) -> AccountSummary:
    with uow:
        account = uow.accounts.get(account_id)
    if account is None:
        raise errors.AccountNotFound(account_id)
    return summary(account)


# --- "Mis servicios" ------------------------------------------------------------------


def effective_status(record: SerialRecord, today: date) -> SerialStatus:
    expired = record.usable_until is not None and record.usable_until < today
    if record.status is SerialStatus.UPGRADED and expired:
        return SerialStatus.INACTIVE
    return record.status


def system_row(record: SerialRecord, catalogue: Catalogue, today: date) -> SystemRow:
    product = catalogue.get(record.product)
    status = effective_status(record, today)
    offer = (
        record.modality is Modality.SUBSCRIPTION
        and status is SerialStatus.ACTIVE
        and record.replaced_by is None
    )
    return SystemRow(
        serial=record.serial,
        product=product.code,
        product_name=product.name,
        version=record.version,
        users=record.users,
        modality=record.modality,
        periodicity=record.periodicity,
        purchase=record.purchase,
        activated_on=record.activated_on,
        next_payment=record.next_validation,
        status=status,
        usable_until=record.usable_until,
        upgrade_to=product.upgrade_from(record.version) if offer else None,
        replaced_by=record.replaced_by,
    )


def list_systems(
    uow: UnitOfWork,
    account_id: int,
    modality: Modality | None = None,
    *,
    catalogue: Catalogue,
    clock: Clock,
) -> list[SystemRow]:
    with uow:
        records = uow.serials.for_account(account_id)
    today = clock().date()
    rows = [system_row(r, catalogue, today) for r in records if modality in (None, r.modality)]
    return sorted(rows, key=lambda r: (r.modality != Modality.SUBSCRIPTION, r.product, r.serial))


def parse_serial(typed: str) -> str:
    serial = serials.normalize(typed)
    if serial is None:
        raise errors.MalformedSerial(typed)
    return serial


def get_system(
    uow: UnitOfWork, account_id: int, serial: str, *, catalogue: Catalogue, clock: Clock
) -> SystemRow:
    wanted = parse_serial(serial)
    with uow:
        record = uow.serials.owned(account_id, wanted)
    if record is None:
        raise errors.SerialNotFound(wanted)
    return system_row(record, catalogue, clock().date())


# --- upgrading a subscription to the new version --------------------------------------


def request_upgrade(
    uow: UnitOfWork,
    account_id: int,
    serial: str,
    *,
    catalogue: Catalogue,
    clock: Clock,
    templates: Templates,
) -> UpgradeResult:
    """Idempotent per old serial: a replay returns the same new serial, ``already_done=True``.

    The unique ``replaces_id`` of the store is the guard against two concurrent requests: the
    loser's insert raises ``Conflict``; its transaction is rolled back and the re-read finds the
    winner's serial.
    """
    wanted = parse_serial(serial)
    for _ in range(UPGRADE_ATTEMPTS):
        try:
            return _upgrade_once(uow, account_id, wanted, catalogue, clock, templates)
        except Conflict:
            continue
    raise Conflict(f"upgrade of {wanted} kept colliding")


def _upgrade_once(
    uow: UnitOfWork,
    account_id: int,
    wanted: str,
    catalogue: Catalogue,
    clock: Clock,
    templates: Templates,
) -> UpgradeResult:
    with uow:
        old = uow.serials.owned(account_id, wanted, for_update=True)
        account = uow.accounts.get(account_id)
        if old is None or account is None:
            raise errors.SerialNotFound(wanted)
        product = catalogue.get(old.product)
        if old.replaced_by is not None:
            new_version = serials.version_of_letter(old.replaced_by[1])
            return _upgrade_result(account, old, product, old.replaced_by, new_version, True)
        now = clock()
        target = upgrade_target(old, product, now.date())
        new_serial = _fresh_serial(uow.serials, product, target, pair=old.serial[4:6])
        uow.serials.add_serial(
            NewSerial(old.contract_id, new_serial, target, now.date(), replaces_id=old.id), now
        )
        uow.serials.retire(old.id, SerialStatus.UPGRADED, old.next_validation)
        email = mail.upgrade_email(templates, account, old, product.name, new_serial, target)
        uow.outbox.add(email, now)
        uow.commit()
    return _upgrade_result(account, old, product, new_serial, target, False)


def upgrade_target(record: SerialRecord, product: Product, today: date) -> str:
    """The version this serial may move to, or the reason it may not."""
    if record.modality is not Modality.SUBSCRIPTION:
        raise errors.LicenceNeedsPurchase(record.serial)
    if effective_status(record, today) is not SerialStatus.ACTIVE:
        raise errors.SerialNotActive(record.serial)
    target = product.upgrade_from(record.version)
    if target is not None:
        return target
    if product.is_newest(record.version):
        raise errors.AlreadyNewestVersion(record.serial, record.version)
    raise errors.NoUpgradePath(record.serial, record.version)


def _fresh_serial(repo: SerialRepository, product: Product, version: str, pair: str) -> str:
    for _ in range(SERIAL_DRAWS):
        candidate = serials.new_serial(product.letter, version, pair)
        if not repo.exists(candidate):
            return candidate
    raise Conflict(f"no free serial for {product.code} {version} {pair}")


def _upgrade_result(
    account: AccountRecord,
    old: SerialRecord,
    product: Product,
    new_serial: str,
    new_version: str,
    already_done: bool,
) -> UpgradeResult:
    return UpgradeResult(
        product=product.code,
        product_name=product.name,
        old_serial=old.serial,
        old_version=old.version,
        new_serial=new_serial,
        new_version=new_version,
        old_usable_until=old.usable_until if already_done else old.next_validation,
        masked_email=mask_email(account.email),
        distributor=account.distributor,
        already_done=already_done,
    )


# --- resending the CDA ----------------------------------------------------------------


def resend_cda(
    uow: UnitOfWork,
    account_id: int,
    serial: str,
    *,
    catalogue: Catalogue,
    clock: Clock,
    templates: Templates,
) -> CdaResendResult:
    wanted = parse_serial(serial)
    with uow:
        now = clock()
        record = uow.serials.owned(account_id, wanted, for_update=True)
        account = uow.accounts.get(account_id)
        if record is None or account is None:
            raise errors.SerialNotFound(wanted)
        if record.purchase is Purchase.PHYSICAL:
            raise errors.PhysicalPurchaseCda(wanted)
        recent = uow.cda_resends.since(record.id, now - CDA_WINDOW)
        if len(recent) >= CDA_RESENDS_PER_HOUR:
            freed_at = sorted(recent)[len(recent) - CDA_RESENDS_PER_HOUR] + CDA_WINDOW
            raise errors.CdaResendLimited(wanted, freed_at - now)
        resend_id = uow.cda_resends.add(record.id, now)
        product = catalogue.get(record.product)
        uow.outbox.add(mail.cda_email(templates, account, record, product.name, resend_id), now)
        uow.commit()
    return CdaResendResult(
        serial=wanted, product_name=product.name, masked_email=mask_email(account.email)
    )
