"""Every message id used in code exists, none is orphaned, and placeholders match.

Message ids are hyphenated lower-case names (``upgrade-done``); code names them as string
literals. The scan reads every ``bot/`` module's syntax tree: each hyphenated literal must be a
message, each message must be named somewhere, and where a call passes a literal id with
keyword arguments, those must be exactly the message's variables.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from fluent.syntax import FluentParser
from fluent.syntax import ast as fast
from fluent.syntax.visitor import Visitor

ROOT = Path(__file__).resolve().parents[2]
ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
NOT_MESSAGES = {"utf-8", "test-script", "script-from-transcript"}  # literals that are not ids
# keyword arguments of the calls that format messages which are not message variables
CALL_OPTIONS = {"buttons", "secret", "keep"}


class _Variables(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_VariableReference(self, node: fast.VariableReference) -> None:  # noqa: N802
        self.names.add(node.id.name)


class _References(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_MessageReference(self, node: fast.MessageReference) -> None:  # noqa: N802
        self.names.add(node.id.name)


def _resources() -> list[tuple[str, fast.Resource]]:
    return [
        (path.name, FluentParser().parse(path.read_text(encoding="utf-8")))
        for path in sorted((ROOT / "locales" / "es").glob("*.ftl"))
    ]


def referenced_in_locales() -> set[str]:
    """Messages that other messages embed, like ``{ aspel-phone }``."""
    visitor = _References()
    for _name, resource in _resources():
        visitor.visit(resource)
    return visitor.names


def messages() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, resource in _resources():
        junk = [entry for entry in resource.body if isinstance(entry, fast.Junk)]
        assert not junk, f"{name}: syntax error near {junk[0].content[:80]!r}"
        for entry in resource.body:
            if isinstance(entry, fast.Message):
                assert entry.id.name not in found, f"duplicate message {entry.id.name}"
                visitor = _Variables()
                visitor.visit(entry)
                found[entry.id.name] = visitor.names
    return found


def literals() -> dict[str, list[str]]:
    """Hyphenated string literals in bot/, with where they stand."""
    where: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if ID.match(node.value) and node.value not in NOT_MESSAGES:
                    where.setdefault(node.value, []).append(f"{path.name}:{node.lineno}")
    return where


def calls_with_literal_ids() -> list[tuple[str, set[str], str]]:
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or any(k.arg is None for k in node.keywords):
                continue
            ids = [
                a.value
                for a in node.args[:2]
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and ID.match(a.value)
            ]
            if len(ids) == 1:
                names = {k.arg for k in node.keywords if k.arg} - CALL_OPTIONS
                found.append((ids[0], names, f"{path.name}:{node.lineno}"))
    return found


def test_every_id_named_in_code_exists() -> None:
    known = messages()
    missing = {name: where for name, where in literals().items() if name not in known}
    missing |= {name: ["bot/**/*.toml"] for name in named_in_data() if name not in known}
    assert not missing, f"ids used in code but missing from locales/es: {missing}"


def named_in_data() -> set[str]:
    """Ids that data files of the package name (the NLU lexicon names its FAQ answers)."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str) and ID.match(value):
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted((ROOT / "bot").rglob("*.toml")):
        walk(tomllib.loads(path.read_text(encoding="utf-8")))
    return found


def test_no_message_is_orphaned() -> None:
    used = set(literals()) | referenced_in_locales() | named_in_data()
    orphans = sorted(name for name in messages() if name not in used)
    assert not orphans, f"messages no code names: {orphans}"


def test_references_between_messages_resolve() -> None:
    known = messages()
    dangling = sorted(name for name in referenced_in_locales() if name not in known)
    assert not dangling, f"messages referenced from locales but missing: {dangling}"


def test_placeholders_match() -> None:
    known = messages()
    wrong = [
        f"{where}: {name} gets {sorted(given)}, expects {sorted(known[name])}"
        for name, given, where in calls_with_literal_ids()
        if name in known and given != known[name]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_spanish_in_python() -> None:
    accented = re.compile(r"[¿¡áéíóúñÁÉÍÓÚÑ]")
    hits = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if accented.search(node.value):
                    hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not hits, f"Spanish text in Python (move it to locales/es/): {hits}"
