"""Buttons of each step. Labels come from the locale; data is compact and stable.

Data is what a channel sends back when a button is pressed (Telegram allows 64 bytes). The
engine accepts a press only if its data was offered by the last replies of that chat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.conversation.messages import Button

Rows = tuple[tuple[Button, ...], ...]
Translate = Callable[..., str]

UPGRADE, CDA, FORGOT, ADVISOR, HELP = "m:upgrade", "m:cda", "m:forgot", "m:advisor", "m:help"
BACK, MENU, LEAVE_QUEUE = "nav:back", "nav:menu", "nav:leave"
SUBSCRIPTIONS, LICENCES = "mod:subscription", "mod:licence"
ACCEPT, DECLINE = "t:accept", "t:decline"
SEND_CDA = "cda:send"
SERIAL_PREFIX = "s:"
CLARIFY_PREFIX, CLARIFY_NONE = "c:", "none"  # "¿Quieres … o …?": c:<intent>, or c:none


def rows(*buttons: Button) -> Rows:
    return tuple((button,) for button in buttons)


def _b(t: Translate, key: str, data: str, **args: Any) -> Button:
    return Button(t(key, **args), data)


def forgot(t: Translate) -> Button:
    return _b(t, "btn-forgot", FORGOT)


def back(t: Translate) -> Button:
    return _b(t, "btn-back", BACK)


def main_menu(t: Translate) -> Button:
    return _b(t, "btn-menu", MENU)


def advisor(t: Translate) -> Button:
    return _b(t, "btn-advisor", ADVISOR)


def leave_queue(t: Translate) -> Button:
    return _b(t, "btn-leave-queue", LEAVE_QUEUE)


def then_button(t: Translate, data: str, request: str) -> Button:
    """A second request of the customer's, offered when the first is done (a menu entry)."""
    return _b(t, "btn-then", data, request=request)


def clarify_option(t: Translate, intent: str) -> Button:
    return _b(t, "btn-clarify", CLARIFY_PREFIX + intent, intent=intent)


def clarify_none(t: Translate) -> Button:
    return _b(t, "btn-clarify-none", CLARIFY_PREFIX + CLARIFY_NONE)


def menu(t: Translate) -> Rows:
    return (
        (_b(t, "btn-upgrade", UPGRADE),),
        (_b(t, "btn-cda", CDA),),
        (forgot(t),),
        (advisor(t), _b(t, "btn-help", HELP)),
    )


def modalities(t: Translate) -> Rows:
    return (
        (_b(t, "btn-subscriptions", SUBSCRIPTIONS), _b(t, "btn-licences", LICENCES)),
        (back(t),),
    )


def serials(t: Translate, systems: Sequence[Sequence[str]]) -> Rows:
    """One button per system: ``[serial, system name, version]`` as kept in the slots."""
    return (
        *(
            (
                _b(
                    t,
                    "btn-serial",
                    SERIAL_PREFIX + serial,
                    system=name,
                    version=version,
                    serial=serial,
                ),
            )
            for serial, name, version in systems
        ),
        (back(t),),
    )


def terms(t: Translate) -> Rows:
    return ((_b(t, "btn-accept", ACCEPT),), (_b(t, "btn-decline", DECLINE),))


def licence(t: Translate) -> Rows:
    return ((advisor(t),), (back(t), main_menu(t)))


def cda_confirm(t: Translate) -> Rows:
    return ((_b(t, "btn-send-cda", SEND_CDA),), (back(t),))
