"""Message text -> the lower-case ASCII form the lexicon's regexes are written against."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from unidecode import unidecode

MAX_CHARS = 2000  # classify on the first 2,000 characters; rambling rarely hides a new topic
MIN_FUZZY_LEN = 5  # shorter tokens are never corrected
MIN_EDIT_LEN = 7  # shorter ones only when they sound exactly like a target

_REPEATS = re.compile(r"([a-z])\1{2,}")
_TOKEN = re.compile(r"[a-z0-9]+")
_SOUND_RULES = (
    (re.compile(r"qu(?=[ei])"), "k"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"[cq]"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"(?<![cs])h"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
)


unidecode(
    "".join(map(chr, range(0xA1, 0x100)))
)  # load its Latin tables now, not on the first customer message


def sound_key(word: str) -> str:
    """A rough Spanish sound key: ``cerie`` and ``serie`` share one."""
    for pattern, replacement in _SOUND_RULES:
        word = pattern.sub(replacement, word)
    return word


class Corrector:
    """Replaces slang and near-misses of the lexicon's vocabulary, one token at a time."""

    def __init__(self, slang: dict[str, str], targets: Iterable[str], known: Iterable[str]):
        self._slang = slang
        self._known = frozenset(known) | frozenset(targets)
        self._by_key: dict[str, str] = {}
        self._buckets: dict[str, list[str]] = defaultdict(list)
        for word in targets:
            key = sound_key(word)
            self._by_key.setdefault(key, word)
            self._buckets[key[:1]].append(key)
        self.token = lru_cache(maxsize=50_000)(self._token)

    def _token(self, token: str) -> str:
        if token in self._slang:
            return self._slang[token]
        if len(token) < MIN_FUZZY_LEN or token in self._known or not token.isalpha():
            return token
        return self._nearest(token) or token

    def _nearest(self, token: str) -> str | None:
        key = sound_key(token)
        if key in self._by_key:
            return self._by_key[key]
        if len(token) < MIN_EDIT_LEN:
            return None
        cutoff = 2 if len(token) >= 10 else 1
        found = process.extractOne(
            key, self._buckets.get(key[:1], ()), scorer=Levenshtein.distance, score_cutoff=cutoff
        )
        return self._by_key[found[0]] if found else None


def tokens(text: str) -> list[str]:
    folded = _REPEATS.sub(r"\1", unidecode(text[:MAX_CHARS]).lower())
    return _TOKEN.findall(folded)


def normalize(text: str, corrector: Corrector) -> str:
    """``"Kiero actualisar mi SAE!!"`` -> ``" quiero actualizar mi sae "``."""
    words = (corrector.token(token) for token in tokens(text))
    return " " + " ".join(word for word in words if word) + " "
