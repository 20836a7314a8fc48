"""The steps of the conversation and how they group; ``bot.fsm`` builds the machine on them."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    MENU = "menu"
    LOGIN_USER = "login_user"
    LOGIN_PASSWORD = "login_password"
    RECOVERY_USER = "recovery_user"
    RECOVERY_DONE = "recovery_done"
    CHOOSE_MODALITY = "choose_modality"
    CHOOSE_SERIAL = "choose_serial"
    UPGRADE_TERMS = "upgrade_terms"
    UPGRADE_DONE = "upgrade_done"
    LICENCE_UPGRADE = "licence_upgrade"
    CDA_CONFIRM = "cda_confirm"
    CDA_DONE = "cda_done"
    RESET_PASSWORD = "reset_password"
    HANDOFF = "handoff"


# Where a journey's customer ends up when it is finished: they act like the menu.
MENU_LIKE = (State.MENU, State.RECOVERY_DONE, State.UPGRADE_DONE, State.CDA_DONE)
# Steps that belong to a journey (the rest are the menu and its look-alikes, and the advisor).
JOURNEY_STEPS = tuple(s for s in State if s not in MENU_LIKE and s is not State.HANDOFF)
# Steps whose answer is a password (the login's, or a new one): whatever is typed there is secret.
SECRET_STEPS = (State.LOGIN_PASSWORD, State.RESET_PASSWORD)

# "volver": the previous step of each step.
BACK: dict[State, State] = {
    State.LOGIN_USER: State.MENU,
    State.LOGIN_PASSWORD: State.LOGIN_USER,
    State.RECOVERY_USER: State.MENU,
    State.CHOOSE_MODALITY: State.MENU,
    State.CHOOSE_SERIAL: State.CHOOSE_MODALITY,
    State.UPGRADE_TERMS: State.CHOOSE_SERIAL,
    State.LICENCE_UPGRADE: State.CHOOSE_SERIAL,
    State.CDA_CONFIRM: State.CHOOSE_SERIAL,
    State.RESET_PASSWORD: State.MENU,
}

# Where a customer may start (or switch to) a journey: the menu, and any step once logged in.
JOURNEY_STARTS = [
    *MENU_LIKE,
    State.CHOOSE_MODALITY,
    State.CHOOSE_SERIAL,
    State.UPGRADE_TERMS,
    State.LICENCE_UPGRADE,
    State.CDA_CONFIRM,
]

# Why a customer asks for an advisor at a step where the bot has just said it cannot finish.
HANDOFF_REASONS: dict[State, str] = {State.LICENCE_UPGRADE: "licence"}
