from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main


def test_one_json_object_per_line() -> None:
    lines = "hola\nreenvíame el cda clsnrr 123456\n"
    result = CliRunner().invoke(main, ["understand"], input=lines)
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["intent"] == "greeting" and first["product"] is None
    assert second == {
        "intent": "resend_cda",
        "product": "COI",
        "serial": "CLSNRR123456",
        "confidence": second["confidence"],
        "faq": None,
        "ranked": second["ranked"],
        "also": None,
    }
    assert 0 <= second["confidence"] <= 1
    assert second["ranked"][0] == ["resend_cda", second["confidence"]]
    assert len(second["ranked"]) == 3


def test_evaluate_prints_the_figures(tmp_path: Path) -> None:
    data = tmp_path / "set.jsonl"
    rows = [
        {"text": "olvidé mi contraseña", "intent": "forgot_password", "faq": "faq-forgot-password"},
        {"text": "actualizar mi nómina", "intent": "upgrade_serial", "product": "NOI"},
    ]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = CliRunner().invoke(main, ["understand", "--evaluate", str(data)])
    assert result.exit_code == 0, result.output
    for expected in [
        "precision",
        "recall",
        "intent accuracy:  100.0%",
        "product accuracy: 100.0%",
        "serial accuracy:  100.0%",
        "confusion",
        "timing per message",
    ]:
        assert expected in result.output


def test_no_failures_listed_for_the_blind_set(tmp_path: Path) -> None:
    blind = tmp_path / "blind"
    blind.mkdir()
    (blind / "set.yaml").write_text("- {text: hola, intent: greeting}\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["understand", "--evaluate", str(blind), "--failures"])
    assert refused.exit_code != 0 and "aggregate only" in refused.output
    result = CliRunner().invoke(main, ["understand", "--evaluate", str(blind)])
    assert result.exit_code == 0 and "hola" not in result.output
