"""The flow as data: every state can be shown, every trigger the steps fire exists."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.conversation.screens import SCREENS
from bot.diagram import FLOW_FILE, document
from bot.fsm import BACK, MACHINE, State

ROOT = Path(__file__).resolve().parents[2]
COMMITTED_FLOW = ROOT / FLOW_FILE


def test_every_state_has_a_prompt() -> None:
    assert set(SCREENS) == set(State)


def test_every_trigger_the_steps_fire_exists() -> None:
    source = (ROOT / "bot" / "conversation" / "steps.py").read_text(encoding="utf-8")
    fired = {
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "Step"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    fired |= {"back", "start", "cancel", "logout", "help", "advisor", "leave_handoff"}
    assert fired <= set(MACHINE.events), fired - set(MACHINE.events)


def test_back_leads_somewhere_from_every_journey_step() -> None:
    for state in BACK:
        assert state.name in MACHINE.events["back"].transitions


def test_the_committed_flow_diagram_is_current() -> None:
    assert COMMITTED_FLOW.read_text(encoding="utf-8") == document(), "run: aspel-bot diagram"


def test_diagram_writes_under_the_working_folder_or_out(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from bot.diagram import command

    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(command, []).exit_code == 0
    assert (tmp_path / "docs" / "flow.md").read_text(encoding="utf-8") == document()
    assert CliRunner().invoke(command, ["--out", "elsewhere/flow.md"]).exit_code == 0
    assert (tmp_path / "elsewhere" / "flow.md").read_text(encoding="utf-8") == document()
