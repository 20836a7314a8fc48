"""Alembic environment. Configured in code by ``bot.storage.migrate``.

The database URL comes from ``config.attributes["database_url"]`` (plain ``sqlite:///`` or
``postgresql://``); the engine is the project's own (``bot.storage.db.build_engine``). A caller
may instead hand over an open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.db import build_engine, is_sqlite
from bot.storage.schema import metadata

config = context.config


def _configure(**kwargs: Any) -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    context.configure(
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=bool(url) and is_sqlite(str(url)),  # SQLite cannot ALTER most things
        **kwargs,
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    _configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
