"""Bringing a database to the newest schema with the Alembic scripts in ``bot/migrations``.

The Alembic config is built in code (no ``alembic.ini``), so this works from an installed
package, a plain script, or a worker thread.
"""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command as alembic
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str) -> None:
    alembic.upgrade(alembic_config(url), "head")


def schema_is_current(url: str) -> bool:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.storage.db import build_engine

    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return current == ScriptDirectory.from_config(alembic_config()).get_current_head()


@click.command(name="migrate")
@click.option(
    "--database", "database", metavar="URL", help="Database URL (wins over DATABASE_URL)."
)
def command(database: str | None) -> None:
    """Create or upgrade the database schema to the newest migration."""
    from bot.bootstrap import settings_for
    from bot.storage.db import safe_url

    settings = settings_for(database)
    upgrade_database(settings.database_url)
    click.echo(f"Database is at the newest schema: {safe_url(settings.database_url)}")
