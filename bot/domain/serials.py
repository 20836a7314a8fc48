"""The project's model of an Aspel serial number.

``CLSNRR123456``: product letter (C = COI), version letter (L = 8: the letter at alphabet
index major + 3), ``SN``, two letters, six digits. Typed serials are validated against it and
new ones are generated with it.
"""

from __future__ import annotations

import re
import secrets
import string

SERIAL_RE = re.compile(r"^([A-Z])([A-Z])SN([A-Z]{2})(\d{6})$")
# Tolerant finder for free text: letters/digits possibly separated by spaces or dashes.
_LOOSE_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z])[\s-]?([A-Za-z])[\s-]?[Ss][Nn][\s-]?([A-Za-z]{2})[\s-]?((?:\d[\s-]?){5}\d)(?![A-Za-z0-9])"
)


def version_letter(version: str) -> str:
    """``"8.0"`` -> ``"L"``."""
    major = int(version.split(".", 1)[0])
    return string.ascii_uppercase[major + 3]


def version_of_letter(letter: str) -> str:
    """``"L"`` -> ``"8.0"``."""
    return f"{string.ascii_uppercase.index(letter) - 3}.0"


def is_valid(serial: str) -> bool:
    return SERIAL_RE.match(serial) is not None


def normalize(text: str) -> str | None:
    """A serial typed with spaces, dashes or lower case, if it fits the model; else ``None``."""
    compact = re.sub(r"[\s-]", "", text).upper()
    return compact if is_valid(compact) else None


def find_in_text(text: str) -> str | None:
    """The first serial written anywhere in a free-text message, normalized."""
    for match in _LOOSE_RE.finditer(text):
        candidate = normalize("".join(match.groups()[:2]) + "SN" + "".join(match.groups()[2:]))
        if candidate:
            return candidate
    return None


def new_serial(product_letter: str, version: str, pair: str | None = None) -> str:
    """A fresh serial for a product version; uniqueness is the store's unique index's job.

    ``pair`` keeps the customer's two-letter block across an upgrade when given
    (``CLSNRR…`` -> ``CMSNRR…``, as in the tutorial).
    """
    letters = pair or "".join(secrets.choice(string.ascii_uppercase) for _ in range(2))
    digits = f"{secrets.randbelow(1_000_000):06d}"
    return f"{product_letter}{version_letter(version)}SN{letters}{digits}"


CDA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def new_cda() -> str:
    """An activation code: four groups of four, e.g. ``7QK2-M9XA-4D3F-PL8C``."""
    return "-".join("".join(secrets.choice(CDA_ALPHABET) for _ in range(4)) for _ in range(4))


def mask_cda(cda: str) -> str:
    return "****-****-****-" + cda[-4:]
