"""Mis servicios, upgrades and CDA resends, on the in-memory fakes."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from bot.demo import DEMO_CDAS
from bot.domain import errors, services
from bot.domain.catalogue import Catalogue, default_catalogue
from bot.domain.model import Modality, Periodicity, Purchase, SerialStatus
from bot.domain.portal import Portal
from bot.domain.ports import Conflict, NewSerial
from tests.domain.conftest import log_in

TODAY = date(2026, 3, 10)


def _ids(portal: Portal, hasher: Any) -> tuple[int, int]:
    mm = log_in(portal, hasher, "mmendez", "Aspel-Demo-2026", chat_key="t")
    jl = log_in(portal, hasher, "jlopez", "Caja-Demo-2026", chat_key="t")
    return mm.id, jl.id


def test_account_summary_and_unknown_account(portal: Portal, hasher: Any) -> None:
    mm, _ = _ids(portal, hasher)
    assert (portal.account(mm)).company_name == "Méndez Contadores SC"
    with pytest.raises(errors.AccountNotFound):
        portal.account(9999)


def test_mis_servicios_lists_every_column(portal: Portal, hasher: Any) -> None:
    mm, jl = _ids(portal, hasher)
    rows = {r.serial: r for r in portal.list_systems(mm)}
    assert len(rows) == 6
    coi = rows["CLSNRR123456"]
    assert (coi.product_name, coi.version, coi.users) == ("Aspel COI", "8.0", 3)
    assert (coi.modality, coi.periodicity, coi.purchase) == (
        Modality.SUBSCRIPTION,
        Periodicity.MONTHLY,
        None,
    )
    assert coi.activated_on == TODAY - timedelta(days=300)
    assert coi.next_payment == TODAY + timedelta(days=12)
    assert (coi.status, coi.upgrade_to, coi.replaced_by) == (SerialStatus.ACTIVE, "9.0", None)
    assert rows["PHSNLM552019"].upgrade_to is None  # PROD 4.0 is the newest
    assert rows["PHSNQX118734"].upgrade_to is None  # a licence is never offered one
    assert rows["PHSNQX118734"].purchase is Purchase.ELECTRONIC
    licences = portal.list_systems(jl, Modality.LICENCE)
    assert {r.serial for r in licences} == {"SKSNLC650127", "PHSNFB993310"}


def test_one_system_by_typed_serial(portal: Portal, hasher: Any) -> None:
    mm, jl = _ids(portal, hasher)
    assert (portal.system(mm, "cl-sn rr 123456")).serial == "CLSNRR123456"
    with pytest.raises(errors.MalformedSerial):
        portal.system(mm, "hola")
    with pytest.raises(errors.SerialNotFound):
        portal.system(mm, "CLSNRR999999")
    with pytest.raises(errors.SerialNotFound):
        portal.system(jl, "CLSNRR123456")  # someone else's: same answer as unknown


def test_upgrade_makes_a_new_serial_and_one_email(
    hasher: Any, portal: Portal, store: Any, clock: Any
) -> None:
    mm, _ = _ids(portal, hasher)
    result = portal.request_upgrade(mm, "clsnrr123456")
    assert result.new_serial.startswith("CMSNRR") and result.new_version == "9.0"
    assert (result.old_serial, result.old_version, result.already_done) == (
        "CLSNRR123456",
        "8.0",
        False,
    )
    assert result.old_usable_until == TODAY + timedelta(days=12)
    assert result.masked_email == "ma***@example.com"
    assert result.distributor == "Distribuidora Centro"

    new = store.serial(result.new_serial)
    old = store.serial("CLSNRR123456")
    assert new.replaces_id is not None and new.contract_id == old.contract_id
    assert (old.status, old.usable_until) == (SerialStatus.UPGRADED, TODAY + timedelta(days=12))

    [email] = store.committed.outbox
    assert (email.kind, email.idempotency_key) == ("upgrade", "upgrade:CLSNRR123456")
    for fact in ("Magdalena Méndez", "Aspel COI", "CLSNRR123456", result.new_serial,
                 "22/03/2026", "aspel.com/descargas", "Aspel-AL", "Otros sistemas",
                 "Méndez Contadores SC", "Distribuidora Centro", "800 Aspel 123"):  # fmt: skip
        assert fact in email.body, fact

    rows = {r.serial: r for r in portal.list_systems(mm)}
    assert rows["CLSNRR123456"].replaced_by == result.new_serial
    assert rows["CLSNRR123456"].status is SerialStatus.UPGRADED
    assert rows["CLSNRR123456"].upgrade_to is None
    assert rows[result.new_serial].users == 3 and rows[result.new_serial].upgrade_to is None
    clock.advance(days=13)
    assert (portal.system(mm, "CLSNRR123456")).status is SerialStatus.INACTIVE


def test_asking_again_returns_the_same_serial_and_no_new_email(
    hasher: Any, portal: Portal, store: Any
) -> None:
    mm, _ = _ids(portal, hasher)
    first = portal.request_upgrade(mm, "CLSNRR123456")
    again = portal.request_upgrade(mm, "CLSNRR123456")
    assert again.new_serial == first.new_serial and again.already_done
    assert len(store.committed.outbox) == 1


def test_without_distributor_the_email_points_to_the_phone_line(
    hasher: Any, portal: Portal, store: Any
) -> None:
    _, jl = _ids(portal, hasher)
    store.set_serial("SLSNMR771204", version="7.0", serial="SKSNMR771204")
    portal.request_upgrade(jl, "SKSNMR771204")
    [email] = store.committed.outbox
    assert "800 Aspel 123" in email.body and "distribuidor" in email.body


@pytest.mark.parametrize(
    ("who", "serial", "error"),
    [
        (0, "PHSNQX118734", errors.LicenceNeedsPurchase),
        (1, "SKSNLC650127", errors.LicenceNeedsPurchase),
        (1, "SLSNMR771204", errors.AlreadyNewestVersion),
        (0, "PHSNLM552019", errors.AlreadyNewestVersion),
        (1, "CLSNRR123456", errors.SerialNotFound),  # mmendez's serial, asked by jlopez
        (0, "CLSNRR000000", errors.SerialNotFound),
        (0, "XX", errors.MalformedSerial),
    ],
)
def test_upgrade_refusals(
    hasher: Any, portal: Portal, store: Any, who: int, serial: str, error: type[Exception]
) -> None:
    account = (_ids(portal, hasher))[who]
    with pytest.raises(error):
        portal.request_upgrade(account, serial)
    assert store.committed.outbox == []


def test_no_catalogue_path_and_inactive_serial(portal: Portal, hasher: Any, store: Any) -> None:
    mm, _ = _ids(portal, hasher)
    catalogue = default_catalogue()
    noi = replace(catalogue.get("NOI"), current="11.0", upgrades={})
    portal = replace(portal, catalogue=Catalogue({**catalogue.products, "NOI": noi}))
    with pytest.raises(errors.NoUpgradePath):
        portal.request_upgrade(mm, "NMSNAB204611")
    store.set_serial("SKSNWR480213", status=SerialStatus.INACTIVE)
    with pytest.raises(errors.SerialNotActive):
        portal.request_upgrade(mm, "SKSNWR480213")


def test_a_lost_race_rolls_back_and_reports_the_winner(
    hasher: Any, portal: Portal, store: Any, clock: Any, templates: Any, fake_uow: Any
) -> None:
    """The unique replaces_id refuses the second insert; the loser re-reads the winner's row."""
    mm, _ = _ids(portal, hasher)

    class RacingUnitOfWork(fake_uow):  # type: ignore[misc,valid-type]
        raced = False

        def __enter__(self) -> RacingUnitOfWork:
            super().__enter__()
            add = self.serials.add_serial

            def add_after_the_winner(serial: NewSerial, now: Any) -> int:
                if not RacingUnitOfWork.raced:
                    RacingUnitOfWork.raced = True
                    winner = replace(serial, serial="CMSNRR000001")
                    with fake_uow(store) as other:
                        other.serials.add_serial(winner, now)
                        other.commit()
                    raise Conflict("replaces_id taken")
                return add(serial, now)

            self.serials.add_serial = add_after_the_winner  # type: ignore[method-assign]
            return self

    result = services.request_upgrade(
        RacingUnitOfWork(store),
        mm,
        "CLSNRR123456",
        catalogue=default_catalogue(),
        clock=clock,
        templates=templates,
    )
    assert (result.new_serial, result.already_done) == ("CMSNRR000001", True)
    assert store.committed.outbox == []


