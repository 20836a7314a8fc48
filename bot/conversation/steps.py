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
from bot.conversation import redaction
from bot.conversation.dialogue import Dialogue
from bot.domain import errors, serials
from bot.domain.catalogue import default_catalogue
from bot.domain.model import (
    AccountSummary,
    CdaResendResult,
    Modality,
    SystemRow,
    UpgradeResult,
)
from bot.fsm import MENU_LIKE, State
from bot.nlu import Intent, Understanding, understand

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

    async def authenticate(
        self, username: str, password: str, *, chat_key: str
    ) -> AccountSummary: ...
    async def start_password_recovery(self, username_or_email: str) -> None: ...
    async def complete_password_reset(self, token: str, new_password: str) -> None: ...
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
        if d.state is State.RESET_PASSWORD:  # and here, the new one
            return await self._new_password(d, text)
        if d.state in MENU_LIKE and redaction.is_reset_code(text):
            return Step("reset_code_given", {"code": text.strip()})
        word = NAV_WORDS.get(fold(text))
        if word:
            return Step(word)
        pressed = match_button(text, d.slots.get("offered", [])) or _yes_or_no(d.state, text)
        if pressed is not None:
            return await self.on_button(d, pressed, chat_key)
        handler = self._text.get(d.state)
        if handler is None or (d.state in FREE_FORM and len(text.split()) > 1):
            return await self.understood(d, text, FALLBACKS.get(d.state, UNRECOGNIZED))
        return await handler(d, text, chat_key)

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

    async def _new_password(self, d: Dialogue, text: str) -> Step:
        try:
            await self.portal.complete_password_reset(d.slots.get("reset_code", ""), text)
        except errors.WeakPassword as weak:
            return Step("reset_weak", {"minimum": weak.min_length})
        except errors.InvalidResetToken:
            return Step("reset_invalid")
        return Step("password_reset")

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
            return await self.understood(d, text, FALLBACKS[State.CHOOSE_SERIAL])
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

    # --- free text ------------------------------------------------------------------------

    async def understood(self, d: Dialogue, text: str, fallback: Step) -> Step | None:
        """What a free-text message asks for, at any step (``None``: already acted on)."""
        u = understand(text)
        if u.intent in ACTIONS:
            return _action(d, u)
        if u.faq:
            return Step("faq", {"key": u.faq})
        if u.intent in ANSWERS:
            return ANSWERS[u.intent]
        shown = _shown_serial(d, u.product)
        if shown:
            return await self._serial(d, shown)
        if (u.product or u.serial) and d.state in (State.CHOOSE_MODALITY, State.CHOOSE_SERIAL):
            d.slots.update(hint_product=u.product, hint_serial=u.serial)
            await self.follow_hints(d)
            return None
        return fallback

    async def follow_hints(self, d: Dialogue) -> None:
        """Go straight to the system the customer named (product or serial), once logged in."""
        product, serial = d.slots.pop("hint_product", None), d.slots.pop("hint_serial", None)
        if d.account_id is None or not (product or serial):
            return
        rows = await self.portal.list_systems(d.account_id)
        named = [r for r in rows if r.serial == serial] or [
            r for r in rows if r.product == product and r.replaced_by is None
        ]
        if not named or len({r.modality for r in named}) > 1:
            return  # nothing, or both lists: let the customer choose as usual
        _drop_prompt(d, ("modality-ask-upgrade", "modality-ask-cda", "serial-ask"))
        if len(named) > 1:
            d.fire("modality_chosen", modality=named[0].modality, systems=named)
            return
        same_list = [r for r in rows if r.modality is named[0].modality]
        d.fire("modality_chosen", modality=named[0].modality, systems=same_list)
        _drop_prompt(d, ("serial-ask",))
        d.fire("serial_chosen", row=named[0])


def _yes_or_no(state: State, text: str) -> str | None:
    """At a confirmation, "si, dale" presses its yes button and "no, gracias" its no button."""
    buttons = CONFIRMATIONS.get(state)
    words = re.findall(r"[a-z]+", fold(text))
    if buttons is None or not words:
        return None
    if words[0] in NO_WORDS:
        return buttons[1]
    if words[0] in YES_WORDS or " ".join(words[:2]) in YES_WORDS:
        return buttons[0]
    return None


def _action(d: Dialogue, u: Understanding) -> Step:
    if u.intent is Intent.FORGOT_PASSWORD:
        return Step("pick_recovery" if d.state in MENU_LIKE else "forgot_password")
    trigger = {
        Intent.UPGRADE_SERIAL: "pick_upgrade",
        Intent.RESEND_CDA: "pick_cda",
        Intent.HUMAN_AGENT: "advisor",
        Intent.CANCEL: "cancel",
    }[u.intent]
    return Step(trigger, {"product": u.product, "serial": u.serial})


def _shown_serial(d: Dialogue, product: str | None) -> str | None:
    """The one serial of the list on screen that belongs to the product named, if exactly one."""
    if d.state is not State.CHOOSE_SERIAL or product is None:
        return None
    name = default_catalogue().get(product).name
    shown = [serial for serial, system, _version in d.slots.get("systems", []) if system == name]
    return shown[0] if len(shown) == 1 else None


def _drop_prompt(d: Dialogue, keys: tuple[str, ...]) -> None:
    """Take back the last prompt when the conversation moves on at once (a followed hint)."""
    if d.replies and d.replies[-1].key in keys:
        d.replies.pop()


# The yes and no buttons of each confirmation step, and the words that mean them.
CONFIRMATIONS = {
    State.UPGRADE_TERMS: (kb.ACCEPT, kb.DECLINE),
    State.CDA_CONFIRM: (kb.SEND_CDA, kb.BACK),
}
YES_WORDS = {
    "si", "ok", "okay", "okey", "va", "vale", "dale", "sale", "claro", "acepto", "aceptar",
    "adelante", "yes", "simon", "de acuerdo", "por favor", "andale", "enviar", "envialo",
    "reenviar", "reenvialo", "mandalo", "actualizar", "actualizalo",
}
NO_WORDS = {"no", "nel", "nop", "nope", "cancelar", "espera", "mejor"}
ACTIONS = {
    Intent.UPGRADE_SERIAL,
    Intent.RESEND_CDA,
    Intent.FORGOT_PASSWORD,
    Intent.HUMAN_AGENT,
    Intent.CANCEL,
}
ANSWERS = {
    Intent.GREETING: Step("greet"),
    Intent.THANKS: Step("thank"),
    Intent.HELP: Step("help"),
    Intent.NO_ACCOUNT: Step("faq", {"key": "faq-no-account"}),
    Intent.DOWNLOAD: Step("faq", {"key": "faq-download"}),
    Intent.ACTIVATION_HELP: Step("faq", {"key": "activation-help"}),
}
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
