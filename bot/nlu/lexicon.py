"""Loads and compiles ``lexicon.toml`` (slang, vocabulary, keyword concepts, FAQ rules) once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.nlu.model import Intent
from bot.nlu.normalize import Phrases, phrase_table

LEXICON_FILE = Path(__file__).with_name("lexicon.toml")
# Concepts set by code rather than by a regex.
BUILTIN_CONCEPTS = frozenset({"has_serial"})

Condition = tuple[frozenset[str], ...]  # every group needs one of its concepts present


@dataclass(frozen=True, slots=True)
class FaqRule:
    key: str  # the Fluent id of the answer
    intent: Intent  # the intent the answer goes with
    all: Condition
    none: frozenset[str]

    def holds(self, present: frozenset[str] | set[str]) -> bool:
        if not self.none.isdisjoint(present):
            return False
        return all(not group.isdisjoint(present) for group in self.all)


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: one per file loaded
class Lexicon:
    slang: dict[str, str]  # [slang] and [english]
    phrases: Phrases
    targets: tuple[str, ...]
    known: frozenset[str]
    concepts: dict[str, re.Pattern[str]]
    faq_rules: tuple[FaqRule, ...]
    intent_faq: dict[Intent, str]
    faq_keys: tuple[str, ...]


def _condition(entries: list[str]) -> Condition:
    return tuple(frozenset(entry.split("|")) for entry in entries)


def _faq_rule(raw: dict[str, Any]) -> FaqRule:
    return FaqRule(
        key=str(raw["key"]),
        intent=Intent(str(raw["intent"])),
        all=_condition(list(raw.get("all", []))),
        none=frozenset(raw.get("none", [])),
    )


def _check_names(lexicon: Lexicon) -> None:
    names = set(lexicon.concepts) | BUILTIN_CONCEPTS
    for rule in lexicon.faq_rules:
        used = set(rule.none).union(*rule.all)
        if unknown := used - names:
            raise ValueError(f"lexicon rule for {rule.key} names unknown concepts {unknown}")


def load(path: Path = LEXICON_FILE) -> Lexicon:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    faq_rules = tuple(_faq_rule(entry) for entry in raw["faq"])
    keys = [rule.key for rule in faq_rules] + list(raw["faq_only"]["keys"])
    lexicon = Lexicon(
        slang={**raw["slang"], **raw.get("english", {})},
        phrases=phrase_table(raw.get("phrases", {})),
        targets=tuple(dict.fromkeys(raw["vocabulary"]["targets"])),
        known=frozenset(raw["vocabulary"]["known"]),
        concepts={name: re.compile(rx) for name, rx in raw["concepts"].items()},
        faq_rules=faq_rules,
        intent_faq={Intent(k): v for k, v in raw["intent_faq"].items()},
        faq_keys=tuple(dict.fromkeys(keys)),
    )
    _check_names(lexicon)
    return lexicon


@cache
def default_lexicon() -> Lexicon:
    return load()
