"""A message as the classifier sees it: words, word pairs, letter n-grams and concepts.

Training (``bot/nlu/train.py``, scikit-learn) and inference (``bot/nlu/classifier.py``,
numpy) call the same ``features`` function, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from bot.nlu.extract import find_serial, mask_serials
from bot.nlu.lexicon import Lexicon, default_lexicon
from bot.nlu.normalize import MAX_CHARS, Corrector, fold, normalize_words, words


@dataclass(frozen=True, slots=True)
class Spec:
    """Which features; stored with the trained weights (``classifier.json``)."""

    chars: tuple[int, int] = (2, 5)  # letter n-grams of each word, padded with spaces
    words: int = 2  # word n-grams up to this length
    concepts: int = 5  # each lexicon concept present counts this many times
    edges: bool = False  # the first and last word, and a length bucket, as their own features
    marks: bool = False  # a question mark, an exclamation
    faq: int = 3  # the FAQ rule that holds (lexicon.toml), counted this many times

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Spec:
        low, high = raw["chars"]
        return cls(
            (int(low), int(high)),
            int(raw["words"]),
            int(raw["concepts"]),
            bool(raw.get("edges", False)),
            bool(raw.get("marks", False)),
            int(raw.get("faq", 0)),
        )


@dataclass(frozen=True, slots=True)
class Reading:
    """One message, read once: what both the classifier and the extractors need."""

    words: list[str]  # folded, slang spelled out, serials as one word
    typed: list[str]  # the same tokens as typed (case kept), for the product names
    concepts: frozenset[str]  # the lexicon concepts present
    normalized: str  # the lexicon's form (typos corrected), for the concepts' positions
    serial: str | None
    marks: frozenset[str] = frozenset()  # "?" and "!" when the message has them
    faq: str | None = None  # the first FAQ rule of the lexicon that holds
    folded: str = ""  # the text as ASCII (first MAX_CHARS characters), case kept


@cache
def _corrector(lexicon: Lexicon) -> Corrector:
    return Corrector(lexicon.slang, lexicon.targets, lexicon.known)


def read(text: str, lexicon: Lexicon | None = None) -> Reading:
    lexicon = lexicon or default_lexicon()
    serial = find_serial(text)
    masked = mask_serials(text)
    folded, typed = words(masked, lexicon.slang, lexicon.phrases)
    ascii_text = fold(text)
    normalized = normalize_words(folded, _corrector(lexicon))
    present = {name for name, rx in lexicon.concepts.items() if rx.search(normalized)}
    if serial:
        present.add("has_serial")
    marks = frozenset(mark for mark in "?!" if mark in text[:MAX_CHARS])
    faq = next((rule.key for rule in lexicon.faq_rules if rule.holds(present)), None)
    return Reading(folded, typed, frozenset(present), normalized, serial, marks, faq, ascii_text)


def features(reading: Reading, spec: Spec) -> list[str]:
    found = []
    tokens = reading.words
    for n in range(1, spec.words + 1):
        found += ["w:" + " ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    low, high = spec.chars
    for word in tokens:
        padded = f" {word} "
        for n in range(low, high + 1):
            found += [padded[i : i + n] for i in range(len(padded) - n + 1)]  # no prefix: speed
    for name in sorted(reading.concepts):
        found += ["k:" + name] * spec.concepts
    if spec.edges and tokens:
        found += ["^" + tokens[0], "$" + tokens[-1], f"n:{min(len(tokens), 8)}"]
    if spec.faq and reading.faq:
        found += ["f:" + reading.faq] * spec.faq
    if spec.marks:
        found += ["m:" + mark for mark in sorted(reading.marks)]
    return found
