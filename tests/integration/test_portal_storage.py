"""The account domain on real storage: SQLite (a temp file) and PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.demo import DEMO_CDAS, DEMO_CREDENTIALS, load_demo
from bot.domain import errors, throttling
from bot.domain.catalogue import default_catalogue
from bot.domain.model import Modality, SerialStatus
from bot.domain.passwords import Argon2Hasher
from bot.domain.portal import Portal
from bot.storage.db import Database
from bot.storage.schema import (
    accounts,
    auth_throttles,
    outbox,
    password_resets,
    serials,
    trusted_chats,
)
from bot.storage.sealed import open_stored
from bot.storage.unit_of_work import SqlUnitOfWork
from tests.conftest import TEST_DATA_KEY
from tests.domain.conftest import log_in, reset_password


def _portal(db: Database, templates: Any, clock: Any) -> Portal:
    return Portal(lambda: SqlUnitOfWork(db), templates, clock, default_catalogue())


@pytest.fixture
def portal(db: Database, templates: Any, clock: Any) -> Portal:
    return _portal(db, templates, clock)


def _login(portal: Portal, hasher: Any, username: str) -> int:
    account = log_in(portal, hasher, username, DEMO_CREDENTIALS[username], chat_key="t:1")
    return int(account.id)


def _count(db: Database, table: Any, *where: Any) -> int:
    with db.reading() as conn:
        return int(
            (conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


def test_demo_dataset_is_there_and_loads_once(db: Database, hasher: Any, clock: Any) -> None:
    assert _count(db, accounts) == 2
    assert _count(db, serials) == 9
    assert load_demo(db, hasher, clock().date()) is False


def test_systems_as_the_portal_lists_them(hasher: Any, portal: Portal, clock: Any) -> None:
    mm = _login(portal, hasher, "mmendez")
    rows = {r.serial: r for r in portal.list_systems(mm)}
    assert set(rows) == {s for s in DEMO_CDAS if s[0] in "CNSJP"} - {
        "SLSNMR771204",
        "SKSNLC650127",
        "PHSNFB993310",
    }
    assert rows["NMSNAB204611"].next_payment == clock().date() + timedelta(days=165)
    assert rows["NMSNAB204611"].upgrade_to == "10.0"
    subs = portal.list_systems(mm, Modality.SUBSCRIPTION)
    assert len(subs) == 5


def test_upgrade_commits_serials_and_email_together(
    hasher: Any, portal: Portal, db: Database
) -> None:
    mm = _login(portal, hasher, "mmendez")
    result = portal.request_upgrade(mm, "SKSN WR 480213")
    assert result.new_serial.startswith("SLSNWR")
    old = portal.system(mm, "SKSNWR480213")
    assert old.status is SerialStatus.UPGRADED and old.replaced_by == result.new_serial
    assert (portal.system(mm, result.new_serial)).version == "8.0"
    assert _count(db, outbox, outbox.c.idempotency_key == "upgrade:SKSNWR480213") == 1
    again = portal.request_upgrade(mm, "SKSNWR480213")
    assert again.already_done and again.new_serial == result.new_serial
    assert _count(db, outbox) == 1


def test_an_account_never_reaches_another_accounts_serial(
    hasher: Any, portal: Portal, db: Database
) -> None:
    jl = _login(portal, hasher, "jlopez")
    for serial in ("CLSNRR123456", "PHSNLM552019", "PHSNQX118734"):
        with pytest.raises(errors.SerialNotFound):
            portal.request_upgrade(jl, serial)
        with pytest.raises(errors.SerialNotFound):
            portal.resend_cda(jl, serial)
        with pytest.raises(errors.SerialNotFound):
            portal.system(jl, serial)
    assert _count(db, outbox) == 0
    assert _count(db, serials) == 9


def test_concurrent_upgrades_yield_one_serial_and_one_email(
    db: Database, database_url: str, hasher: Any, templates: Any, clock: Any
) -> None:
    """Separate connections, really concurrent: the database decides who wins."""
    other = Database(database_url, data_keys=TEST_DATA_KEY)
    portals = [_portal(d, templates, clock) for d in (db, other)]
    try:
        mm = _login(portals[0], hasher, "mmendez")
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda p: p.request_upgrade(mm, "CLSNRR123456"), portals * 2))
    finally:
        other.dispose()
    assert len({r.new_serial for r in results}) == 1
    assert sorted(r.already_done for r in results) == [False, True, True, True]
    assert _count(db, serials) == 10
    assert _count(db, outbox) == 1


def test_cda_resend_limit_holds_in_the_database(hasher: Any, portal: Portal, db: Database) -> None:
    mm = _login(portal, hasher, "mmendez")
    for _ in range(3):
        portal.resend_cda(mm, "NMSNAB204611")
    with pytest.raises(errors.CdaResendLimited):
        portal.resend_cda(mm, "NMSNAB204611")
    with db.reading() as conn:
        stored = (conn.execute(select(outbox.c.body))).scalars().all()
    assert not any(DEMO_CDAS["NMSNAB204611"] in b for b in stored)  # sealed at rest
    bodies = [open_stored(db.sealer, b) for b in stored]
    assert len(bodies) == 3 and all(DEMO_CDAS["NMSNAB204611"] in b for b in bodies)


def test_device_trust_and_recovery_persist(
    hasher: Any, portal: Portal, db: Database, clock: Any
) -> None:
    log_in(portal, hasher, "jlopez", "Caja-Demo-2026", chat_key="t:owner")
    for chat in range(throttling.UNTRUSTED_NAME.limit):  # each chat under its own limit
        with pytest.raises(errors.InvalidCredentials):
            log_in(portal, hasher, "jlopez", "wrong", chat_key=f"t:{chat}")
    with pytest.raises(errors.AccountLocked):
        log_in(portal, hasher, "jlopez", "Caja-Demo-2026", chat_key="t:new")
    assert log_in(portal, hasher, "jlopez", "Caja-Demo-2026", chat_key="t:owner")
    assert _count(db, trusted_chats) == 1
    assert _count(db, outbox, outbox.c.kind == "lockout") == 1
    name = auth_throttles.c.key == throttling.name_key("jlopez")
    assert _count(db, auth_throttles, name, auth_throttles.c.failures == 20) == 1
    for _ in range(4):  # recovery works while locked, three e-mails an hour
        portal.start_password_recovery("jorge.lopez@example.com")
    with db.reading() as conn:
        bodies = (conn.execute(select(outbox.c.body).where(outbox.c.kind == "reset"))).all()
    assert len(bodies) == throttling.RESETS_PER_HOUR
    body = open_stored(db.sealer, bodies[0][0])
    token = re.search(r"^\s*([A-Za-z0-9_-]{30,})\s*$", body, re.MULTILINE).group(1)  # type: ignore[union-attr]
    reset_password(portal, hasher, token, "Nueva-Clave-99", chat_key="t:new")
    assert _count(db, password_resets, password_resets.c.used_at.is_not(None)) == 3
    assert _count(db, auth_throttles, name) == 0  # the untrusted chats' lock is lifted
    assert _count(db, trusted_chats) == 2
    log_in(portal, hasher, "jlopez", "Nueva-Clave-99", chat_key="t:new")


def test_default_argon2_parameters_and_rehash(db: Database, templates: Any, clock: Any) -> None:
    """The one test with the library's default (slow) parameters."""
    strong = Argon2Hasher()
    portal = _portal(db, templates, clock)
    log_in(portal, strong, "mmendez", "Aspel-Demo-2026", chat_key="t:1")
    with db.reading() as conn:
        stored = (
            conn.execute(select(accounts.c.password_hash).where(accounts.c.username == "mmendez"))
        ).scalar_one()
    assert stored.startswith("$argon2id$") and not strong.needs_rehash(stored)
    assert strong.verify(stored, "Aspel-Demo-2026")
