"""Reading the customer's input at each step and turning it into a trigger for the machine.

Each step handler gets the restored ``Dialogue`` and one inbound event, calls the account
domain when the step needs it (log in, list systems, upgrade, resend), and returns the trigger
to fire with the outcome as keyword arguments. The machine in ``bot.fsm`` decides the rest.
Button presses have already been checked against what the chat was offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from unidecode import unidecode

from bot.conversation import keyboards as kb
from bot.conversation import reading, secrecy
from bot.conversation.dialogue import Dialogue, Step
from bot.domain import errors, serials
from bot.domain.login import check_new_password
from bot.domain.model import (
    AccountSummary,
    CdaResendResult,
    Modality,
    SystemRow,
    UpgradeResult,
)
from bot.domain.passwords import LoginCheck, PasswordWork, Verdict
from bot.fsm import MENU_LIKE, SECRET_STEPS, State

MAX_USERNAME = 64
MAX_PASSWORD = 1024

# Commands (without the slash) and the trigger each fires.
COMMANDS = {
    "start": "start",
    "menu": "start",
    "cancelar": "cancel",
    "salir": "logout",
    "ayuda": "help",
    "asesor": "advisor",
}
# Plain words that navigate anywhere (compared accent- and case-insensitively).
NAV_WORDS = {
    "volver": "back",
    "regresar": "back",
    "atras": "back",
    "menu": "start",
    "inicio": "start",
    "cancelar": "cancel",
    "ayuda": "help",
}
# Buttons that mean the same at every step.
GLOBAL_BUTTONS = {
    kb.BACK: "back",
    kb.MENU: "start",
    kb.ADVISOR: "advisor",
    kb.HELP: "help",
    kb.LEAVE_QUEUE: "leave_handoff",
}
SERIAL_LIKE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9 \-]{5,22}$")  # an attempt at one


class Portal(Protocol):
    """What the conversation needs of the account domain (``bot.domain.portal.Portal``)."""

    def begin_login(self, username: str, *, chat_key: str) -> LoginCheck: ...
    def finish_login(self, check: LoginCheck, verdict: Verdict) -> AccountSummary: ...
    def start_password_recovery(self, username_or_email: str) -> None: ...
    def complete_password_reset(self, digest: str, new_hash: str, chat_key: str) -> None: ...
    def password_hash(self, account_id: int) -> str | None: ...
    def reset_code_is_valid(self, code: str) -> bool: ...
    def list_systems(
        self, account_id: int, modality: Modality | None = None
    ) -> list[SystemRow]: ...
    def system(self, account_id: int, serial: str) -> SystemRow: ...
    def request_upgrade(self, account_id: int, serial: str) -> UpgradeResult: ...
    def resend_cda(self, account_id: int, serial: str) -> CdaResendResult: ...


class Suspend(Exception):
    """The turn needs password work first: the engine runs it off the database thread, then
    runs the turn again with its verdict (``Turn.verdict``). Nothing was written."""

    def __init__(self, work: PasswordWork, check: LoginCheck | None = None) -> None:
        super().__init__("password work")
        self.work, self.check = work, check


@dataclass(slots=True)
class Turn:
    """What one turn's step handlers act with."""

    portal: Portal
    chat_key: str
    suspended: Suspend | None = None  # the first run's request, on the second run
    verdict: Verdict | None = None


