"""The conversation as data: states, transitions, and one shared ``transitions`` machine.

The machine is built once with ``model=None``. Per update, ``bot.conversation.dialogue`` restores
a small model from the stored state name and slots and fires one trigger on it with
``MACHINE.events[name].trigger(model, **kwargs)``: constant cost, no per-chat machine, nothing
attached to the machine between updates (see shared/BASELINE.md).

Triggers come from the step handlers (``bot.conversation.steps``), which read the customer's
input and call the account domain first; the machine then decides the next state from the
outcome. Callbacks and conditions named here are methods of ``Dialogue``:
- ``after`` callbacks say something about what just happened;
- ``after_state_change`` (``arrived``) records the flow event and shows the step's prompt.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from transitions import Machine


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
EVERYWHERE = "*"
NOT_HANDOFF = [s for s in State if s is not State.HANDOFF]

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


def _journey(trigger: str, journey_callback: str) -> list[dict[str, Any]]:
    """Starting a journey: straight to the lists if logged in, else log in first."""
    return [
        {
            "trigger": trigger,
            "source": JOURNEY_STARTS,
            "dest": State.CHOOSE_MODALITY,
            "conditions": "is_logged_in",
            "before": journey_callback,
        },
        {
            "trigger": trigger,
            "source": list(MENU_LIKE),
            "dest": State.LOGIN_USER,
            "before": journey_callback,
        },
    ]


TRANSITIONS: list[dict[str, Any]] = [
    # --- navigation, available everywhere ----------------------------------------------
    {"trigger": "start", "source": NOT_HANDOFF, "dest": State.MENU, "before": "drop_journey"},
    {
        "trigger": "cancel",
        "source": NOT_HANDOFF,
        "dest": State.MENU,
        "before": "drop_journey",
        "after": "say_cancelled",
    },
    {
        "trigger": "logout",
        "source": NOT_HANDOFF,
        "dest": State.MENU,
        "before": "forget_account",
        "after": "say_logged_out",
    },
    {
        "trigger": "expire",
        "source": EVERYWHERE,
        "dest": State.MENU,
        "before": "forget_account",
        "after": "say_expired",
    },
    {"trigger": "help", "source": EVERYWHERE, "dest": None, "after": "say_help"},
    # answers that leave the customer where they were: a FAQ, a greeting, thanks
    {"trigger": "faq", "source": EVERYWHERE, "dest": None, "after": "say_faq"},
    {"trigger": "greet", "source": EVERYWHERE, "dest": None, "after": "say_greeting"},
    {"trigger": "thank", "source": EVERYWHERE, "dest": None, "after": "say_thanks"},
    {"trigger": "unrecognized", "source": EVERYWHERE, "dest": None, "after": "say_unrecognized"},
    *[{"trigger": "back", "source": src, "dest": dst} for src, dst in BACK.items()],
    {"trigger": "back", "source": list(MENU_LIKE), "dest": State.MENU},
    # --- the advisor ----------------------------------------------------------------------
    {"trigger": "advisor", "source": NOT_HANDOFF, "dest": State.HANDOFF, "before": "open_handoff"},
    {"trigger": "advisor", "source": State.HANDOFF, "dest": None, "after": "say_already_queued"},
    {
        "trigger": "leave_handoff",
        "source": State.HANDOFF,
        "dest": State.MENU,
        "before": "close_handoff",
        "after": "say_left_queue",
    },
    {
        "trigger": "handed_back",
        "source": State.HANDOFF,
        "dest": State.MENU,
        "before": "close_handoff",
        "after": "say_handed_back",
    },
    # --- the menu ---------------------------------------------------------------------------
    *_journey("pick_upgrade", "begin_upgrade"),
    *_journey("pick_cda", "begin_cda"),
    {
        "trigger": "pick_recovery",
        "source": list(MENU_LIKE),
        "dest": State.RECOVERY_USER,
        "before": "begin_recovery",
    },
    # --- logging in -------------------------------------------------------------------------
    {
        "trigger": "username_given",
        "source": State.LOGIN_USER,
        "dest": State.LOGIN_PASSWORD,
        "before": "remember_username",
    },
    {
        "trigger": "forgot_password",
        "source": [State.LOGIN_USER, State.LOGIN_PASSWORD],
        "dest": State.RECOVERY_USER,
        "before": "begin_recovery",
    },
    {
        "trigger": "login_ok",
        "source": State.LOGIN_PASSWORD,
        "dest": State.CHOOSE_MODALITY,
        "before": "remember_account",
        "after": "say_welcome",
    },
    {
        "trigger": "login_failed",
        "source": State.LOGIN_PASSWORD,
        "dest": State.LOGIN_USER,
        "after": "say_wrong_password",
    },
    {
        "trigger": "login_locked",
        "source": State.LOGIN_PASSWORD,
        "dest": State.MENU,
        "before": "drop_journey",
        "after": "say_locked",
    },
    # --- password recovery ----------------------------------------------------------------
    {
        "trigger": "recovery_requested",
        "source": State.RECOVERY_USER,
        "dest": State.RECOVERY_DONE,
        "before": "drop_journey",
        "after": "say_recovery_sent",
    },
    # --- a new password, with the code the recovery e-mail brought ---------------------
    {"trigger": "reset_code_given", "source": list(MENU_LIKE), "dest": State.RESET_PASSWORD,
     "before": "remember_reset_code"},
    {"trigger": "password_reset", "source": State.RESET_PASSWORD, "dest": State.MENU,
     "before": "drop_journey", "after": "say_password_reset"},
    {"trigger": "reset_invalid", "source": State.RESET_PASSWORD, "dest": State.MENU,
     "before": "drop_journey", "after": "say_reset_invalid"},
    {"trigger": "reset_weak", "source": State.RESET_PASSWORD, "dest": None,
     "after": "say_reset_weak"},
    # --- Suscripciones / Licenciamiento --------------------------------------------------
    {
        "trigger": "modality_chosen",
        "source": State.CHOOSE_MODALITY,
        "dest": State.CHOOSE_SERIAL,
        "conditions": "has_systems",
        "before": "remember_systems",
    },
    {
        "trigger": "modality_chosen",
        "source": State.CHOOSE_MODALITY,
        "dest": None,
        "after": "say_list_empty",
    },
    # --- picking a serial -----------------------------------------------------------------
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": State.LICENCE_UPGRADE,
        "conditions": ["is_upgrade", "is_licence"],
        "before": "remember_serial",
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": ["is_upgrade", "is_already_upgraded"],
        "after": "say_already_upgraded",
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": ["is_upgrade", "is_newest"],
        "after": "say_newest",
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": ["is_upgrade", "is_not_active"],
        "after": "say_inactive",
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": "is_upgrade",
        "unless": "has_upgrade_path",
        "after": "say_no_upgrade_path",
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": State.UPGRADE_TERMS,
        "conditions": "is_upgrade",
        "before": "remember_serial",
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": "is_physical",
        "after": "say_physical_box",
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": State.CDA_CONFIRM,
        "before": "remember_serial",
    },
    {
        "trigger": "serial_rejected",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "after": "say_serial_rejected",
    },
    # --- the upgrade ----------------------------------------------------------------------
    {
        "trigger": "terms_declined",
        "source": State.UPGRADE_TERMS,
        "dest": State.MENU,
        "before": "drop_journey",
        "after": "say_declined",
    },
    {
        "trigger": "upgraded",
        "source": State.UPGRADE_TERMS,
        "dest": State.UPGRADE_DONE,
        "after": "say_upgraded",
    },
    {
        "trigger": "upgrade_refused",
        "source": State.UPGRADE_TERMS,
        "dest": State.CHOOSE_SERIAL,
        "after": "say_upgrade_refused",
    },
    # --- the CDA --------------------------------------------------------------------------
    {
        "trigger": "cda_sent",
        "source": State.CDA_CONFIRM,
        "dest": State.CDA_DONE,
        "after": "say_cda_sent",
    },
    {
        "trigger": "cda_refused",
        "source": State.CDA_CONFIRM,
        "dest": State.CHOOSE_SERIAL,
        "after": "say_cda_refused",
    },
]

MACHINE = Machine(
    model=None,
    states=State,
    transitions=TRANSITIONS,
    initial=State.MENU,
    auto_transitions=False,
    send_event=True,
    after_state_change="arrived",
)


def triggers() -> list[str]:
    return list(MACHINE.events)
