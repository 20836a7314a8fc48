"""End to end: the demo conversation scripts, kept in one database, make the expected report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.report import store
from bot.report.funnel import FlowRow, Funnel, Reason, funnels, instances
from bot.scripts import Runner
from bot.storage.db import Database

SCRIPTS = Path(__file__).resolve().parents[1] / "conversations"
# the five seed journeys, plus unhappy paths whose drop-off the report must place
NAMES = [
    "upgrade_coi",
    "upgrade_noi",
    "upgrade_sae",
    "upgrade_caja",
    "cda_prod_subscription",
    "declined_terms",
    "licence_upgrade",
    "inactivity",
    "forgot_password",
]


Report = dict[tuple[str, str | None], Funnel]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    url = f"sqlite:///{tmp_path_factory.mktemp('scripts') / 'flow.db'}"
    rows = asyncio.run(run_scripts(url))
    # two hours later: what is still open has been idle for longer than the timeout
    now = datetime.now(UTC) + timedelta(hours=2)
    found = instances(rows, now=now, idle=timedelta(minutes=30))
    return {(f.journey, f.product): f for f in funnels(found)}


async def run_scripts(url: str) -> list[FlowRow]:
    runner = Runner(keep_flow=url)
    try:
        for name in NAMES:
            result = await runner.run(SCRIPTS / f"{name}.yaml")
            assert result.passed, result.report
    finally:
        runner.close()
    db = Database(url)
    try:
        return store.read(db, None)
    finally:
        db.dispose()


def figures(f: Funnel) -> tuple[int, int, int, int]:
    return f.started, f.completed, f.abandoned(), f.advisor


def test_each_seed_journey_completes(report: Report) -> None:
    assert figures(report["upgrade", "NOI"]) == (1, 1, 0, 0)
    assert figures(report["upgrade", "CAJA"]) == (1, 1, 0, 0)
    assert figures(report["cda", "PROD"]) == (1, 1, 0, 0)
    assert figures(report["recovery", None]) == (2, 2, 0, 0)
    assert report["cda", "PROD"].steps[-1].reached == 1  # cda_confirm


def test_coi_and_sae_with_their_drop_offs(report: Report) -> None:
    coi, sae = report["upgrade", "COI"], report["upgrade", "SAE"]
    assert figures(coi) == (2, 1, 1, 0)  # upgrade_coi; declined_terms declines
    assert coi.abandoned(Reason.DECLINED) == 1
    assert figures(sae) == (2, 1, 1, 0)  # the licence goes back to the menu
    licence = {s.step: s for s in sae.steps}["licence_upgrade"]
    assert (licence.reached, licence.abandoned[Reason.CANCELLED]) == (1, 1)


def test_journey_totals(report: Report) -> None:
    upgrade = report["upgrade", None]
    # 4 seed upgrades, 2 in declined_terms, 1 licence, 2 in inactivity
    assert figures(upgrade) == (9, 4, 5, 0)
    steps = {s.step: s for s in upgrade.steps}
    # inactivity.yaml: expired at the serial list; it and declined_terms then start again
    assert steps["choose_serial"].abandoned[Reason.INACTIVITY] == 2
    assert steps["choose_modality"].abandoned[Reason.INACTIVITY] == 0
    assert steps["login_user"].abandoned[Reason.INACTIVITY] == 1