# --- CDA ------------------------------------------------------------------------------


def test_cda_resend_mails_the_code(portal: Portal, hasher: Any, store: Any) -> None:
    mm, _ = _ids(portal, hasher)
    result = portal.resend_cda(mm, "PHSNLM552019")
    assert (result.serial, result.product_name) == ("PHSNLM552019", "Aspel PROD")
    assert result.masked_email == "ma***@example.com"
    portal.resend_cda(mm, "PHSNQX118734")  # an electronic licence too
    first, second = store.committed.outbox
    assert first.idempotency_key.startswith("cda:PHSNLM552019:")
    assert DEMO_CDAS["PHSNLM552019"] in first.body and "Mi perfil > Datos generales" in first.body
    assert DEMO_CDAS["PHSNQX118734"] in second.body


def test_physical_box_cda_is_never_sent(portal: Portal, hasher: Any, store: Any) -> None:
    _, jl = _ids(portal, hasher)
    with pytest.raises(errors.PhysicalPurchaseCda):
        portal.resend_cda(jl, "PHSNFB993310")
    assert store.committed.outbox == []


def test_cda_of_another_account_is_not_found(portal: Portal, hasher: Any, store: Any) -> None:
    mm, jl = _ids(portal, hasher)
    with pytest.raises(errors.SerialNotFound):
        portal.resend_cda(jl, "PHSNLM552019")
    with pytest.raises(errors.SerialNotFound):
        portal.resend_cda(mm, "SKSNLC650127")
    assert store.committed.outbox == []


