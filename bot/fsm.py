"""The conversation as data: states, transitions, and one shared ``transitions`` machine.

The machine is built once with ``model=None``. Per update, ``bot.conversation.dialogue`` restores
a small model from the stored state name and slots and fires one trigger on it with
``MACHINE.events[name].trigger(model, **kwargs)``: constant cost, no per-chat machine, nothing
attached to the machine between updates (see shared/BASELINE.md).

Triggers come from the step handlers (``bot.conversation.steps``), which read the customer's
input and call the account domain first; the machine then decides the next state from the
outcome. Conditions and callbacks are the functions of ``bot.conversation.callbacks``, named by
object (``said.say_upgraded``), not by string:
- ``after`` callbacks say something about what just happened;
- ``after_state_change`` (``arrived``) records the flow event and shows the step's prompt.
The states themselves are in ``bot.conversation.states``; each step's screen in
``bot.conversation.screens``.
"""

from __future__ import annotations

import logging
from typing import Any

from transitions import Machine

from bot.conversation import callbacks as cb
from bot.conversation import sayings as said
from bot.conversation.secrecy import CODE_STEPS
from bot.conversation.states import (
    BACK,
    JOURNEY_STARTS,
    JOURNEY_STEPS,
    MENU_LIKE,
    SECRET_STEPS,
    State,
)

# transitions logs several INFO lines per trigger; ``configure_logging`` lowers this at DEBUG.
logging.getLogger("transitions").setLevel(logging.WARNING)

EVERYWHERE = "*"
NOT_HANDOFF = [s for s in State if s is not State.HANDOFF]


