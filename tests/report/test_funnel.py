"""The funnel's figures over a generated population match what was generated, exactly."""

from __future__ import annotations

from dataclasses import astuple
from datetime import timedelta

import pytest

from bot.report.funnel import FlowRow, Funnel, Outcome, Reason, funnel, funnels, instances
from tests.report.population import CDA, IDLE, NOW, SINCE, UPGRADE, Population, build


@pytest.fixture(scope="module")
def found() -> list:
    return instances(build().rows, now=NOW, idle=IDLE, since=SINCE)


def by_step(f: Funnel) -> dict[str, tuple[int, dict[Reason, int], int, int]]:
    return {s.step: (s.reached, dict(s.abandoned), s.advisor, s.in_progress) for s in f.steps}


def reasons(**counts: int) -> dict[Reason, int]:
    return {reason: counts.get(reason.value, 0) for reason in Reason}


def test_upgrade_totals(found: list) -> None:
    f = funnel(found, "upgrade")
    assert (f.started, f.completed, f.advisor, f.in_progress, f.abandoned()) == (20, 8, 2, 1, 9)
    assert f.share(f.completed) == 40.0
    assert f.abandoned(Reason.INACTIVITY) == 3 and f.abandoned(Reason.DECLINED) == 3
    assert f.abandoned(Reason.CANCELLED) == 1 and f.abandoned(Reason.OTHER) == 2
    assert f.median_to_complete == timedelta(seconds=125)


def test_upgrade_steps_in_journey_order(found: list) -> None:
    assert by_step(funnel(found, "upgrade")) == {
        "login_user": (17, reasons(), 0, 0),
        "login_password": (17, reasons(inactivity=2, other=2), 0, 0),
        "choose_modality": (16, reasons(inactivity=1), 0, 0),
        "choose_serial": (15, reasons(cancelled=1), 0, 0),
        "upgrade_terms": (14, reasons(declined=3), 2, 1),
        "licence_upgrade": (0, reasons(), 0, 0),
    }


def test_upgrade_per_product(found: list) -> None:
    coi, noi, caja = (funnel(found, "upgrade", p) for p in ("COI", "NOI", "CAJA"))
    assert (coi.started, coi.completed, coi.advisor, coi.in_progress) == (11, 5, 2, 1)
    assert coi.abandoned() == coi.abandoned(Reason.DECLINED) == 3
    assert coi.median_to_complete == timedelta(seconds=150)
    assert (noi.started, noi.completed, noi.median_to_complete) == (2, 2, timedelta(seconds=90))
    assert by_step(noi)["login_user"][0] == 0  # already logged in: straight to the lists
    assert (caja.started, caja.completed) == (1, 1)  # the SAE one is older than the period


def test_cda_and_recovery(found: list) -> None:
    cda, prod, recovery = (
        funnel(found, "cda"),
        funnel(found, "cda", "PROD"),
        funnel(found, "recovery"),
    )
    assert (cda.started, cda.completed, cda.advisor, cda.abandoned()) == (5, 4, 1, 0)
    assert by_step(cda)["choose_serial"] == (5, reasons(), 1, 0)
    assert by_step(cda)["cda_confirm"][0] == 4
    assert (prod.started, prod.completed) == (4, 4)
    assert (recovery.started, recovery.completed, recovery.abandoned(Reason.CANCELLED)) == (5, 4, 1)
    assert recovery.median_to_complete == timedelta(seconds=30)


def test_funnels_lists_journeys_then_products(found: list) -> None:
    names = [(f.journey, f.product) for f in funnels(found)]
    assert names == [
        ("upgrade", None),
        ("upgrade", "CAJA"),
        ("upgrade", "COI"),
        ("upgrade", "NOI"),
        ("cda", None),
        ("cda", "PROD"),
        ("recovery", None),
    ]
    assert [(f.journey, f.product) for f in funnels(found, product="COI")] == [("upgrade", "COI")]
    assert [f.journey for f in funnels(found, journey="cda", per_product=False)] == ["cda"]


def test_every_instance_is_counted_once(found: list) -> None:
    for f in funnels(found):
        ends = f.completed + f.advisor + f.in_progress + f.abandoned()
        assert ends == f.started, f


def test_idle_gap_decides_between_in_progress_and_inactivity() -> None:
    p = Population()
    p.chat("upgrade", UPGRADE[:3], start=NOW - timedelta(minutes=20))
    [open_now] = instances(p.rows, now=NOW, idle=IDLE)
    [later] = instances(p.rows, now=NOW + timedelta(hours=1), idle=IDLE)
    assert (open_now.outcome, open_now.step) == (Outcome.IN_PROGRESS, "choose_modality")
    assert (later.outcome, later.reason, later.step) == (
        Outcome.ABANDONED,
        Reason.INACTIVITY,
        "choose_modality",
    )


def test_product_is_the_first_known() -> None:
    p = Population()
    refused_then_other: list[tuple[str, str]] = [
        ("cda_refused", "choose_serial"),
        ("serial_chosen", "cda_confirm"),
        ("cda_sent", "cda_done"),
    ]
    p.chat("cda", [*CDA, *refused_then_other], product="PROD")
    last = p.rows[-1]
    p.rows[-1] = FlowRow(last.chat_id, last.at, "cda", "SAE", *astuple(last)[4:])
    [instance] = instances(p.rows, now=NOW, idle=IDLE)
    assert (instance.product, instance.outcome) == ("PROD", Outcome.COMPLETED)


def test_nothing_to_count() -> None:
    assert instances([], now=NOW, idle=IDLE) == []
    empty = funnel([], "upgrade")
    assert (empty.started, empty.share(0), empty.median_to_complete) == (0, 0.0, None)
