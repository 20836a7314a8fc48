"""``aspel-bot report`` reads flow events from a database and prints, in each format."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.report import store
from bot.report.cli import parse_since
from bot.storage.db import Database
from bot.storage.migrate import upgrade_database
from tests.report.population import NOW, build


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The generated population, moved to today (the command's end is the real now)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'flow.db'}"
    upgrade_database(url)
    shift = datetime.now(UTC) - NOW
    rows = [replace(row, at=row.at + shift) for row in build().rows]

    db = Database(url)
    with db.begin() as conn:
        store.append(conn, rows)
    db.dispose()
    return url


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ignored.db'}")
    return CliRunner()


def test_text_report_and_chart(runner: CliRunner, url: str, tmp_path: Path) -> None:
    png = tmp_path / "funnel.png"
    result = runner.invoke(main, ["report", "--database", url, "--chart", str(png)])
    assert result.exit_code == 0, result.output
    assert "Actualizar número de serie · COI" in result.output
    assert "Completaron 8 (40.0%)" in result.output
    assert png.stat().st_size > 20_000
    assert not (tmp_path / "ignored.db").exists()  # --database won over DATABASE_URL


def test_csv_of_one_product(runner: CliRunner, url: str) -> None:
    result = runner.invoke(
        main, ["report", "--database", url, "--product", "coi", "--format", "csv", "--since", "30d"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert {row[1] for row in rows[1:]} == {"COI"}
    assert rows[1][2:4] == ["Iniciaron el trámite", "11"]


def test_html_of_one_journey(runner: CliRunner, url: str) -> None:
    args = ["report", "--database", url, "--journey", "cda", "--format", "html"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("<table>") == 2  # CDA, then PROD
    assert "Recuperar" not in result.output


def test_bad_period_is_refused(runner: CliRunner, url: str) -> None:
    result = runner.invoke(main, ["report", "--database", url, "--since", "a week"])
    assert result.exit_code != 0 and "24h" in result.output


def test_periods() -> None:
    assert parse_since("all", NOW) is None
    assert (NOW - parse_since("24h", NOW)).total_seconds() == 24 * 3600  # type: ignore[operator]
    assert (NOW - parse_since("30d", NOW)).days == 30  # type: ignore[operator]
