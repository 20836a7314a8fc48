"""transitions logs several INFO lines per trigger: silent (WARNING) unless LOG_LEVEL=DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

import bot.fsm  # noqa: F401  (importing the machine sets the level)
from bot.logs import configure_logging
from bot.settings import Settings

TRANSITIONS = logging.getLogger("transitions")


@pytest.fixture(autouse=True)
def restore_levels() -> Iterator[None]:
    root, ours = logging.getLogger().level, TRANSITIONS.level
    yield
    logging.getLogger().setLevel(root)
    TRANSITIONS.setLevel(ours)


def test_the_machine_logs_warnings_only_by_default() -> None:
    configure_logging(Settings(_env_file=None))
    assert TRANSITIONS.getEffectiveLevel() == logging.WARNING


def test_debug_asks_for_its_lines() -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    configure_logging(Settings(_env_file=None, log_level="DEBUG"))
    assert TRANSITIONS.getEffectiveLevel() == logging.INFO
