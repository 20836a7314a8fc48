"""Bringing a database to the newest schema with the Alembic scripts in ``bot/migrations``.

The Alembic config is built in code (no ``alembic.ini``), so this works from an installed
package, a plain script, or a worker thread. ``upgrade_database`` runs its own event loop:
from async code, call ``ensure_schema`` instead.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from alembic import command as alembic
from alembic.config import Config

from bot.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str) -> None:
    alembic.upgrade(alembic_config(url), "head")


async def ensure_schema(url: str) -> None:
    await asyncio.to_thread(upgrade_database, url)


@click.command(name="migrate")
@click.option(
    "--database", "database", metavar="URL", help="Database URL (wins over DATABASE_URL)."
)
def command(database: str | None) -> None:
    """Create or upgrade the database schema to the newest migration."""
    settings = Settings().with_database(database)
    upgrade_database(settings.database_url)
    click.echo(f"Database is at the newest schema: {_safe(settings.database_url)}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
