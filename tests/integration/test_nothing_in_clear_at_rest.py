"""After full journeys (password reset with the code, login, upgrade, CDA resend, and a password
typed at the user-name step then /asesor), the raw database files hold no password and no reset
code, and the CDA only in its own contract: SQLite's file and its -wal (page by page, mapped to
tables with ``dbstat``); PostgreSQL's table files after CHECKPOINT, and its WAL. The ticket's
transcript shows no password in any of its three formats."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from bot.bootstrap import App, build
from bot.demo import DEMO_CDAS
from bot.handoff.transcript import command as transcript_command
from bot.settings import Settings
from bot.storage import schema
from tests.conftest import TEST_DATA_KEY
from tests.conversation.conftest import Chat
from tests.secret_paths import reset_codes

CDA_SERIAL = "PHSNLM552019"


@pytest.fixture
async def app(database_url: str, clock, hasher, tmp_path) -> AsyncIterator[App]:
    settings = Settings(
        database_url=database_url, outbox_dir=tmp_path / "outbox", data_keys=TEST_DATA_KEY
    )
    app = await build(settings, clock=clock, hasher=hasher, migrate=False)
    yield app
    await app.aclose()


async def _journeys(app: App) -> tuple[str, str, int]:
    """The password set by the reset, the reset code used, and the ticket opened."""
    password = f"Tornado-{uuid.uuid4().hex[:10]}X"  # this test's own: no other test types it
    chat = Chat(app, "test:at-rest")
    await chat.send("/start")
    await chat.press("Olvidé mi contraseña")
    await chat.send("mmendez")
    code = reset_codes(app)[-1]
    await chat.send(code)
    await chat.send(password)
    assert "contraseña" in chat.text and chat.outcome.state == "menu", chat.text
    await chat.login(password=password)  # and the upgrade
    await chat.press("Suscripciones")
    await chat.press("CLSNRR123456")
    await chat.press("Aceptar")
    await chat.send("/start")
    await chat.press("CDA")
    await chat.press("Suscripciones")
    await chat.press(CDA_SERIAL)
    await chat.press("Reenviar CDA")
    assert "Enviado" in chat.text, chat.text
    await chat.send("/salir")
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send(password)  # the common slip: the password where the user name goes
    assert chat.outcome.delete_inbound
    await chat.send("/asesor")
    assert chat.outcome.ticket_id is not None
    assert await app.relay.run_once() >= 4  # reset, changed, upgrade, CDA: sent, bodies dropped
    return password, code, chat.outcome.ticket_id


def _transcripts(url: str, ticket: int) -> str:
    runner = CliRunner()
    shown = []
    for fmt in ("txt", "json", "html"):
        args = [str(ticket), "--format", fmt, "--database", url]
        result = runner.invoke(transcript_command, args)
        assert result.exit_code == 0, result.output
        assert "asesor" in result.output.lower()
        shown.append(result.output)
    return "\n".join(shown)


def _sqlite_pages(path: Path) -> dict[str, list[int]]:
    """Page numbers (1-based) per table of the file (indexes count as their table's)."""
    with sqlite3.connect(path) as conn:
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
        owner["sqlite_schema"] = owner["sqlite_master"] = "sqlite_schema"
        rows = conn.execute("SELECT name, pageno FROM dbstat").fetchall()
    pages: dict[str, list[int]] = {}
    for name, page in rows:
        pages.setdefault(owner.get(name, name), []).append(page)
    return pages


def _hits(data: bytes, needle: bytes, page_size: int, offset: int = 0, frame: int = 0) -> set[int]:
    """Pages holding ``needle``: of the file (``frame`` 0) or of the WAL's frames."""
    found, start = set(), 0
    while (at := data.find(needle, start)) >= 0:
        start = at + 1
        if frame:
            index = (at - offset) // frame
            header = offset + index * frame
            found.add(int.from_bytes(data[header : header + 4], "big"))
        else:
            found.add(at // page_size + 1)
    return found


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_nothing_in_clear_in_the_sqlite_files(app: App, database_url: str) -> None:
    password, code, ticket = await _journeys(app)
    shown = _transcripts(database_url, ticket)
    assert password not in shown and code not in shown
    _check_sqlite_files(Path(make_url(database_url).database or ""), password, code)
    with app.db.engine.connect() as conn:  # set on every connection, whatever the build's default
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1


def _check_sqlite_files(path: Path, password: str, code: str) -> None:
    wal_path = Path(f"{path}-wal")
    assert wal_path.exists()
    wal, main = wal_path.read_bytes(), path.read_bytes()
    page_size = int.from_bytes(main[16:18], "big") or 65536
    for secret in (password, code):
        assert secret.encode() not in main and secret.encode() not in wal, secret
    cda = DEMO_CDAS[CDA_SERIAL].encode()
    contracts = set(_sqlite_pages(path)["contracts"])
    frame = 24 + page_size
    elsewhere = (_hits(main, cda, page_size) | _hits(wal, cda, page_size, 32, frame)) - contracts
    assert not elsewhere, f"the CDA on pages {elsewhere}, not the contracts table's"


def _postgres_files(url: str) -> tuple[Path, dict[str, list[Path]]]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        data = Path(conn.execute("SHOW data_directory").fetchone()[0])  # type: ignore[index]
        files: dict[str, list[Path]] = {}
        for table in schema.metadata.sorted_tables:
            rows = conn.execute(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c"
                " WHERE c.oid = %(t)s::regclass OR c.oid = (SELECT reltoastrelid FROM pg_class"
                " WHERE oid = %(t)s::regclass) OR c.oid IN (SELECT indexrelid FROM pg_index"
                " WHERE indrelid = %(t)s::regclass)",
                {"t": table.name},
            ).fetchall()
            files[table.name] = [data / r[0] for r in rows if r[0]]
    return data, files


def _read_all(path: Path) -> bytes:
    """A relation's segments (``16384``, ``16384.1``…) and its free-space map, together."""
    parts = sorted(path.parent.glob(f"{path.name}*"))
    return b"".join(p.read_bytes() for p in parts)


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_nothing_in_clear_in_the_postgres_files(app: App, database_url: str) -> None:
    password, code, ticket = await _journeys(app)
    shown = _transcripts(database_url, ticket)
    assert password not in shown and code not in shown
    _check_postgres_files(database_url, password, code)


def _check_postgres_files(database_url: str, password: str, code: str) -> None:
    data, files = _postgres_files(database_url)
    if not os.access(data, os.R_OK | os.X_OK):
        pytest.skip(f"the server's data directory {data} is not readable here")
    cda = DEMO_CDAS[CDA_SERIAL].encode()
    for table, paths in files.items():
        assert paths, table
        raw = b"".join(_read_all(p) for p in paths)
        for secret in (password.encode(), code.encode()):
            assert secret not in raw, (table, secret)
        if table != "contracts":
            assert cda not in raw, table
    wal = data / "pg_wal"
    for segment in sorted(p for p in wal.iterdir() if p.is_file() and len(p.name) == 24):
        raw = segment.read_bytes()
        assert password.encode() not in raw and code.encode() not in raw, segment.name