def test_three_resends_per_rolling_hour(portal: Portal, hasher: Any, clock: Any) -> None:
    mm, _ = _ids(portal, hasher)
    for _ in range(3):
        portal.resend_cda(mm, "JHSNTQ300876")
        clock.advance(minutes=10)
    with pytest.raises(errors.CdaResendLimited) as limited:
        portal.resend_cda(mm, "JHSNTQ300876")
    assert limited.value.retry_after == timedelta(minutes=30)
    portal.resend_cda(mm, "CLSNRR123456")  # another serial is not affected
    clock.advance(minutes=30)
    portal.resend_cda(mm, "JHSNTQ300876")


DOMAIN_TABLE = {  # DOMAIN.md "Demo dataset": system, modality, users, activated, next payment
    "mmendez": {
        "CLSNRR123456": ("COI", "8.0", "subscription/monthly", 3, -300, 12),
        "NMSNAB204611": ("NOI", "9.0", "subscription/yearly", 1, -200, 165),
        "SKSNWR480213": ("SAE", "7.0", "subscription/monthly", 1, -90, 20),
        "JHSNTQ300876": ("CAJA", "4.0", "subscription/six_monthly", 1, -60, 120),
        "PHSNLM552019": ("PROD", "4.0", "subscription/monthly", 10, -45, 15),
        "PHSNQX118734": ("PROD", "4.0", "licence/electronic", 1, -400, None),
    },
    "jlopez": {
        "SLSNMR771204": ("SAE", "8.0", "subscription/monthly", 2, -30, 1),
        "SKSNLC650127": ("SAE", "7.0", "licence/electronic", 1, -700, None),
        "PHSNFB993310": ("PROD", "4.0", "licence/physical", 1, -500, None),
    },
}


def test_demo_dataset_is_exactly_the_one_of_the_domain_page(portal: Portal, hasher: Any) -> None:
    ids = dict(zip(("mmendez", "jlopez"), _ids(portal, hasher), strict=True))
    for username, expected in DOMAIN_TABLE.items():
        rows = portal.list_systems(ids[username])
        seen = {
            r.serial: (
                r.product,
                r.version,
                f"{r.modality}/{r.periodicity or r.purchase}",
                r.users,
                (r.activated_on - TODAY).days,
                (r.next_payment - TODAY).days if r.next_payment else None,
            )
            for r in rows
        }
        assert seen == expected
    jl = portal.account(ids["jlopez"])
    assert (jl.holder_name, jl.email, jl.company_name, jl.distributor) == (
        "Jorge López",
        "jorge.lopez@example.com",
        "Abarrotes López SA de CV",
        None,
    )
    assert set(DEMO_CDAS) == {s for table in DOMAIN_TABLE.values() for s in table}
    assert all(
        re.fullmatch(r"([A-HJ-NP-Z2-9]{4}-){3}[A-HJ-NP-Z2-9]{4}", c) for c in DEMO_CDAS.values()
    )
