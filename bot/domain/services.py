"""Use cases of "Mi cuenta Aspel": small async functions taking a unit of work first.

Each returns values of ``bot.domain.model`` and raises the typed errors of
``bot.domain.errors``. Each runs in one transaction and writes its e-mail to the outbox in that
same transaction. The one exception is ``authenticate``: it reads in one short transaction,
verifies the password with no transaction open (Argon2 takes ~100 ms, off the event loop), and
records the outcome in a second one, so that a login never holds the database's write lock.
"""

from __future__ import annotations

import hashlib
import secrets
import weakref
from datetime import date, timedelta

from bot.domain import errors, mail, passwords, serials, throttling
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
    PasswordHasher,
    SerialRecord,
    SerialRepository,
    Templates,
    Throttle,
    UnitOfWork,
)

RESET_TOKEN_TTL = timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 8
CDA_RESENDS_PER_HOUR = 3
CDA_WINDOW = timedelta(hours=1)
UPGRADE_ATTEMPTS = 5
SERIAL_DRAWS = 50

# --- accounts and login ---------------------------------------------------------------


def summary(account: AccountRecord) -> AccountSummary:
    return AccountSummary(
        id=account.id,
        username=account.username,
        holder_name=account.holder_name,
        company_name=account.company_name,
        email=account.email,
        distributor=account.distributor,
    )


async def get_account(uow: UnitOfWork, account_id: int) -> AccountSummary:
    async with uow:
        account = await uow.accounts.get(account_id)
    if account is None:
        raise errors.AccountNotFound(account_id)
    return summary(account)


_dummy_hashes: weakref.WeakKeyDictionary[PasswordHasher, str] = weakref.WeakKeyDictionary()


def _check_password(hasher: PasswordHasher, account: AccountRecord | None, password: str) -> bool:
    """Runs in a worker thread. An unknown user costs one verification too (same timing)."""
    if account is not None:
        return hasher.verify(account.password_hash, password)
    if hasher not in _dummy_hashes:
        _dummy_hashes[hasher] = hasher.hash(secrets.token_hex(16))
    hasher.verify(_dummy_hashes[hasher], password)
    return False


async def authenticate(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    chat_key: str,
    hasher: PasswordHasher,
    clock: Clock,
    templates: Templates,
) -> AccountSummary:
    async with uow:
        account = await uow.accounts.by_username(username.strip().lower())
        keys = _throttle_keys(account, chat_key)
        throttles = await uow.throttles.get(keys)
    until = throttling.locked_until(throttles.values(), clock())
    if until is not None:
        raise errors.AccountLocked(until)
    ok = await passwords.off_the_loop(_check_password, hasher, account, password)
    if account is None or not ok:
        await _record_failure(uow, keys, account, clock=clock, templates=templates)
        raise errors.InvalidCredentials()
    await _record_success(uow, keys, account, password, hasher)
    return summary(account)


def _throttle_keys(account: AccountRecord | None, chat: str) -> list[str]:
    keys = [throttling.chat_key(chat)]
    return keys + [throttling.account_key(account.id)] if account else keys


async def _record_failure(
    uow: UnitOfWork,
    keys: list[str],
    account: AccountRecord | None,
    *,
    clock: Clock,
    templates: Templates,
) -> None:
    async with uow:
        now = clock()
        current = await uow.throttles.get(keys, for_update=True)
        for key in keys:
            updated = throttling.register_failure(current.get(key) or Throttle(key), now)
            await uow.throttles.save(updated)
            if account and key == throttling.account_key(account.id):
                if updated.failures == throttling.ALERT_AT_FAILURE:
                    alert = mail.lockout_alert_email(templates, account, updated.failures, now)
                    await uow.outbox.add(alert, now)
        await uow.commit()


async def _record_success(
    uow: UnitOfWork, keys: list[str], account: AccountRecord, password: str, hasher: PasswordHasher
) -> None:
    new_hash = None
    if hasher.needs_rehash(account.password_hash):
        new_hash = await passwords.off_the_loop(hasher.hash, password)
    async with uow:
        await uow.throttles.clear(keys)
        if new_hash:
            await uow.accounts.set_password_hash(account.id, new_hash)
        await uow.commit()


# --- password recovery ----------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


