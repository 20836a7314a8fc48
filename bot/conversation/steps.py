"""Reading the customer's input at each step and turning it into a trigger for the machine.

Each step handler gets the restored ``Dialogue`` and one inbound event, calls the account
domain when the step needs it (log in, list systems, upgrade, resend), and returns the trigger
to fire with the outcome as keyword arguments. The machine in ``bot.fsm`` decides the rest.
Button presses have already been checked against what the chat was offered.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from unidecode import unidecode

from bot.conversation import keyboards as kb
from bot.conversation.dialogue import Dialogue
from bot.domain import errors, serials
from bot.domain.model import (
    AccountSummary,
    CdaResendResult,
    Modality,
    SystemRow,
    UpgradeResult,
)
from bot.fsm import MENU_LIKE, State

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
SERIAL_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{5,22}$")


class Portal(Protocol):
    """What the conversation needs of the account domain (``bot.domain.portal.Portal``)."""

    async def authenticate(
        self, username: str, password: str, *, chat_key: str
    ) -> AccountSummary: ...
    async def start_password_recovery(self, username_or_email: str) -> None: ...
    async def list_systems(
        self, account_id: int, modality: Modality | None = None
    ) -> list[SystemRow]: ...
    async def system(self, account_id: int, serial: str) -> SystemRow: ...
    async def request_upgrade(self, account_id: int, serial: str) -> UpgradeResult: ...
    async def resend_cda(self, account_id: int, serial: str) -> CdaResendResult: ...


@dataclass(frozen=True, slots=True)
class Step:
    trigger: str
    kwargs: dict[str, Any] = field(default_factory=dict)


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
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self._text: dict[State, Callable[[Dialogue, str, str], Awaitable[Step]]] = {
            State.LOGIN_USER: self._username,
            State.LOGIN_PASSWORD: self._password,
            State.RECOVERY_USER: self._recovery,
            State.CHOOSE_SERIAL: self._typed_serial,
        }

    async def on_text(self, d: Dialogue, text: str, chat_key: str) -> Step:
        command = command_of(text)
        if command is not None:
            if d.state is State.HANDOFF and command == "salir":
                return Step("leave_handoff")
            return Step(COMMANDS[command]) if command in COMMANDS else UNRECOGNIZED
        if d.state is State.LOGIN_PASSWORD:  # whatever it says, it is the password
            return await self._password(d, text, chat_key)
        word = NAV_WORDS.get(fold(text))
        if word:
            return Step(word)
        pressed = match_button(text, d.slots.get("offered", []))
        if pressed is not None:
            return await self.on_button(d, pressed, chat_key)
        handler = self._text.get(d.state)
        return await handler(d, text, chat_key) if handler else UNRECOGNIZED

    async def on_button(self, d: Dialogue, data: str, chat_key: str) -> Step:
        if data in GLOBAL_BUTTONS:
            return Step(GLOBAL_BUTTONS[data])
        if d.state in MENU_LIKE:
            return MENU_BUTTONS.get(data, UNRECOGNIZED)
        if data == kb.FORGOT:
            return Step("forgot_password")
        if data in (kb.SUBSCRIPTIONS, kb.LICENCES):
            return await self._modality(d, Modality(data.removeprefix("mod:")))
        if data.startswith(kb.SERIAL_PREFIX):
            return await self._serial(d, data.removeprefix(kb.SERIAL_PREFIX))
        if data == kb.DECLINE:
            return Step("terms_declined")
        if data == kb.ACCEPT:
            return await self._upgrade(d)
        if data == kb.SEND_CDA:
            return await self._send_cda(d)
        return UNRECOGNIZED

    # --- logging in -------------------------------------------------------------------

    async def _username(self, d: Dialogue, text: str, chat_key: str) -> Step:
        username = text.strip()
        if not username or len(username) > MAX_USERNAME or any(c.isspace() for c in username):
            return Step("unrecognized", {"key": "login-user-invalid"})
        return Step("username_given", {"username": username})

    async def _password(self, d: Dialogue, text: str, chat_key: str) -> Step:
        if len(text) > MAX_PASSWORD:
            return Step("login_failed")
        try:
            account = await self.portal.authenticate(
                d.slots.get("username", ""), text, chat_key=chat_key
            )
        except errors.AccountLocked as locked:
            return Step("login_locked", {"until": locked.until})
        except errors.InvalidCredentials:
            return Step("login_failed")
        return Step("login_ok", {"account": account})

    async def _recovery(self, d: Dialogue, text: str, chat_key: str) -> Step:
        who = text.strip()
        if not who or len(who) > 254:
            return Step("unrecognized", {"key": "recovery-invalid"})
        await self.portal.start_password_recovery(who)
        return Step("recovery_requested")

    # --- lists and serials ------------------------------------------------------------

    async def _modality(self, d: Dialogue, modality: Modality) -> Step:
        assert d.account_id is not None
        systems = await self.portal.list_systems(d.account_id, modality)
        return Step("modality_chosen", {"modality": modality, "systems": systems})

    async def _typed_serial(self, d: Dialogue, text: str, chat_key: str) -> Step:
        serial = serials.find_in_text(text)
        if serial is None:
            if SERIAL_LIKE.match(text.strip()):
                return Step("serial_rejected", {"error": errors.MalformedSerial(text.strip())})
            return Step("unrecognized", {"key": "serial-unrecognized"})
        return await self._serial(d, serial)

    async def _serial(self, d: Dialogue, serial: str) -> Step:
        assert d.account_id is not None
        try:
            row = await self.portal.system(d.account_id, serial)
        except errors.SerialError as error:
            return Step("serial_rejected", {"error": error})
        return Step("serial_chosen", {"row": row})

    # --- acting -----------------------------------------------------------------------

    async def _upgrade(self, d: Dialogue) -> Step:
        assert d.account_id is not None
        try:
            result = await self.portal.request_upgrade(d.account_id, d.slots["serial"])
        except (errors.UpgradeRefused, errors.SerialError) as error:
            return Step("upgrade_refused", {"error": error})
        return Step("upgraded", {"result": result})

    async def _send_cda(self, d: Dialogue) -> Step:
        assert d.account_id is not None
        try:
            result = await self.portal.resend_cda(d.account_id, d.slots["serial"])
        except errors.CdaRefused as error:
            return Step("cda_refused", {"error": error})
        return Step("cda_sent", {"result": result})


MENU_BUTTONS = {
    kb.UPGRADE: Step("pick_upgrade"),
    kb.CDA: Step("pick_cda"),
    kb.FORGOT: Step("pick_recovery"),
}
