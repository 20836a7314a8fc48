"""Every conversation script of tests/conversations, on every channel (terminal, Telegram)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.scripts import Runner, collect

SCRIPTS = collect([Path(__file__).parent / "conversations"])
CHANNELS = ["terminal", "telegram"]


@pytest.fixture(scope="session")
def runner() -> Iterator[Runner]:
    runner = Runner()  # the demo database is built once, copied per script
    yield runner
    runner.close()


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("script", SCRIPTS, ids=[path.stem for path in SCRIPTS])
async def test_script(runner: Runner, script: Path, channel: str) -> None:
    result = await runner.run(script, channel)
    if not result.passed:
        pytest.fail(f"[{channel}] {result.script} ({script}):\n{result.report}", pytrace=False)
