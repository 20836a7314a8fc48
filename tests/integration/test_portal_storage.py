"""The account domain on real storage: SQLite (a temp file) and PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo import DEMO_CDAS, DEMO_CREDENTIALS, load_demo
from bot.domain import errors
from bot.domain.catalogue import default_catalogue
from bot.domain.model import Modality, SerialStatus
from bot.domain.passwords import Argon2Hasher
from bot.domain.portal import Portal
from bot.storage.schema import accounts, auth_throttles, outbox, password_resets, serials
from bot.storage.unit_of_work import unit_of_work_factory


@pytest.fixture
def portal(engine: AsyncEngine, hasher: Any, templates: Any, clock: Any) -> Portal:
    return Portal(unit_of_work_factory(engine), hasher, templates, clock, default_catalogue())


async def _login(portal: Portal, username: str) -> int:
    account = await portal.authenticate(username, DEMO_CREDENTIALS[username], chat_key="t:1")
    return account.id


async def _count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def test_demo_dataset_is_there_and_loads_once(
    engine: AsyncEngine, hasher: Any, clock: Any
) -> None:
    assert await _count(engine, accounts) == 2
    assert await _count(engine, serials) == 9
    assert await load_demo(engine, hasher, clock().date()) is False


async def test_systems_as_the_portal_lists_them(portal: Portal, clock: Any) -> None:
    mm = await _login(portal, "mmendez")
    rows = {r.serial: r for r in await portal.list_systems(mm)}
    assert set(rows) == {s for s in DEMO_CDAS if s[0] in "CNSJP"} - {
        "SLSNMR771204",
        "SKSNLC650127",
        "PHSNFB993310",
    }
    assert rows["NMSNAB204611"].next_payment == clock().date() + timedelta(days=165)
    assert rows["NMSNAB204611"].upgrade_to == "10.0"
    subs = await portal.list_systems(mm, Modality.SUBSCRIPTION)
    assert len(subs) == 5


async def test_upgrade_commits_serials_and_email_together(
    portal: Portal, engine: AsyncEngine
) -> None:
    mm = await _login(portal, "mmendez")
    result = await portal.request_upgrade(mm, "SKSN WR 480213")
    assert result.new_serial.startswith("SLSNWR")
    old = await portal.system(mm, "SKSNWR480213")
    assert old.status is SerialStatus.UPGRADED and old.replaced_by == result.new_serial
    assert (await portal.system(mm, result.new_serial)).version == "8.0"
    assert await _count(engine, outbox, outbox.c.idempotency_key == "upgrade:SKSNWR480213") == 1
    again = await portal.request_upgrade(mm, "SKSNWR480213")
    assert again.already_done and again.new_serial == result.new_serial
    assert await _count(engine, outbox) == 1


async def test_an_account_never_reaches_another_accounts_serial(
    portal: Portal, engine: AsyncEngine
) -> None:
    jl = await _login(portal, "jlopez")
    for serial in ("CLSNRR123456", "PHSNLM552019", "PHSNQX118734"):
        with pytest.raises(errors.SerialNotFound):
            await portal.request_upgrade(jl, serial)
        with pytest.raises(errors.SerialNotFound):
            await portal.resend_cda(jl, serial)
        with pytest.raises(errors.SerialNotFound):
            await portal.system(jl, serial)
    assert await _count(engine, outbox) == 0
    assert await _count(engine, serials) == 9


async def test_concurrent_upgrades_yield_one_serial_and_one_email(
    engine: AsyncEngine, database_url: str, hasher: Any, templates: Any, clock: Any
) -> None:
    """Separate connections, really concurrent: the database decides who wins."""
    from bot.storage.db import create_engine

    engines = [engine, create_engine(database_url)]
    portals = [
        Portal(unit_of_work_factory(e), hasher, templates, clock, default_catalogue())
        for e in engines
    ]
    try:
        mm = await _login(portals[0], "mmendez")
        results = await asyncio.gather(
            *(p.request_upgrade(mm, "CLSNRR123456") for p in portals * 2)
        )
    finally:
        await engines[1].dispose()
    assert len({r.new_serial for r in results}) == 1
    assert sorted(r.already_done for r in results) == [False, True, True, True]
    assert await _count(engine, serials) == 10
    assert await _count(engine, outbox) == 1


async def test_cda_resend_limit_holds_in_the_database(portal: Portal, engine: AsyncEngine) -> None:
    mm = await _login(portal, "mmendez")
    await asyncio.gather(*(portal.resend_cda(mm, "NMSNAB204611") for _ in range(3)))
    with pytest.raises(errors.CdaResendLimited):
        await portal.resend_cda(mm, "NMSNAB204611")
    async with engine.connect() as conn:
        bodies = (await conn.execute(select(outbox.c.body))).scalars().all()
    assert len(bodies) == 3 and all(DEMO_CDAS["NMSNAB204611"] in b for b in bodies)


async def test_throttling_and_recovery_persist(
    portal: Portal, engine: AsyncEngine, clock: Any
) -> None:
    for _ in range(3):
        with pytest.raises(errors.InvalidCredentials):
            await portal.authenticate("jlopez", "wrong", chat_key="t:2")
    with pytest.raises(errors.AccountLocked):
        await portal.authenticate("jlopez", "Caja-Demo-2026", chat_key="t:3")
    assert await _count(engine, auth_throttles) == 2
    await portal.start_password_recovery("jorge.lopez@example.com")
    async with engine.connect() as conn:
        body = (await conn.execute(select(outbox.c.body))).scalar_one()
    token = re.search(r"^\s*([A-Za-z0-9_-]{30,})\s*$", body, re.MULTILINE).group(1)  # type: ignore[union-attr]
    await portal.complete_password_reset(token, "Nueva-Clave-99")
    assert await _count(engine, password_resets, password_resets.c.used_at.is_not(None)) == 1
    assert await _count(engine, auth_throttles) == 1  # the account's run is cleared
    clock.advance(minutes=1)
    await portal.authenticate("jlopez", "Nueva-Clave-99", chat_key="t:3")


async def test_default_argon2_parameters_and_rehash(
    engine: AsyncEngine, templates: Any, clock: Any
) -> None:
    """The one test with the library's default (slow) parameters."""
    strong = Argon2Hasher()
    portal = Portal(unit_of_work_factory(engine), strong, templates, clock, default_catalogue())
    await portal.authenticate("mmendez", "Aspel-Demo-2026", chat_key="t:1")
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                select(accounts.c.password_hash).where(accounts.c.username == "mmendez")
            )
        ).scalar_one()
    assert stored.startswith("$argon2id$") and not strong.needs_rehash(stored)
    assert strong.verify(stored, "Aspel-Demo-2026")
