"""``aspel-bot tickets``, ``transcript`` and ``script-from-transcript`` on a real conversation,
and the script it makes passing when run back."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.bootstrap import build
from bot.cli import main
from bot.domain.passwords import Argon2Hasher
from bot.scripts import Runner
from bot.settings import Settings
from tests.conftest import FixedClock
from tests.conversation.conftest import Chat
from tests.handoff.conftest import PASSWORD

MARKER = "[contraseña oculta]"


async def _conversation(url: str, tmp_path: Path, hasher: Argon2Hasher) -> None:
    clock = FixedClock()
    settings = Settings(database_url=url, outbox_dir=tmp_path / "outbox")
    app = await build(settings, clock=clock, hasher=hasher, migrate=False)
    try:
        chat = Chat(app, "tg:77")
        await chat.login("mmendez", PASSWORD, "Actualizar")
        await chat.press("Suscripciones")
        await chat.press("CLSNRR123456")
        await chat.press("Aceptar")  # a new serial and a date: they vary between runs
        clock.advance(seconds=5)
        await chat.send(f"mi contraseña es {PASSWORD}, ¿la cambio?")
        await chat.send("/asesor")
        await chat.send("¿Cuándo llega el correo?")
        clock.advance(minutes=3)
        await app.engine.advisor_says("tg:77", "Ya va en camino; revisa tu spam.")
        await app.engine.hand_back("tg:77")
    finally:
        await app.aclose()


@pytest.fixture
def url(sqlite_template: Path, tmp_path: Path, hasher: Argon2Hasher) -> str:
    shutil.copyfile(sqlite_template, tmp_path / "bot.db")
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    asyncio.run(_conversation(url, tmp_path, hasher))
    return url


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return CliRunner()


def test_tickets_lists_by_status(cli: CliRunner, url: str) -> None:
    listed = cli.invoke(main, ["tickets", "--status", "all", "--database", url])
    assert listed.exit_code == 0, listed.output
    header, row = listed.output.splitlines()
    assert header.split()[:4] == ["ID", "OPENED", "STATUS", "REASON"]
    assert row.split()[:2] == ["1", "2026-03-10"]  # Mexico City date
    assert {"closed", "asked", "tg:77", "mmendez", "recovery_user"} <= set(row.split())
    assert "No open tickets." in cli.invoke(main, ["tickets", "--database", url]).output


@pytest.mark.parametrize("fmt", ["txt", "json", "html"])
def test_transcripts_show_redactions_never_the_password(cli: CliRunner, url: str, fmt: str) -> None:
    shown = cli.invoke(main, ["transcript", "1", "--format", fmt, "--database", url])
    assert shown.exit_code == 0, shown.output
    assert PASSWORD not in shown.output
    assert shown.output.count(MARKER) == 2  # the login, and the password typed later
    assert "Ya va en camino" in shown.output and "CMSNRR" in shown.output
    if fmt == "json":
        document = json.loads(shown.output)
        assert sum(e["redacted"] for e in document["events"]) == 1
        assert document["events"][0]["at"].startswith("2026-03-10T09:00:00-06:00")
    else:
        assert "10/03/2026 09:00:00" in shown.output


def test_transcript_of_an_unknown_ticket_fails(cli: CliRunner, url: str) -> None:
    shown = cli.invoke(main, ["transcript", "9", "--database", url])
    assert shown.exit_code == 1 and "No ticket 9" in shown.output


def test_script_without_passwords_has_a_named_placeholder(cli: CliRunner, url: str) -> None:
    made = cli.invoke(main, ["script-from-transcript", "1", "--database", url])
    assert made.exit_code == 0, made.output
    script = yaml.safe_load(made.stdout)
    users = [turn.get("user") for turn in script["turns"]]
    assert "<PASSWORD for mmendez>" in users and PASSWORD not in made.stdout
    assert "Fill in <PASSWORD for mmendez>" in made.stderr
    assert script["handoff"] is True
    assert not any("Ya va en camino" in str(turn) for turn in script["turns"])  # the advisor


def test_a_script_from_a_real_conversation_passes_when_run_back(
    cli: CliRunner, url: str, tmp_path: Path
) -> None:
    path = tmp_path / "case.yaml"
    made = cli.invoke(
        main,
        ["script-from-transcript", "1", "-o", str(path), "--password", f"mmendez={PASSWORD}"],
        env={"DATABASE_URL": url},
    )
    assert made.exit_code == 0, made.output
    script = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert any(str(f).startswith("re:") for turn in script["turns"] for f in turn.get("expect", []))
    assert script["transcript"] == {"not_contains": [PASSWORD]}

    async def replay() -> tuple[bool, str]:
        runner = Runner(tmp_path / "runs")
        (tmp_path / "runs").mkdir()
        try:
            result = await runner.run(path)
        finally:
            runner.close()
        return result.passed, result.report

    passed, report = asyncio.run(replay())
    assert passed, report


def test_a_bad_password_option_is_refused(cli: CliRunner, url: str) -> None:
    made = cli.invoke(
        main, ["script-from-transcript", "1", "--password", "nouser", "--database", url]
    )
    assert made.exit_code == 2 and "USER=PASS" in made.output
