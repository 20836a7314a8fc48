"""The shape of a conversation script (see ``bot/scripts.py``), validated with pydantic.

A mistake in a script is reported with the file, the turn and the field, e.g.
``case_12.yaml: turn 3: expect: Input should be a valid list``, so support staff can fix it
without reading Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ScriptError(Exception):
    """The script itself is wrong (not the bot): unknown key, ambiguous button…"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class Turn(_Strict):
    user: str | None = None  # what the customer types
    press: str | None = None  # a fragment of the label of the one button to press
    restart: bool = False  # rebuild the bot from the database first
    wait: float | None = Field(default=None, ge=0)  # minutes that pass first
    expect: list[str] = []
    expect_not: list[str] = []
    buttons: list[str] = []

    @field_validator("user", "press", mode="before")
    @classmethod
    def _not_a_bare_yes_or_no(cls, value: Any, info: Any) -> Any:
        if isinstance(value, bool):  # YAML reads a bare no/yes/on/off as a boolean
            raise ValueError(f'quote the text, e.g. {info.field_name}: "no"')
        return value


class Email(_Strict):
    to: str
    contains: list[str] = []


class Transcript(_Strict):
    contains: list[str] = []
    not_contains: list[str] = []


class ScriptFile(_Strict):
    name: str | None = None
    dataset: Literal["demo"] = "demo"  # only the demo dataset exists
    turns: list[Turn] = Field(min_length=1)
    emails: list[Email] = []
    no_emails: bool = False
    handoff: bool | None = None  # whether a ticket for an advisor was opened
    transcript: Transcript = Transcript()


def _where(loc: tuple[int | str, ...]) -> str:
    """Where in the script: ``turn 3: expect`` for ``('turns', 2, 'expect')``, ``emails[1].to``
    for ``('emails', 0, 'to')``."""
    if len(loc) >= 2 and loc[0] == "turns" and isinstance(loc[1], int):
        rest = ".".join(str(part) for part in loc[2:])
        return f"turn {loc[1] + 1}" + (f": {rest}" if rest else "")
    parts = [f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in loc]
    return "".join(parts).lstrip(".") or "script"


def describe(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {_where(e['loc'])}: {e['msg']}" for e in error.errors()]
    return "\n".join(lines)


def load_script(path: Path) -> ScriptFile:
    """Read and validate one script; ``ScriptError`` names the file, the turn and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ScriptError(f"{path}: not YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ScriptError(f"{path}: a script is a mapping with 'turns'")
    try:
        return ScriptFile.model_validate(raw)
    except ValidationError as error:
        raise ScriptError(describe(path, error)) from error
