"""Which product a message names: the nicknames of ``bot/domain/catalogue.toml``, as data.

Phrases are matched token by token on the folded message (see ``normalize.words``), so
"Punto d Venta" matches ``punto de venta``. ``#`` in a phrase is any number; a phrase written
in capitals (``BANCO``) matches only where it was typed in capitals, in a message that is not
all capitals. A nickname inside a ``not_meant`` phrase of its product ("en caja") does not
count, unless the nickname's match covers that phrase.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.domain.catalogue import CATALOGUE_FILE, default_catalogue

Span = tuple[int, int]  # token indices, end exclusive


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]
    cased: bool  # written in capitals: must be typed in capitals

    @classmethod
    def parse(cls, text: str) -> Phrase:
        return cls(tuple(text.lower().split()), text.isupper())

    @property
    def key(self) -> tuple[int, str]:
        """Its first word that is not ``#``, and where: what the index looks words up by."""
        return next((i, w) for i, w in enumerate(self.words) if w != "#")

    def at(self, words: Sequence[str], start: int, typed: Sequence[str] | None) -> bool:
        end = start + len(self.words)
        if start < 0 or end > len(words):
            return False
        for want, word in zip(self.words, words[start:end], strict=True):
            if not (word.isdigit() if want == "#" else word == want):
                return False
        return not self.cased or (typed is not None and typed[start].isupper())


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    phrase: Phrase
    kind: str  # "nicknames", "in_requests" or "not_meant"

    @property
    def not_meant(self) -> bool:
        return self.kind == "not_meant"


class ProductIndex:
    """Every nickname and ``not_meant`` phrase, by its key word: one pass over a message."""

    def __init__(self, entries: Sequence[Entry]):
        self._by_word: dict[str, list[tuple[int, Entry]]] = {}
        for entry in entries:
            offset, word = entry.phrase.key
            self._by_word.setdefault(word, []).append((offset, entry))

    @classmethod
    def from_file(cls, path: Path = CATALOGUE_FILE) -> ProductIndex:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))["products"]
        return cls(
            [
                Entry(code, Phrase.parse(text), kind)
                for code, entry in raw.items()
                for kind in ("nicknames", "in_requests", "not_meant")
                for text in entry.get(kind, [])
            ]
        )

    def mentions(
        self, words: Sequence[str], typed: Sequence[str], request: bool = False
    ) -> list[tuple[int, str]]:
        """``(word index, product code)`` of every product named, in order of appearance;
        ``request``: the message asks for something done to a system (``in_requests``)."""
        letters = [t for t in typed if t.isalpha()]
        case = None if letters and all(t.isupper() for t in letters) else typed  # shouting
        named: list[tuple[Span, str]] = []
        excluded: dict[str, list[Span]] = {}
        for i, word in enumerate(words):
            for offset, entry in self._by_word.get(word, ()):
                if entry.kind == "in_requests" and not request:
                    continue
                start = i - offset
                if entry.phrase.at(words, start, None if entry.not_meant else case):
                    span = (start, start + len(entry.phrase.words))
                    if entry.not_meant:
                        excluded.setdefault(entry.code, []).append(span)
                    else:
                        named.append((span, entry.code))
        found = {
            (span[0], code)
            for span, code in named
            if all(_covers(span, x) or not _overlap(span, x) for x in excluded.get(code, ()))
        }
        return sorted(found)


def _overlap(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _covers(a: Span, b: Span) -> bool:
    return a[0] <= b[0] and b[1] <= a[1] and a != b


@cache
def product_index() -> ProductIndex:
    return ProductIndex.from_file()


def find_product(
    words: Sequence[str], typed: Sequence[str], anchor: int | None = None, request: bool = False
) -> str | None:
    """The product a message is about: the first named at or after ``anchor`` (the word where
    the request starts, e.g. "quiero"), else the first named."""
    named = product_index().mentions(words, typed, request)
    if anchor is not None:
        for start, code in named:
            if start >= anchor:
                return code
    return named[0][1] if named else None


def product_of_serial(serial: str) -> str | None:
    product = default_catalogue().by_letter(serial[0])
    return product.code if product else None
