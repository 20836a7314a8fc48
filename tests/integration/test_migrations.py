"""The Alembic head builds exactly the tables of bot/storage/schema.py, on both backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from bot.storage.db import is_sqlite
from bot.storage.migrate import alembic_config, upgrade_database
from bot.storage.schema import metadata


def _sync_url(url: str) -> str:
    parsed = make_url(url)
    driver = "sqlite" if is_sqlite(url) else "postgresql+psycopg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def test_head_matches_schema_metadata(database_url: str) -> None:
    engine = create_sync_engine(_sync_url(database_url), hide_parameters=True)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            assert context.get_current_revision() == _head()
            assert set(inspect(conn).get_table_names()) >= set(metadata.tables)
    finally:
        engine.dispose()


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_upgrade_is_idempotent(database_url: str) -> None:
    upgrade_database(database_url)
    upgrade_database(database_url)


def test_upgrade_from_a_plain_script(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = f"from bot.storage.migrate import upgrade_database; upgrade_database({url!r})"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    upgrade_database(url)  # and again, in this process: nothing to do
    engine = create_sync_engine(_sync_url(url), hide_parameters=True)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == set(metadata.tables) | {"alembic_version"}
    engine.dispose()
