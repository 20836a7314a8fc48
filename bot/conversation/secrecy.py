"""The one rule for secrets typed in a chat: what is, or plausibly is, a password or a reset code.

``classify(text, state)`` says whether a typed message is a secret, and which kind:

- **At a password step** (``SECRET_STEPS``: the login's password, the new password after a
  reset) everything typed is the password, except the bot's own commands written exactly
  (``/cancelar``, ``/menu``, ``/ayuda``, ``/asesor``, ``/salir``, ``/start``, optionally
  ``@BotName``): ``/Tornado-2026x`` is a password, not a command.
- **Anywhere else**, a message is a reset code when it is one 32-character URL-safe token (what
  the recovery e-mail brings), and it *looks like a password* when it is one token of 8 to 128
  characters, without spaces, that mixes at least three of: lower case, upper case, digits,
  symbols (symbols at its ends, sentence punctuation, are not counted), with a digit or a
  symbol other than the ones that join words (``-``, ``.``, ``'``, ``_``: "Ana-Sofia" is a
  name) — unless it is an e-mail address, a web address, a serial number, an activation code
  (masked anyway), or a product and version ("Aspel-COI-9.0"). So "mmendez", "1", "si",
  "COI", "CLSNRR123456" and "magdalena.mendez@example.com" are answers; "Tornado-2026x" and
  "Aspel-Demo-2026" are passwords. Inside a longer message each word is judged so (``redact``).

What follows from a secret (the engine and ``bot.conversation.redaction`` apply it, in every
channel, before and after login): the text never reaches conversation state, transcript, ticket,
flow events, replies to advisors or logs — a whole-message secret is recorded as a ``secret``
event with no text, a secret word inside a sentence as the locale's marker. The chat message is
deleted when the secret is recognisably real: always at a password step; a reset code at the
steps that take one (the menu, "usuario o correo"), where it starts the reset; a password-shaped
message at the user-name step (the common slip of typing the password first; the bot asks for
the user name or e-mail again); elsewhere when it *verifies* — it is the password of the account
the chat is logged in to (checked by the password pool, off the event loop), or a reset code
still valid. A text that only looks like a secret is hidden but not deleted. A password-shaped
word in a group is deleted if the bot may (``bot.handlers.customer``) and never stored.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

from bot.conversation.states import MENU_LIKE, SECRET_STEPS, State
from bot.domain import serials
from bot.domain.catalogue import default_catalogue
from bot.domain.serials import CDA_ALPHABET

# The bot's commands: at a password step only these, written exactly, are not the password.
EXACT_COMMANDS = frozenset({"cancelar", "menu", "ayuda", "asesor", "salir", "start"})
_EXACT_COMMAND = re.compile(r"/(?P<name>[A-Za-z]+)(?:@\w+)?")
# Steps where a reset code is taken as one (it starts the reset there).
CODE_STEPS = (*MENU_LIKE, State.LOGIN_USER, State.RECOVERY_USER)

RESET_CODE = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24), as e-mailed
MIN_LENGTH, MAX_LENGTH = 8, 128  # the portal's shortest password; longer is a paste, not a word
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
WEB_ADDRESS = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE)
_GROUP = f"[{CDA_ALPHABET}]{{4}}"
CDA_RE = re.compile(  # an activation code, ``7QK2-M9XA-4D3F-PL8C``, however separated
    rf"(?<![A-Z0-9]){_GROUP}(?P<sep>[- ]?){_GROUP}(?P=sep){_GROUP}(?P=sep){_GROUP}(?![A-Z0-9])",
    re.IGNORECASE,
)


class Secret(StrEnum):
    PASSWORD = "password"
    RESET_CODE = "reset_code"


def exact_command(text: str) -> str | None:
    """``"/asesor"`` -> ``"asesor"``; None for anything else (``"/Tornado-2026x"``)."""
    match = _EXACT_COMMAND.fullmatch(text.strip())
    name = match.group("name").lower() if match else None
    return name if name in EXACT_COMMANDS else None


def is_reset_code(text: str) -> bool:
    return RESET_CODE.fullmatch(text.strip()) is not None


@cache
def _product_mention() -> re.Pattern[str]:
    codes = "|".join(sorted(default_catalogue().products, key=len, reverse=True))
    return re.compile(rf"(?:aspel[-_.]?)?(?:{codes})[-_.]?v?\d+(?:\.\d+)?", re.IGNORECASE)


def _classes(word: str) -> int:
    kinds = (str.islower, str.isupper, str.isdigit)
    found = {index for c in word for index, kind in enumerate(kinds) if kind(c)}
    return len(found) + any(not (c.isalnum()) for c in word)


def looks_like_password(word: str) -> bool:
    """One token that mixes classes like a password and is none of the usual answers."""
    core = _EDGES.sub("", word.strip())
    if not MIN_LENGTH <= len(core) <= MAX_LENGTH or any(c.isspace() for c in core):
        return False
    if _classes(core) < 3 or not (any(c.isdigit() for c in core) or _STRONG_SYMBOL.search(core)):
        return False  # "María-José", "Ciudad-de-México": words joined, not a password
    if EMAIL.fullmatch(core) or WEB_ADDRESS.fullmatch(core):
        return False
    if serials.normalize(core) is not None or _product_mention().fullmatch(core):
        return False
    return CDA_RE.fullmatch(core) is None  # a CDA is masked as one, not hidden as a password


def classify(text: str, state: State) -> Secret | None:
    """What secret a typed message is at ``state``, if any (see the module's rule)."""
    if state in SECRET_STEPS:
        return None if exact_command(text) else Secret.PASSWORD
    if is_reset_code(text):
        return Secret.RESET_CODE
    if looks_like_password(text):
        return Secret.PASSWORD
    return None


_WORD = re.compile(r"\S+")
_STRONG_SYMBOL = re.compile(r"[^\w\s.'-]")  # a symbol that does not just join words
_EDGES = re.compile(r"^[^\w\s]+|[^\w\s]+$")  # sentence punctuation around a word


def redact(text: str, marker: str) -> str:
    """Every word of the text that is a reset code or looks like a password, as the marker."""

    def hide(m: re.Match[str]) -> str:
        word = m.group(0)
        return marker if is_reset_code(word) or looks_like_password(word) else word

    return _WORD.sub(hide, text)


def in_group(text: str) -> bool:
    """A message in a group holding a password-shaped word or a reset code (deleted there)."""
    return redact(text, "") != text
