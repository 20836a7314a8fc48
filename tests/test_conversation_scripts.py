"""Every conversation script of tests/conversations, on every channel (terminal, Telegram)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.scripts import Runner, Script, ScriptError, collect

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


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("turns:\n  - user: /start\n  - user: hola\n    expect: Bienvenido\n", "turn 2: expect"),
        ("turns:\n  - user: /start\n  - press: no\n", "turn 2: press: Value error, quote the text"),
        ("turns:\n  - user: /start\n    expct: [hola]\n", "turn 1: expct: Extra inputs"),
        ("turns:\n  - wait: -5\n", "turn 1: wait: Input should be greater than or equal to 0"),
        ("turns: []\n", "turns: List should have at least 1 item"),
        ("dataset: prod\nturns:\n  - user: hola\n", "dataset: Input should be 'demo'"),
        ("turns:\n  - user: hola\nemails: [{contains: [CMSN]}]\n", "emails[1].to: Field required"),
        ("- just a list\n", "a script is a mapping with 'turns'"),
    ],
)
def test_a_wrong_script_names_the_file_the_turn_and_the_field(
    tmp_path: Path, text: str, named: str
) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScriptError) as caught:
        Script.load(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert named in str(caught.value)
