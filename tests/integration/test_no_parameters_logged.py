"""No SQL parameter reaches a log or an error message: every engine hides them."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.storage.db import Database
from bot.storage.schema import password_resets
from tests.conftest import FIXED_NOW

ROOT = Path(__file__).resolve().parents[2]
ENGINE_FACTORIES = {"create_engine", "create_async_engine", "create_sync_engine"}


def test_every_engine_in_the_project_hides_its_parameters() -> None:
    calls = []
    for folder in ("bot", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ENGINE_FACTORIES:
                    hidden = any(
                        k.arg == "hide_parameters" and getattr(k.value, "value", None) is True
                        for k in node.keywords
                    )
                    calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", hidden))
    assert calls, "no engine found: the scan is broken"
    assert [where for where, hidden in calls if not hidden] == []


def test_a_failed_write_logs_no_parameter(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    secret = "Reset-Code-Tornado-2026x-0123456789"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(IntegrityError) as failure:  # no such account: the foreign key refuses
        with db.begin() as conn:
            conn.execute(
                insert(password_resets).values(
                    account_id=987654,
                    token_hash=secret,
                    expires_at=FIXED_NOW,
                    created_at=FIXED_NOW,
                )
            )
    logging.getLogger("test").exception("write failed", exc_info=failure.value)
    assert secret not in str(failure.value) and secret not in repr(failure.value)
    assert secret not in caplog.text
    assert "hidden due to hide_parameters" in str(failure.value)
