"""Product and serial extraction."""

from __future__ import annotations

import re

from bot.domain.catalogue import default_catalogue
from bot.domain.serials import find_in_text

# "c l s n r r 1 2 3 4 5 6": one character at a time, as read off a label.
_SPELLED = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9][ .-]){5,}[A-Za-z0-9](?![A-Za-z0-9])")


def _unspell(text: str) -> str:
    return _SPELLED.sub(lambda m: re.sub(r"[ .-]", "", m.group(0)), text)


def find_serial(text: str) -> str | None:
    """The first serial in the message (``bot.domain.serials.find_in_text``), also spelled out."""
    found = find_in_text(text)
    if found is None and _SPELLED.search(text):
        found = find_in_text(_unspell(text))
    return found


def product_of_serial(serial: str) -> str | None:
    product = default_catalogue().by_letter(serial[0])
    return product.code if product else None


def find_product(
    normalized: str, patterns: dict[str, re.Pattern[str]], anchor: int | None
) -> str | None:
    """The product named in the message.

    Several named: the first one after ``anchor`` (where the request starts, e.g. "quiero"),
    else the first one in the message.
    """
    first: tuple[int, str] | None = None
    after: tuple[int, str] | None = None
    for code, pattern in patterns.items():
        for match in pattern.finditer(normalized):
            position = (match.start(), code)
            first = min(first, position) if first else position
            if anchor is not None and match.start() >= anchor:
                after = min(after, position) if after else position
                break
    chosen = after or first
    return chosen[1] if chosen else None
