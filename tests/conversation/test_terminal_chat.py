"""``printf … | aspel-bot chat`` on a fresh folder: the COI upgrade, scripted, no secret echoed."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

PASSWORD = "Aspel-Demo-2026"


def _chat(folder: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=60,
        check=True,
    )


def test_scripted_terminal_chat_upgrades_coi_without_echoing_the_password(tmp_path: Path) -> None:
    # /start, 1 upgrade, user, password, 1 Suscripciones, 2 COI (list is by name), 1 Aceptar
    done = _chat(tmp_path, ["/start", "1", "mmendez", PASSWORD, "1", "2", "1"])
    new_serial = re.search(r"serie nuevo: (\S+)", done.stdout)
    assert new_serial and new_serial.group(1).startswith("CM"), done.stdout
    assert "\x1b[" not in done.stdout  # plain text when not a terminal
    assert PASSWORD not in done.stdout + done.stderr
    with sqlite3.connect(tmp_path / "bot.db") as db:
        for (table,) in db.execute("select name from sqlite_master where type='table'"):
            assert PASSWORD not in repr(db.execute(f"select * from {table}").fetchall()), table
    mails = list((tmp_path / "outbox").glob("*.eml"))
    assert len(mails) == 1 and new_serial.group(1) in mails[0].read_text(encoding="utf-8")


def test_chat_resumes_where_it_was_after_the_process_exits(tmp_path: Path) -> None:
    _chat(tmp_path, ["/start", "1", "mmendez", PASSWORD, "1", "2"])  # stops at the terms
    done = _chat(tmp_path, ["Aceptar"])
    assert "serie nuevo: CM" in done.stdout