def _journey(trigger: str, journey_callback: Any) -> list[dict[str, Any]]:
    """Starting a journey: straight to the lists if logged in, else log in first."""
    return [
        {
            "trigger": trigger,
            "source": JOURNEY_STARTS,
            "dest": State.CHOOSE_MODALITY,
            "conditions": cb.is_logged_in,
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
    {"trigger": "start", "source": NOT_HANDOFF, "dest": State.MENU, "before": cb.drop_journey},
    {
        "trigger": "cancel",
        "source": NOT_HANDOFF,
        "dest": State.MENU,
        "before": cb.drop_journey,
        "after": said.say_cancelled,
    },
    {
        "trigger": "logout",
        "source": NOT_HANDOFF,
        "dest": State.MENU,
        "before": cb.forget_account,
        "after": said.say_logged_out,
    },
    {
        "trigger": "expire",
        "source": EVERYWHERE,
        "dest": State.MENU,
        "before": cb.forget_account,
        "after": said.say_expired,
    },
    {"trigger": "help", "source": EVERYWHERE, "dest": None, "after": said.say_help},
    # answers that leave the customer where they were: a FAQ, a greeting, thanks
    {"trigger": "faq", "source": EVERYWHERE, "dest": None, "after": said.say_faq},
    {"trigger": "greet", "source": EVERYWHERE, "dest": None, "after": said.say_greeting},
    {"trigger": "thank", "source": EVERYWHERE, "dest": None, "after": said.say_thanks},
    {
        "trigger": "unrecognized",
        "source": EVERYWHERE,
        "dest": None,
        "after": said.say_unrecognized,
    },
    *[{"trigger": "back", "source": src, "dest": dst} for src, dst in BACK.items()],
    {"trigger": "back", "source": list(MENU_LIKE), "dest": State.MENU},
    # --- the advisor ----------------------------------------------------------------------
    {"trigger": "advisor", "source": NOT_HANDOFF, "dest": State.HANDOFF, "before": cb.open_handoff},
    {
        "trigger": "advisor",
        "source": State.HANDOFF,
        "dest": None,
        "after": said.say_already_queued,
    },
    {
        "trigger": "leave_handoff",
        "source": State.HANDOFF,
        "dest": State.MENU,
        "before": cb.close_handoff,
        "after": said.say_left_queue,
    },
    {
        "trigger": "handed_back",
        "source": State.HANDOFF,
        "dest": State.MENU,
        "before": cb.close_handoff,
        "after": said.say_handed_back,
    },
    # --- the menu ---------------------------------------------------------------------------
    *_journey("pick_upgrade", cb.begin_upgrade),
    *_journey("pick_cda", cb.begin_cda),
    {
        "trigger": "pick_recovery",
        "source": list(MENU_LIKE),
        "dest": State.RECOVERY_USER,
        "before": cb.begin_recovery,
    },
    # --- logging in -------------------------------------------------------------------------
    {
        "trigger": "username_given",
        "source": State.LOGIN_USER,
        "dest": State.LOGIN_PASSWORD,
        "before": cb.remember_username,
    },
    {
        "trigger": "forgot_password",
        "source": [State.LOGIN_USER, State.LOGIN_PASSWORD],
        "dest": State.RECOVERY_USER,
        "before": cb.begin_recovery,
    },
    {
        "trigger": "login_ok",
        "source": State.LOGIN_PASSWORD,
        "dest": State.CHOOSE_MODALITY,
        "before": cb.remember_account,
        "after": said.say_welcome,
    },
    {
        "trigger": "login_failed",
        "source": State.LOGIN_PASSWORD,
        "dest": State.LOGIN_USER,
        "after": said.say_wrong_password,
    },
    {
        "trigger": "login_locked",
        "source": State.LOGIN_PASSWORD,
        "dest": State.MENU,
        "before": cb.drop_journey,
        "after": said.say_locked,
    },
    # --- password recovery ----------------------------------------------------------------
    {
        "trigger": "recovery_requested",
        "source": State.RECOVERY_USER,
        "dest": State.RECOVERY_DONE,
        "before": cb.drop_journey,
        "after": said.say_recovery_sent,
    },
    # --- a new password, with the code the recovery e-mail brought (pasted at the menu, or
    # at the "usuario o correo" steps) -----------------------------------------------------
    {
        "trigger": "reset_code_given",
        "source": list(CODE_STEPS),
        "dest": State.RESET_PASSWORD,
        "before": cb.remember_reset_code,
    },
    {
        "trigger": "password_reset",
        "source": State.RESET_PASSWORD,
        "dest": State.MENU,
        "before": cb.drop_journey,
        "after": said.say_password_reset,
    },
    {
        "trigger": "reset_invalid",
        "source": State.RESET_PASSWORD,
        "dest": State.MENU,
        "before": cb.drop_journey,
        "after": said.say_reset_invalid,
    },
    {
        "trigger": "reset_weak",
        "source": State.RESET_PASSWORD,
        "dest": None,
        "after": said.say_reset_weak,
    },
    # --- Suscripciones / Licenciamiento --------------------------------------------------
    {
        "trigger": "modality_chosen",
        "source": State.CHOOSE_MODALITY,
        "dest": State.CHOOSE_SERIAL,
        "conditions": cb.has_systems,
        "before": cb.remember_systems,
    },
    {
        "trigger": "modality_chosen",
        "source": State.CHOOSE_MODALITY,
        "dest": None,
        "after": said.say_list_empty,
    },
    # --- picking a serial -----------------------------------------------------------------
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": State.LICENCE_UPGRADE,
        "conditions": [cb.is_upgrade, cb.is_licence],
        "before": cb.remember_serial,
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": [cb.is_upgrade, cb.is_already_upgraded],
        "after": said.say_already_upgraded,
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": [cb.is_upgrade, cb.is_newest],
        "after": said.say_newest,
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": [cb.is_upgrade, cb.is_not_active],
        "after": said.say_inactive,
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": cb.is_upgrade,
        "unless": cb.has_upgrade_path,
        "after": said.say_no_upgrade_path,
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": State.UPGRADE_TERMS,
        "conditions": cb.is_upgrade,
        "before": cb.remember_serial,
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "conditions": cb.is_physical,
        "after": said.say_physical_box,
    },
    {
        "trigger": "serial_chosen",
        "source": State.CHOOSE_SERIAL,
        "dest": State.CDA_CONFIRM,
        "before": cb.remember_serial,
    },
    {
        "trigger": "serial_rejected",
        "source": State.CHOOSE_SERIAL,
        "dest": None,
        "after": said.say_serial_rejected,
    },
    # --- the upgrade ----------------------------------------------------------------------
    {
        "trigger": "terms_declined",
        "source": State.UPGRADE_TERMS,
        "dest": State.MENU,
        "before": cb.drop_journey,
        "after": said.say_declined,
    },
    {
        "trigger": "upgraded",
        "source": State.UPGRADE_TERMS,
        "dest": State.UPGRADE_DONE,
        "after": said.say_upgraded,
    },
    {
        "trigger": "upgrade_refused",
        "source": State.UPGRADE_TERMS,
        "dest": State.CHOOSE_SERIAL,
        "after": said.say_upgrade_refused,
    },
    # --- the CDA --------------------------------------------------------------------------
    {
        "trigger": "cda_sent",
        "source": State.CDA_CONFIRM,
        "dest": State.CDA_DONE,
        "after": said.say_cda_sent,
    },
    {
        "trigger": "cda_refused",
        "source": State.CDA_CONFIRM,
        "dest": State.CHOOSE_SERIAL,
        "after": said.say_cda_refused,
    },
]

MACHINE = Machine(
    model=None,
    states=State,
    transitions=TRANSITIONS,
    initial=State.MENU,
    auto_transitions=False,
    send_event=True,
    after_state_change=cb.arrived,
)


def triggers() -> list[str]:
    return list(MACHINE.events)


__all__ = ["JOURNEY_STEPS", "MACHINE", "MENU_LIKE", "SECRET_STEPS", "State", "TRANSITIONS"]