UNRECOGNIZED = Step("unrecognized")


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: how typed words are compared."""
    return " ".join(unidecode(text).lower().split())


def command_of(text: str) -> str | None:
    """``"/start@AspelBot extra"`` -> ``"start"``; None if the text is not a command."""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


def match_button(text: str, offered: list[list[str]]) -> str | None:
    """The data of the one offered button whose label the text names, if exactly one."""
    wanted = fold(text)
    if len(wanted) < 3:
        return None
    labels = [(data, fold(label)) for data, label in offered]
    exact = [data for data, label in labels if label == wanted]
    if exact:
        return exact[0]
    partial = [data for data, label in labels if wanted in label]
    return partial[0] if len(partial) == 1 else None


class Steps:
    """Stateless: every method gets the turn (``Turn``) it acts in."""

    def __init__(self) -> None:
        self._text: dict[State, Callable[[Dialogue, str, Turn], Step | None]] = {
            State.LOGIN_USER: self._username,
            State.LOGIN_PASSWORD: self._password,
            State.RECOVERY_USER: self._recovery,
            State.CHOOSE_SERIAL: self._typed_serial,
        }

    def on_text(self, d: Dialogue, text: str, t: Turn) -> Step | None:
        at_secret = d.state in SECRET_STEPS  # only the exact commands are not the password
        command = secrecy.exact_command(text) if at_secret else command_of(text)
        if command is not None:
            if d.state is State.HANDOFF and command == "salir":
                return Step("leave_handoff")
            return Step(COMMANDS[command]) if command in COMMANDS else UNRECOGNIZED
        if d.state is State.LOGIN_PASSWORD:  # whatever it says, it is the password
            return self._password(d, text, t)
        if d.state is State.RESET_PASSWORD:  # and here, the new one
            return self._new_password(d, text, t)
        if d.state in secrecy.CODE_STEPS and secrecy.is_reset_code(text):
            return Step("reset_code_given", {"code": text.strip()})
        word = NAV_WORDS.get(fold(text))
        if word:
            return Step(word)
        pressed = match_button(text, d.slots.get("offered", [])) or reading.loose_press(d, text)
        if pressed is not None:
            return self.on_button(d, pressed, t)
        handler = self._text.get(d.state)
        if handler is None or (d.state in FREE_FORM and len(text.split()) > 1):
            return reading.understood(d, text, t, FALLBACKS.get(d.state, UNRECOGNIZED))
        return handler(d, text, t)

    def on_button(self, d: Dialogue, data: str, t: Turn) -> Step | None:
        if data in GLOBAL_BUTTONS:
            return Step(GLOBAL_BUTTONS[data])
        if data.startswith(kb.CLARIFY_PREFIX):
            return reading.clarified(d, data)
        if d.state in MENU_LIKE:
            return MENU_BUTTONS.get(data, UNRECOGNIZED)
        if data == kb.FORGOT:
            return Step("forgot_password")
        if data in (kb.SUBSCRIPTIONS, kb.LICENCES):
            return self._modality(d, t, Modality(data.removeprefix("mod:")))
        if data.startswith(kb.SERIAL_PREFIX):
            return reading.serial_chosen(d, t, data.removeprefix(kb.SERIAL_PREFIX))
        if data == kb.DECLINE:
            return Step("terms_declined")
        if data == kb.ACCEPT:
            return self._upgrade(d, t)
        if data == kb.SEND_CDA:
            return self._send_cda(d, t)
        return UNRECOGNIZED

    # --- logging in -------------------------------------------------------------------

    def _username(self, d: Dialogue, text: str, t: Turn) -> Step:
        username = text.strip()
        if not username or len(username) > MAX_USERNAME or any(c.isspace() for c in username):
            return Step("unrecognized", {"key": "login-user-invalid"})
        if secrecy.looks_like_password(username):  # typed first by mistake: not a user name
            return Step("unrecognized", {"key": "login-user-secret"})
        return Step("username_given", {"username": username})

    def _password(self, d: Dialogue, text: str, t: Turn) -> Step:
        if len(text) > MAX_PASSWORD:
            return Step("login_failed")
        try:
            if t.suspended is None or t.verdict is None:  # first run: may it try? what to verify?
                check = t.portal.begin_login(d.slots.get("username", ""), chat_key=t.chat_key)
                work = PasswordWork(text, verify_against=check.password_hash, trusted=check.trusted)
                raise Suspend(work, check)
            assert t.suspended.check is not None
            account = t.portal.finish_login(t.suspended.check, t.verdict)
        except errors.AccountLocked as locked:  # before, or closed by other chats meanwhile
            return Step("login_locked", {"until": locked.until})
        except errors.InvalidCredentials:
            return Step("login_failed")
        return Step("login_ok", {"account": account})

    def _new_password(self, d: Dialogue, text: str, t: Turn) -> Step:
        if t.verdict is None or t.verdict.new_hash is None:  # first run: hash it off the thread
            try:
                check_new_password(text)
            except errors.WeakPassword as weak:
                return Step("reset_weak", {"minimum": weak.min_length})
            raise Suspend(PasswordWork(text, hash_it=True))
        try:
            digest = d.slots.get("reset_digest", "")
            t.portal.complete_password_reset(digest, t.verdict.new_hash, t.chat_key)
        except errors.InvalidResetToken:
            return Step("reset_invalid")
        return Step("password_reset")

    def _recovery(self, d: Dialogue, text: str, t: Turn) -> Step:
        who = text.strip()
        if not who or len(who) > 254:
            return Step("unrecognized", {"key": "recovery-invalid"})
        t.portal.start_password_recovery(who)
        return Step("recovery_requested")

    # --- lists and serials ------------------------------------------------------------

    def _modality(self, d: Dialogue, t: Turn, modality: Modality) -> Step:
        assert d.account_id is not None
        systems = t.portal.list_systems(d.account_id, modality)
        return Step("modality_chosen", {"modality": modality, "systems": systems})

    def _typed_serial(self, d: Dialogue, text: str, t: Turn) -> Step | None:
        serial = serials.find_in_text(text)
        if serial is None:
            if SERIAL_LIKE.match(text.strip()) and not secrecy.looks_like_password(text):
                return Step("serial_rejected", {"error": errors.MalformedSerial(text.strip())})
            return reading.understood(d, text, t, FALLBACKS[State.CHOOSE_SERIAL])
        return reading.serial_chosen(d, t, serial)

    # --- acting -----------------------------------------------------------------------

    def _upgrade(self, d: Dialogue, t: Turn) -> Step:
        assert d.account_id is not None
        try:
            result = t.portal.request_upgrade(d.account_id, d.slots["serial"])
        except (errors.UpgradeRefused, errors.SerialError) as error:
            return Step("upgrade_refused", {"error": error})
        return Step("upgraded", {"result": result})

    def _send_cda(self, d: Dialogue, t: Turn) -> Step:
        assert d.account_id is not None
        try:
            result = t.portal.resend_cda(d.account_id, d.slots["serial"])
        except errors.CdaRefused as error:
            return Step("cda_refused", {"error": error})
        return Step("cda_sent", {"result": result})


# Steps whose answer is one word (a user name, an e-mail): a sentence there is a question.
FREE_FORM = (State.LOGIN_USER, State.RECOVERY_USER)
FALLBACKS = {
    State.LOGIN_USER: Step("unrecognized", {"key": "login-user-invalid"}),
    State.RECOVERY_USER: Step("unrecognized", {"key": "recovery-invalid"}),
    State.CHOOSE_SERIAL: Step("unrecognized", {"key": "serial-unrecognized"}),
}

MENU_BUTTONS = {
    kb.UPGRADE: Step("pick_upgrade"),
    kb.CDA: Step("pick_cda"),
    kb.FORGOT: Step("pick_recovery"),
}
