"""Serial numbers in free text (the model of ``bot.domain.serials``), however they are typed."""

from __future__ import annotations

import re

from bot.domain.serials import find_in_text, is_valid

# "c l s n r r 1 2 3 4 5 6": one character at a time, as read off a label.
_SPELLED = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9][ .-]){5,}[A-Za-z0-9](?![A-Za-z0-9])")
_SHAPE = re.compile(r"[A-Z][A-Z]SN[A-Z]{2}\d{6}")
_SEP = r"[\s.-]?"
# Anything shaped like a serial, separators anywhere: replaced by one word for the classifier.
_SERIAL_LIKE = re.compile(
    r"(?<![A-Za-z0-9])"
    + _SEP.join([r"[A-Za-z]"] * 2 + [r"[Ss]", r"[Nn]"] + [r"[A-Za-z]"] * 2 + [r"\d"] * 6)
    + r"(?![A-Za-z0-9])"
)
SERIAL_WORD = " numdeserie "


def find_serial(text: str) -> str | None:
    """The first serial in the message (``bot.domain.serials.find_in_text``), also spelled out
    one character at a time, even when the next word is a single letter ("... 4 9 y quiero")."""
    found = find_in_text(text)
    if found is not None:
        return found
    for match in _SPELLED.finditer(text):
        compact = re.sub(r"[ .-]", "", match.group(0)).upper()
        shaped = _SHAPE.search(compact)
        if shaped and is_valid(shaped.group(0)):
            return shaped.group(0)
    return None


def mask_serials(text: str) -> str:
    """``"mi serie cl-sn-rr-123456"`` -> ``"mi serie  numdeserie "``."""
    return _SERIAL_LIKE.sub(SERIAL_WORD, text)
