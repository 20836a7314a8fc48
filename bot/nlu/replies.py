"""Loose answers at the bot's questions: ``yes_no`` at a confirmation, ``choose`` among the
options offered. Pure functions over the phrases of ``replies.toml``; they return ``None``
when unsure, and the engine asks again.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz

from bot.nlu.lexicon import default_lexicon
from bot.nlu.normalize import words

REPLIES_FILE = Path(__file__).with_name("replies.toml")
MAX_CHARS = 300  # an answer to a question is short; past this it is read as no answer
FUZZY_MIN = 88  # rapidfuzz ratio for a typed-wrong synonym of 6+ letters ("suscrpcion")

Phrase = tuple[str, ...]
Answer = Literal["yes", "no"]


def _phrase(text: str) -> Phrase:
    lexicon = default_lexicon()
    return tuple(words(text, lexicon.slang, lexicon.phrases)[0])


def _words(text: str) -> list[str]:
    lexicon = default_lexicon()
    return words(text[:MAX_CHARS], lexicon.slang, lexicon.phrases)[0]


def stem(word: str) -> str:
    """A light Spanish stem: plural, then final vowel ("compradas", "comprado" -> "comprad")."""
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    if len(word) > 4 and word[-1] in "aeo":
        word = word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class Replies:
    kinds: dict[Phrase, str]  # phrase -> "yes" | "no" | "unsure" | "neutral"
    longest: int
    max_words: int
    but: frozenset[str]
    negations: frozenset[str]
    places: tuple[tuple[int, frozenset[Phrase]], ...]  # option index (-1: last) -> phrases
    options: dict[str, dict[str, tuple[str, ...]]]


@cache
def replies(path: Path = REPLIES_FILE) -> Replies:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    yes_no, choose_raw = raw["yes_no"], raw["choose"]
    kinds: dict[Phrase, str] = {}
    for kind in ("neutral", "unsure", "no", "yes"):
        for text in yes_no[kind]:
            kinds[_phrase(text)] = kind
    kinds.pop((), None)  # a phrase of words that fold to nothing
    places = tuple(
        (index, frozenset(_phrase(t) for t in choose_raw[name]))
        for index, name in ((0, "first"), (1, "second"), (2, "third"), (-1, "last"))
    )
    return Replies(
        kinds=kinds,
        longest=max(map(len, kinds)),
        max_words=int(yes_no["max_words"]),
        but=frozenset(yes_no["but"]),
        negations=frozenset(stem(w) for text in choose_raw["negations"] for w in _phrase(text)),
        places=places,
        options={
            name: {option: tuple(synonyms) for option, synonyms in entry.items()}
            for name, entry in raw["options"].items()
        },
    )


def options(name: str) -> dict[str, tuple[str, ...]]:
    """A set of options with their synonyms from ``replies.toml``, for ``choose``:
    ``choose(text, options("modality"))`` -> ``"Suscripciones"``, ``"Licenciamiento"``."""
    return dict(replies().options[name])


def _kinds(found: list[str], data: Replies) -> list[str]:
    """The kinds of the phrases found in order, longest phrase first; other words: "other"."""
    out, i = [], 0
    while i < len(found):
        for n in range(min(data.longest, len(found) - i), 0, -1):
            kind = data.kinds.get(tuple(found[i : i + n]))
            if kind is not None:
                out.append(kind)
                i += n
                break
        else:
            out.append("other" if found[i] not in data.but else "but")
            i += 1
    return out


def yes_no(text: str) -> Answer | None:
    """``"va, dale"`` -> ``"yes"``; ``"todavia no, luego"`` -> ``"no"``; ``"no se"`` -> ``None``.

    Every yes/no phrase of the answer must agree (after a "pero", only what follows counts);
    an unsure phrase, a disagreement, no phrase at all or a long message gives ``None``.
    """
    data = replies()
    found = _words(text)
    if not found or len(found) > data.max_words or len(text) > MAX_CHARS:
        return None
    kinds = _kinds(found, data)
    if "but" in kinds:
        last = len(kinds) - 1 - kinds[::-1].index("but")
        after = kinds[last + 1 :]
        kinds = after if {"yes", "no", "unsure"} & set(after) else kinds[:last]
    if "unsure" in kinds:
        return None
    said = {kind for kind in kinds if kind in ("yes", "no")}
    if len(said) != 1 or kinds.count("other") > 2 * len(kinds) // 3:
        return None
    return "yes" if said == {"yes"} else "no"


def choose(text: str, options: Mapping[str, Sequence[str]]) -> str | None:
    """The one option the text picks, from each option's synonyms (and its own name), else
    ``None``: ``choose("la de renta", options("modality"))`` -> ``"Suscripciones"``.

    A synonym counts when its words (stemmed) appear in order, or, from 6 letters on, when it
    is typed a little wrong; one preceded by a negation ("no la de renta") rules its option
    out. With no synonym found, "la primera" / "la segunda" / "la ultima" pick by place.
    """
    data = replies()
    found = [stem(w) for w in _words(text)]
    if not found or not options:
        return None
    scores: dict[str, float] = {}
    ruled_out: set[str] = set()
    for option, synonyms in options.items():
        for synonym in (option, *synonyms):
            wanted = [stem(w) for w in _phrase(synonym)]
            if not wanted:
                continue
            score, negated = _match(found, wanted, data.negations)
            if negated:
                ruled_out.add(option)
            elif score > scores.get(option, 0.0):
                scores[option] = score
    live = {option: s for option, s in scores.items() if option not in ruled_out}
    if live:
        best = max(live.values())
        winners = [option for option, s in live.items() if s == best]
        return winners[0] if len(winners) == 1 else None
    remaining = [option for option in options if option not in ruled_out]
    if len(remaining) == 1 and ruled_out:
        return remaining[0]  # "no, la de licencia no": the other one
    return _by_place(found, list(options), data)


def _match(found: list[str], wanted: list[str], negations: frozenset[str]) -> tuple[float, bool]:
    """(score, negated): 1 + length for an exact run of the words, 0.5 for a near miss."""
    n = len(wanted)
    for start in range(len(found) - n + 1):
        if found[start : start + n] == wanted:
            before = found[max(0, start - 3) : start]
            return 1.0 + n, bool(negations & set(before))
    joined = " ".join(wanted)
    if len(joined) >= 6:
        for start in range(len(found) - n + 1):
            if fuzz.ratio(" ".join(found[start : start + n]), joined) >= FUZZY_MIN:
                before = found[max(0, start - 3) : start]
                return 0.5, bool(negations & set(before))
    return 0.0, False


def _by_place(found: list[str], names: list[str], data: Replies) -> str | None:
    picked = set()
    for index, phrases in data.places:
        for phrase in phrases:
            wanted = [stem(w) for w in phrase]
            if wanted and _match(found, wanted, frozenset())[0] >= 1.0:
                if -len(names) <= index < len(names):
                    picked.add(names[index])
    return picked.pop() if len(picked) == 1 else None
