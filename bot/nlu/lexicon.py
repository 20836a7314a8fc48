"""Loads and compiles ``lexicon.toml`` (the NLU's data) once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.nlu.model import Intent

LEXICON_FILE = Path(__file__).with_name("lexicon.toml")
# Concepts set by code rather than by a regex.
BUILTIN_CONCEPTS = frozenset({"has_serial"})

Condition = tuple[frozenset[str], ...]  # every group needs one of its concepts present


@dataclass(frozen=True, slots=True)
class Rule:
    intent: Intent
    all: Condition
    none: frozenset[str]
    weight: float
    faq: str | None = None

    def holds(self, present: frozenset[str] | set[str]) -> bool:
        if not self.none.isdisjoint(present):
            return False
        return all(not group.isdisjoint(present) for group in self.all)


@dataclass(frozen=True, slots=True)
class Lexicon:
    threshold: float
    weak: frozenset[Intent]
    slang: dict[str, str]
    targets: tuple[str, ...]
    known: frozenset[str]
    concepts: dict[str, re.Pattern[str]]
    rules: tuple[Rule, ...]
    faq_rules: tuple[Rule, ...]
    intent_faq: dict[Intent, str]
    faq_keys: tuple[str, ...]
    products: dict[str, re.Pattern[str]]


def _condition(entries: list[str]) -> Condition:
    return tuple(frozenset(entry.split("|")) for entry in entries)


def _rule(raw: dict[str, object], faq: str | None = None) -> Rule:
    return Rule(
        intent=Intent(str(raw["intent"])),
        all=_condition(list(raw.get("all", []))),  # type: ignore[call-overload]
        none=frozenset(raw.get("none", [])),  # type: ignore[arg-type]
        weight=float(raw["weight"]),  # type: ignore[arg-type]
        faq=faq,
    )


def _check_names(lexicon: Lexicon) -> None:
    names = set(lexicon.concepts) | BUILTIN_CONCEPTS
    for rule in lexicon.rules + lexicon.faq_rules:
        used = set(rule.none).union(*rule.all)
        if unknown := used - names:
            raise ValueError(f"lexicon rule for {rule.intent} names unknown concepts {unknown}")


def _faq_keys(raw: dict[str, object], faq_rules: tuple[Rule, ...]) -> tuple[str, ...]:
    keys = [rule.faq for rule in faq_rules if rule.faq]
    keys += list(raw["faq_only"]["keys"])  # type: ignore[index]
    return tuple(dict.fromkeys(keys))


def load(path: Path = LEXICON_FILE) -> Lexicon:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    faq_rules = tuple(_rule(entry, faq=entry["key"]) for entry in raw["faq"])
    lexicon = Lexicon(
        threshold=float(raw["threshold"]),
        weak=frozenset(Intent(name) for name in raw["weak"]),
        slang=dict(raw["slang"]),
        targets=tuple(dict.fromkeys(raw["vocabulary"]["targets"])),
        known=frozenset(raw["vocabulary"]["known"]),
        concepts={name: re.compile(rx) for name, rx in raw["concepts"].items()},
        rules=tuple(_rule(entry) for entry in raw["rules"]),
        faq_rules=faq_rules,
        intent_faq={Intent(k): v for k, v in raw["intent_faq"].items()},
        faq_keys=_faq_keys(raw, faq_rules),
        products={code: re.compile(rx) for code, rx in raw["products"].items()},
    )
    _check_names(lexicon)
    return lexicon


@cache
def default_lexicon() -> Lexicon:
    return load()
