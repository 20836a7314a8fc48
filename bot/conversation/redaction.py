"""What a turn may keep of a customer's message, and whether the message must go from the chat.

The rule itself (what is a password or a reset code) is ``bot.conversation.secrecy``; this
module applies it to one inbound event (``judge``) and to text before it is stored:

- A whole-message secret (the answer at a password step, a reset code, a password-shaped
  message) is recorded as a ``secret`` transcript event with no text
  (``bot.conversation.recording.inbound_event``).
- Inside a sentence, a password-shaped word or a reset code is replaced by the locale's marker,
  and so is a password announced ("password: ...", "mi clave es ...", the same with the Spanish
  word for password) and, at the user-name step, the second word of "user password" pasted in
  one message.
- Activation codes (CDA, ``7QK2-M9XA-4D3F-PL8C``) are masked to their last group, in customer,
  advisor and bot text alike. Serial numbers and e-mail addresses are kept: the advisor needs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.conversation import secrecy
from bot.conversation.dialogue import Dialogue
from bot.conversation.messages import Inbound
from bot.conversation.secrecy import CDA_RE, Secret
from bot.conversation.states import SECRET_STEPS
from bot.conversation.steps import Suspend, Turn
from bot.domain.passwords import PasswordWork
from bot.domain.serials import mask_cda
from bot.fsm import State

# "contraseña: x", "mi password es x", "clave = x" -> x is a secret; so is "pwd x1!" when x1!
# looks like one (a digit or a symbol in it), but not the word in "contraseña incorrecta".
ANNOUNCED_PASSWORD_RE = re.compile(
    r"(?P<lead>\b(?:contrase\w{1,2}a|password|passwd|pass|pwd|clave)\b\s*"
    r"(?P<said>(?:(?:es|era|:|=)\s*)*))(?P<secret>\S+)",
    re.IGNORECASE,
)
EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the rule says of one inbound event."""

    secret: Secret | None = None  # the whole message is this secret
    delete: bool = False  # it is recognisably real: the chat message goes
    remark: bool = False  # a verified secret at a step that did not ask for it: say so


NOTHING = Judgement()


def judge(d: Dialogue, inbound: Inbound, turn: Turn) -> Judgement:
    """Apply the rule to the event at the dialogue's step; may suspend the turn to verify a
    password against the logged-in account (the second run has the verdict)."""
    if inbound.text is None:  # media: at a password step its caption may be the password
        media = inbound.button is None and d.state in SECRET_STEPS
        return Judgement(Secret.PASSWORD, delete=True) if media else NOTHING
    text = inbound.text
    secret = secrecy.classify(text, d.state)
    if d.state is State.LOGIN_USER and secret is None:  # "mmendez Tornado-2026x": the slip too
        return Judgement(delete=secrecy.redact(text, "") != text)
    if secret is None:
        return NOTHING
    if d.state in SECRET_STEPS or d.state is State.LOGIN_USER:
        return Judgement(secret, delete=True)
    if secret is Secret.RESET_CODE:
        if d.state in secrecy.CODE_STEPS:
            return Judgement(secret, delete=True)
        valid = turn.portal.reset_code_is_valid(text.strip())
        return Judgement(secret, delete=valid, remark=valid)
    if d.account_id is None:
        return Judgement(secret)
    if turn.verdict is None:  # is it this account's password? Verified off the thread
        stored = turn.portal.password_hash(d.account_id)
        raise Suspend(PasswordWork(text.strip(), verify_against=stored, trusted=True))
    return Judgement(secret, delete=turn.verdict.ok, remark=turn.verdict.ok)


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


def customer_text(text: str, state: State, marker: str) -> str:
    """A customer's typed message as the transcript (or an advisor) may keep it."""
    text = mask_cdas(secrecy.redact(hide_announced_passwords(text, marker), marker))
    if state is State.LOGIN_USER:
        text = hide_pasted_password(text, marker)
    return text


def staff_text(text: str) -> str:
    """An advisor's or the bot's message as the transcript may keep it."""
    return mask_cdas(text)