async def start_password_recovery(
    uow: UnitOfWork, username_or_email: str, *, clock: Clock, templates: Templates
) -> None:
    """Same outcome whether or not an account matches: nothing tells the caller which."""
    async with uow:
        now = clock()
        for account in await uow.accounts.by_login(username_or_email.strip().lower()):
            token = secrets.token_urlsafe(24)
            reset_id = await uow.resets.add(
                account.id, token_hash(token), now + RESET_TOKEN_TTL, now
            )
            minutes = int(RESET_TOKEN_TTL.total_seconds() // 60)
            await uow.outbox.add(
                mail.reset_email(templates, account, token, reset_id, minutes), now
            )
        await uow.commit()


async def complete_password_reset(
    uow: UnitOfWork,
    token: str,
    new_password: str,
    *,
    hasher: PasswordHasher,
    clock: Clock,
    templates: Templates,
) -> None:
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise errors.WeakPassword(MIN_PASSWORD_LENGTH)
    new_hash = await passwords.off_the_loop(hasher.hash, new_password)
    async with uow:
        now = clock()
        reset = await uow.resets.by_token_hash(token_hash(token))
        if reset is None or reset.used_at is not None or reset.expires_at <= now:
            raise errors.InvalidResetToken()
        account = await uow.accounts.get(reset.account_id)
        if account is None:
            raise errors.InvalidResetToken()
        await uow.accounts.set_password_hash(account.id, new_hash)
        await uow.resets.use_all(account.id, now)
        await uow.throttles.clear([throttling.account_key(account.id)])
        await uow.outbox.add(mail.password_changed_email(templates, account, reset.id), now)
        await uow.commit()


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


async def list_systems(
    uow: UnitOfWork,
    account_id: int,
    modality: Modality | None = None,
    *,
    catalogue: Catalogue,
    clock: Clock,
) -> list[SystemRow]:
    async with uow:
        records = await uow.serials.for_account(account_id)
    today = clock().date()
    rows = [system_row(r, catalogue, today) for r in records if modality in (None, r.modality)]
    return sorted(rows, key=lambda r: (r.modality != Modality.SUBSCRIPTION, r.product, r.serial))


def parse_serial(typed: str) -> str:
    serial = serials.normalize(typed)
    if serial is None:
        raise errors.MalformedSerial(typed)
    return serial


async def get_system(
    uow: UnitOfWork, account_id: int, serial: str, *, catalogue: Catalogue, clock: Clock
) -> SystemRow:
    wanted = parse_serial(serial)
    async with uow:
        record = await uow.serials.owned(account_id, wanted)
    if record is None:
        raise errors.SerialNotFound(wanted)
    return system_row(record, catalogue, clock().date())


# --- upgrading a subscription to the new version --------------------------------------


async def request_upgrade(
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
            return await _upgrade_once(uow, account_id, wanted, catalogue, clock, templates)
        except Conflict:
            continue
    raise Conflict(f"upgrade of {wanted} kept colliding")


async def _upgrade_once(
    uow: UnitOfWork,
    account_id: int,
    wanted: str,
    catalogue: Catalogue,
    clock: Clock,
    templates: Templates,
) -> UpgradeResult:
    async with uow:
        old = await uow.serials.owned(account_id, wanted, for_update=True)
        account = await uow.accounts.get(account_id)
        if old is None or account is None:
            raise errors.SerialNotFound(wanted)
        product = catalogue.get(old.product)
        if old.replaced_by is not None:
            new_version = serials.version_of_letter(old.replaced_by[1])
            return _upgrade_result(account, old, product, old.replaced_by, new_version, True)
        now = clock()
        target = upgrade_target(old, product, now.date())
        new_serial = await _fresh_serial(uow.serials, product, target, pair=old.serial[4:6])
        await uow.serials.add_serial(
            NewSerial(old.contract_id, new_serial, target, now.date(), replaces_id=old.id), now
        )
        await uow.serials.retire(old.id, SerialStatus.UPGRADED, old.next_validation)
        email = mail.upgrade_email(templates, account, old, product.name, new_serial, target)
        await uow.outbox.add(email, now)
        await uow.commit()
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


async def _fresh_serial(repo: SerialRepository, product: Product, version: str, pair: str) -> str:
    for _ in range(SERIAL_DRAWS):
        candidate = serials.new_serial(product.letter, version, pair)
        if not await repo.exists(candidate):
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


async def resend_cda(
    uow: UnitOfWork,
    account_id: int,
    serial: str,
    *,
    catalogue: Catalogue,
    clock: Clock,
    templates: Templates,
) -> CdaResendResult:
    wanted = parse_serial(serial)
    async with uow:
        now = clock()
        record = await uow.serials.owned(account_id, wanted, for_update=True)
        account = await uow.accounts.get(account_id)
        if record is None or account is None:
            raise errors.SerialNotFound(wanted)
        if record.purchase is Purchase.PHYSICAL:
            raise errors.PhysicalPurchaseCda(wanted)
        recent = await uow.cda_resends.since(record.id, now - CDA_WINDOW)
        if len(recent) >= CDA_RESENDS_PER_HOUR:
            freed_at = sorted(recent)[len(recent) - CDA_RESENDS_PER_HOUR] + CDA_WINDOW
            raise errors.CdaResendLimited(wanted, freed_at - now)
        resend_id = await uow.cda_resends.add(record.id, now)
        product = catalogue.get(record.product)
        await uow.outbox.add(
            mail.cda_email(templates, account, record, product.name, resend_id), now
        )
        await uow.commit()
    return CdaResendResult(
        serial=wanted, product_name=product.name, masked_email=mask_email(account.email)
    )
