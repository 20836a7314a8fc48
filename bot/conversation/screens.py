"""Each step's screen as data: the question (a locale id), its variables and its buttons.

In the manner of aiogram-dialog's windows: ``SCREENS[state]`` says what the customer sees on
arriving at ``state`` (or when it is shown again); where the question depends on the journey,
``CHOICES`` picks one of two screens. ``Dialogue.prompt`` renders it. Variables are read from the
conversation's slots; their names are the message's own (the locale test checks them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.conversation import keyboards as kb
from bot.conversation.states import MENU_LIKE, State

Slots = Mapping[str, Any]
Translate = Callable[..., str]
Buttons = Callable[[Translate, Slots], kb.Rows]


class Screen:
    __slots__ = ("buttons", "key", "secret", "variables")

    def __init__(
        self,
        key: str,
        buttons: Buttons,
        *,
        secret: bool = False,
        **variables: Callable[[Slots], Any],
    ) -> None:
        self.key = key
        self.buttons = buttons
        self.secret = secret  # the answer is a password: never stored, deleted from the chat
        self.variables = variables

    def arguments(self, slots: Slots) -> dict[str, Any]:
        return {name: read(slots) for name, read in self.variables.items()}


def slot(name: str, default: Any = "") -> Callable[[Slots], Any]:
    return lambda slots: slots.get(name) or default


def _login(t: Translate, s: Slots) -> kb.Rows:
    return kb.rows(kb.forgot(t), kb.back(t))


def _back(t: Translate, s: Slots) -> kb.Rows:
    return kb.rows(kb.back(t))


MENU = Screen("menu-prompt", lambda t, s: kb.menu(t))
MENU_AGAIN = Screen("menu-more", lambda t, s: kb.menu(t))
MODALITY_UPGRADE = Screen("modality-ask-upgrade", lambda t, s: kb.modalities(t))
MODALITY_CDA = Screen("modality-ask-cda", lambda t, s: kb.modalities(t))

SCREENS: dict[State, Screen] = {
    State.MENU: MENU,
    **{state: MENU_AGAIN for state in MENU_LIKE if state is not State.MENU},
    State.LOGIN_USER: Screen("login-ask-user", _login),
    State.LOGIN_PASSWORD: Screen("login-ask-password", _login, secret=True),
    State.RECOVERY_USER: Screen("recovery-ask", _back),
    State.RESET_PASSWORD: Screen("reset-ask-password", _back, secret=True),
    State.CHOOSE_MODALITY: MODALITY_UPGRADE,
    State.CHOOSE_SERIAL: Screen(
        "serial-ask", lambda t, s: kb.serials(t, s.get("systems", [])), modality=slot("modality")
    ),
    State.UPGRADE_TERMS: Screen(
        "upgrade-terms",
        lambda t, s: kb.terms(t),
        system=slot("system"),
        serial=slot("serial"),
        version=slot("version"),
        new_version=slot("upgrade_to"),
    ),
    State.LICENCE_UPGRADE: Screen(
        "licence-upgrade",
        lambda t, s: kb.licence(t),
        system=slot("system"),
        version=slot("version"),
    ),
    State.CDA_CONFIRM: Screen(
        "cda-confirm",
        lambda t, s: kb.cda_confirm(t),
        system=slot("system"),
        version=slot("version"),
        serial=slot("serial"),
        email=slot("email"),
    ),
    State.HANDOFF: Screen("handoff-waiting", lambda t, s: kb.rows(kb.leave_queue(t))),
}

# Steps whose question depends on the journey under way.
CHOICES: dict[State, Callable[[Slots], Screen]] = {
    State.CHOOSE_MODALITY: lambda s: (
        MODALITY_CDA if s.get("journey") == "cda" else MODALITY_UPGRADE
    ),
}


def screen_of(state: State, slots: Slots) -> Screen:
    choose = CHOICES.get(state)
    return choose(slots) if choose else SCREENS[state]
