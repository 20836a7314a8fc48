"""Shared fixtures: a fixed clock, a cheap Argon2 hasher, the Spanish templates, and a migrated,
demo-loaded database per test for each backend (``backend`` is "sqlite" or "postgres").

PostgreSQL comes from TEST_DATABASE_URL (a server where the user may CREATE DATABASE); unset, its
tests skip, unless REQUIRE_POSTGRES=1 makes that a failure. Each backend's database is built once
per session as a template and cloned per test (file copy / CREATE DATABASE … TEMPLATE).

Every test gets one tier marker (``pytest -m unit|integration|e2e|slow``), from where it lives
and what it uses; see ``pytest_collection_modifyitems``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.demo import load_demo
from bot.domain.passwords import Argon2Hasher
from bot.i18n import Translator
from bot.storage.db import Database
from bot.storage.migrate import upgrade_database

FIXED_NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
# The tests' DATA_KEYS (a Fernet key; SQLite alone would make one beside the file).
TEST_DATA_KEY = "u5Rqf0Xx0S7VjNfl0m5zG3m2a7H0o1i9QyYp4yV0a8Q="

TIERS = ("unit", "integration", "e2e", "slow")
# Whole folders or files of one tier (relative to tests/). The slow tier is the load run.
SLOW = ("scale/test_load.py",)
END_TO_END = ("telegram/", "scale/", "test_conversation_scripts.py", "conversation/test_terminal")
INTEGRATION = ("integration/", "mail/", "bench/")
# A test using one of these fixtures touches a real database (SQLite file or PostgreSQL).
STORAGE_FIXTURES = {"database_url", "db", "backend", "sqlite_template", "postgres_template"}
TESTS = Path(__file__).resolve().parent


def tier_of(item: pytest.Item) -> str:
    """A test marked with a tier keeps it; otherwise by folder, then by its fixtures."""
    for tier in TIERS:
        if item.get_closest_marker(tier) is not None:
            return tier
    where = Path(str(item.fspath)).resolve().relative_to(TESTS).as_posix()
    if where.startswith(SLOW):
        return "slow"
    if where.startswith(END_TO_END):
        return "e2e"
    if where.startswith(INTEGRATION) or STORAGE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "integration"
    return "unit"


@pytest.hookimpl(tryfirst=True)  # before -m deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(tier_of(item))


class FixedClock:
    """Stands still until told: ``clock.advance(minutes=5)``."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def hasher() -> Argon2Hasher:
    return Argon2Hasher.cheap()


@pytest.fixture(scope="session")
def templates() -> Translator:
    return Translator()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    pytest.skip("TEST_DATABASE_URL not set")


def _prepare(url: str, hasher: Argon2Hasher) -> None:
    """Migrate and load the demo."""
    upgrade_database(url)
    db = Database(url)
    try:
        load_demo(db, hasher, FIXED_NOW.date())
    finally:
        db.dispose()


def _admin(url: str, sql: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, hasher: Argon2Hasher) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.db"
    _prepare(f"sqlite:///{path}", hasher)
    return path


@pytest.fixture(scope="session")
def postgres_template(hasher: Argon2Hasher) -> Iterator[str]:
    server = _postgres_url()
    name = f"aspel_tpl_{uuid.uuid4().hex[:8]}"
    _admin(server, f"CREATE DATABASE {name}")
    _prepare(make_url(server).set(database=name).render_as_string(hide_password=False), hasher)
    yield name
    _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database holding the demo dataset (loaded for ``FIXED_NOW``), this test's own."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "bot.db")
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    server = _postgres_url()
    template = request.getfixturevalue("postgres_template")
    name = f"aspel_t_{uuid.uuid4().hex[:10]}"
    _admin(server, f"CREATE DATABASE {name} TEMPLATE {template}")
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    db = Database(database_url, data_keys=TEST_DATA_KEY)
    yield db
    db.dispose()
