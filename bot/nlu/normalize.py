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

_REPEATS = re.compile(r"([a-z])\1{2,}", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+")
_CASED_TOKEN = re.compile(r"[A-Za-z0-9]+")
_SOUND_RULES = (
    (re.compile(r"qu(?=[ei])"), "k"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"[cq]"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"(?<![cs])h"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
)


class _AsciiTable(dict[int, str]):
    """``str.translate`` table: each character's unidecode ASCII, computed once per character."""

    def __missing__(self, code: int) -> str:
        value = unidecode(chr(code))
        if len(self) < 20_000:  # bounded: a flood of rare characters cannot grow it for ever
            self[code] = value
        return value


_ASCII = _AsciiTable({code: chr(code) for code in range(128)})
_ASCII.update((code, unidecode(chr(code))) for code in range(0xA1, 0x180))  # Latin, up front


def ascii_of(text: str) -> str:
    """``unidecode(text)``, character by character as unidecode does, without its per-call
    cost: ASCII text is returned as is, other characters are looked up once."""
    return text if text.isascii() else text.translate(_ASCII)


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


def fold(text: str) -> str:
    """``"Holaaa, SENORRR"`` -> ``"Hola, SENOR"``: ASCII, letters repeated 3+ times squashed."""
    return _REPEATS.sub(r"\1", ascii_of(text[:MAX_CHARS]))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text).lower())


def cased_tokens(text: str) -> list[str]:
    """The tokens of ``tokens(text)`` as typed (upper or lower case)."""
    return _CASED_TOKEN.findall(fold(text))


# first word -> (phrase, replacement) pairs, longest phrase first
Phrases = dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]


def phrase_table(pairs: dict[str, str]) -> Phrases:
    """``{"never mind": "olvidalo"}`` -> the lookup ``words`` uses."""
    table: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for key, value in pairs.items():
        phrase = tuple(key.split())
        table.setdefault(phrase[0], []).append((phrase, tuple(value.split())))
    return {first: tuple(sorted(v, key=lambda p: -len(p[0]))) for first, v in table.items()}


def words(
    text: str, slang: dict[str, str], phrases: Phrases | None = None
) -> tuple[list[str], list[str]]:
    """The message's words with phrases and slang spelled out (``"q"`` -> ``"que"``,
    ``"never mind"`` -> ``"olvidalo"``, ``"wey"`` dropped), and the same tokens as typed,
    aligned one to one (a phrase's replacement counts as typed in lower case)."""
    cased = fold(text)
    folded, typed = _TOKEN.findall(cased.lower()), _CASED_TOKEN.findall(cased)
    if phrases and not phrases.keys().isdisjoint(folded):
        folded, typed = _replace_phrases(folded, typed, phrases)
    out, out_typed = [], []
    for word, cased_word in zip(folded, typed, strict=True):
        word = slang.get(word, word)
        if word:
            out.append(word)
            out_typed.append(cased_word)
    return out, out_typed


def _replace_phrases(
    folded: list[str], typed: list[str], phrases: Phrases
) -> tuple[list[str], list[str]]:
    out: list[str] = []
    out_typed: list[str] = []
    i = 0
    while i < len(folded):
        for phrase, replacement in phrases.get(folded[i], ()):
            if tuple(folded[i : i + len(phrase)]) == phrase:
                out += replacement
                out_typed += replacement
                i += len(phrase)
                break
        else:
            out.append(folded[i])
            out_typed.append(typed[i])
            i += 1
    return out, out_typed


def normalize_words(folded: list[str], corrector: Corrector) -> str:
    """Words (from ``words``) -> the lexicon's form: ``" quiero actualizar mi sae "``."""
    return " " + " ".join(corrector.token(word) or word for word in folded) + " "


def normalize(text: str, corrector: Corrector, phrases: Phrases | None = None) -> str:
    """``"Kiero actualisar mi SAE!!"`` -> ``" quiero actualizar mi sae "``."""
    folded, _typed = words(text, {}, phrases)
    return " " + " ".join(word for word in map(corrector.token, folded) if word) + " "
