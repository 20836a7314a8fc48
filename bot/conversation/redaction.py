"""What a transcript may keep of a message: secrets are redacted here, before anything is stored.

- The answer at the password step is never stored: the engine records a ``secret`` event with
  empty text (``is_password_turn``), whatever the customer typed.
- A password typed elsewhere is caught when it is announced ("password: ...", "mi clave es
  ...", the same with the Spanish word for password) and, at the user-name step, when a second
  word follows the user name (people paste "user password" in one message). The word is
  replaced by the locale's marker.
- Activation codes (CDA, ``7QK2-M9XA-4D3F-PL8C``) are masked to their last group, in customer,
  advisor and bot text alike. Serial numbers and e-mail addresses are kept: the advisor needs them.
"""

from __future__ import annotations

import re

from bot.domain.serials import CDA_ALPHABET, mask_cda
from bot.fsm import MENU_LIKE, State

_GROUP = f"[{CDA_ALPHABET}]{{4}}"
CDA_RE = re.compile(
    rf"(?<![A-Z0-9]){_GROUP}(?P<sep>[- ]?){_GROUP}(?P=sep){_GROUP}(?P=sep){_GROUP}(?![A-Z0-9])",
    re.IGNORECASE,
)
# "contraseña: x", "mi password es x", "clave = x" -> x is a secret; so is "pwd x1!" when x1!
# looks like one (a digit or a symbol in it), but not the word in "contraseña incorrecta".
ANNOUNCED_PASSWORD_RE = re.compile(
    r"(?P<lead>\b(?:contrase\w{1,2}a|password|passwd|pass|pwd|clave)\b\s*"
    r"(?P<said>(?:(?:es|era|:|=)\s*)*))(?P<secret>\S+)",
    re.IGNORECASE,
)
EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


def _password_shaped(word: str) -> bool:
    """At least four characters, with a digit or a symbol inside (not just punctuation)."""
    core = EDGE_PUNCTUATION.sub("", word)
    return len(core) >= 4 and any(not c.isalpha() for c in core)


def mask_cdas(text: str) -> str:
    """Every CDA written in the text, masked (``****-****-****-PL8C``)."""
    return CDA_RE.sub(lambda m: mask_cda(m.group(0).upper().replace(" ", "-")), text)


def hide_announced_passwords(text: str, marker: str) -> str:
    def hide(m: re.Match[str]) -> str:
        if m.group("said") or _password_shaped(m.group("secret")):
            return m.group("lead") + marker
        return m.group(0)

    return ANNOUNCED_PASSWORD_RE.sub(hide, text)


def hide_pasted_password(text: str, marker: str) -> str:
    """At the user-name step, "user password" keeps the user name only."""
    words = text.split()
    if len(words) != 2:
        return text
    return f"{words[0]} {marker}"


SECRET_STEPS = (State.LOGIN_PASSWORD, State.RESET_PASSWORD)
RESET_CODE = re.compile(r"[A-Za-z0-9_-]{32}")  # what the recovery e-mail brings (token_urlsafe)


def is_reset_code(text: str) -> bool:
    return RESET_CODE.fullmatch(text.strip()) is not None


def is_password_turn(state: State, typed: bool) -> bool:
    """A typed, non-command message at a password step is a password: never store it."""
    return state in SECRET_STEPS and typed


def is_secret_turn(state: State, text: str, typed: bool) -> bool:
    """A password, a new password or a reset code: stored as a marker, deleted from the chat."""
    return is_password_turn(state, typed) or (typed and state in MENU_LIKE and is_reset_code(text))


def customer_text(text: str, state: State, marker: str) -> str:
    """A customer's typed message as the transcript may keep it."""
    text = mask_cdas(hide_announced_passwords(text, marker))
    if state is State.LOGIN_USER:
        text = hide_pasted_password(text, marker)
    return text


def staff_text(text: str) -> str:
    """An advisor's or the bot's message as the transcript may keep it."""
    return mask_cdas(text)
