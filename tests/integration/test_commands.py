"""``aspel-bot migrate``, ``demo`` and ``relay`` from the command line (SQLite, .eml folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env or bot.db
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ignored.db'}")
    return CliRunner()


def test_migrate_demo_and_relay(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(main, ["migrate", "--database", url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["demo", "--database", url])
    assert result.exit_code == 0, result.output
    assert "mmendez" in result.output and "Aspel-Demo-2026" in result.output
    assert "Caja-Demo-2026" in result.output
    assert "already" in runner.invoke(main, ["demo", "--database", url]).output
    result = runner.invoke(main, ["relay", "--database", url, "--once"])
    assert result.exit_code == 0 and "Sent 0" in result.output
    assert not (tmp_path / "ignored.db").exists()  # --database won over DATABASE_URL


def test_help_lists_the_commands(runner: CliRunner) -> None:
    output = runner.invoke(main, ["--help"]).output
    for name in ("migrate", "demo", "relay"):
        assert name in output
