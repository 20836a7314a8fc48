"""The repositories write on the driver; SQLAlchemy Core (Alembic, the CLI, reports) reads and
writes the same tables. Each side reads what the other wrote, value for value, on SQLite and
PostgreSQL: dates, zone-aware times, enums, NULLs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from bot.domain.model import Modality, Periodicity, SerialStatus
from bot.domain.ports import NewAccount, NewContract, NewSerial, Throttle
from bot.storage.db import Database
from bot.storage.schema import accounts, auth_throttles, contracts, serials
from bot.storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 3, 10, 15, 30, 45, 123456, tzinfo=UTC)


def test_core_reads_what_the_repositories_wrote(db: Database) -> None:
    with SqlUnitOfWork(db) as uow:
        account = NewAccount("ana", "h", "Ana", "Ana SA", "ana@example.com", None)
        account_id = uow.accounts.add(account, NOW)
        contract = NewContract(
            account_id, "COI", Modality.SUBSCRIPTION, Periodicity.YEARLY, None, 3,
            date(2026, 4, 1), "CDA-1",
        )  # fmt: skip
        contract_id = uow.serials.add_contract(contract, NOW)
        old = uow.serials.add_serial(
            NewSerial(contract_id, "CLSNAA000001", "8.0", date(2025, 1, 2)), NOW
        )
        uow.serials.retire(old, SerialStatus.UPGRADED, date(2026, 4, 9))
        uow.throttles.save(Throttle("chat:t:1", 2, NOW + timedelta(minutes=5), NOW))
        uow.commit()
    with db.reading() as conn:
        row = conn.execute(select(serials).where(serials.c.id == old)).one()
        assert (row.activated_on, row.usable_until) == (date(2025, 1, 2), date(2026, 4, 9))
        assert row.status == SerialStatus.UPGRADED.value and row.created_at == NOW
        assert conn.execute(
            select(contracts.c.next_validation).where(contracts.c.id == contract_id)
        ).scalar_one() == date(2026, 4, 1)
        assert (
            conn.execute(
                select(accounts.c.created_at).where(accounts.c.id == account_id)
            ).scalar_one()
            == NOW
        )
        throttle = conn.execute(
            select(auth_throttles).where(auth_throttles.c.key == "chat:t:1")
        ).one()
        assert (throttle.failures, throttle.locked_until) == (2, NOW + timedelta(minutes=5))


def test_the_repositories_read_what_core_wrote(db: Database) -> None:
    with db.begin() as conn:
        account_id = conn.execute(
            insert(accounts).values(
                username="beto", password_hash="h", holder_name="Beto", company_name="B",
                email="Beto@Example.com", distributor="Centro", created_at=NOW,
            ).returning(accounts.c.id)
        ).scalar_one()  # fmt: skip
        contract_id = conn.execute(
            insert(contracts).values(
                account_id=account_id, product="NOI", modality="subscription",
                periodicity="monthly", users=1, next_validation=date(2026, 5, 1), cda="CDA-2",
                created_at=NOW,
            ).returning(contracts.c.id)
        ).scalar_one()  # fmt: skip
        old = conn.execute(
            insert(serials).values(
                contract_id=contract_id, serial="NLSNAA000002", version="9.0",
                activated_on=date(2025, 6, 7), status="active", created_at=NOW,
            ).returning(serials.c.id)
        ).scalar_one()  # fmt: skip
        conn.execute(
            insert(serials).values(
                contract_id=contract_id, serial="NMSNAA000003", version="10.0",
                activated_on=date(2026, 3, 10), status="active", replaces_id=old, created_at=NOW,
            )
        )  # fmt: skip
        conn.execute(
            insert(auth_throttles).values(key="account:1", failures=4, last_failure_at=NOW)
        )
    with SqlUnitOfWork(db) as uow:
        assert [a.username for a in uow.accounts.by_login("beto@example.com")] == ["beto"]
        record = uow.serials.owned(account_id, "NLSNAA000002", for_update=True)
        assert record is not None
        assert (record.activated_on, record.usable_until) == (date(2025, 6, 7), None)
        assert (record.replaced_by, record.modality, record.periodicity, record.purchase) == (
            "NMSNAA000003", Modality.SUBSCRIPTION, Periodicity.MONTHLY, None,
        )  # fmt: skip
        assert record.next_validation == date(2026, 5, 1)
        assert [s.serial for s in uow.serials.for_account(account_id)] == [
            "NLSNAA000002", "NMSNAA000003",
        ]  # fmt: skip
        throttles = uow.throttles.get(["account:1", "chat:none"], for_update=True)
        assert throttles == {"account:1": Throttle("account:1", 4, None, NOW)}
