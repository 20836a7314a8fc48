"""What the conversation machine says after its transitions: the ``after`` callbacks.

``bot.fsm`` names these functions by object, as it does the conditions and slot updates of
``bot.conversation.callbacks``. Each receives the ``EventData`` of one trigger; the model is the
turn's ``Dialogue`` (``event.model``) and the trigger's outcome is in ``event.kwargs``. Each only
queues what to say (message keys of ``locales/es``) on the dialogue; nothing here does I/O.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from transitions import EventData

from bot.conversation import keyboards as kb
from bot.conversation.callbacks import _row, offer_advisor
from bot.conversation.states import State
from bot.domain import errors
from bot.domain.model import (
    CdaResendResult,
    Modality,
    UpgradeResult,
)

if TYPE_CHECKING:
    from bot.conversation.dialogue import Dialogue

DATE_FORMAT = "%d/%m/%Y"


# --- -----------------------------------------------------------


def say_cancelled(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("journey-cancelled")


def say_logged_out(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("logged-out")


def say_expired(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("session-expired", keep=True)


def say_help(event: EventData) -> None:
    d: Dialogue = event.model
    d.say(HELP_KEYS.get(d.state, "help-menu"), keep=True)


def say_faq(event: EventData) -> None:
    d: Dialogue = event.model
    d.say(event.kwargs["key"], keep=True)


def say_greeting(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("greeting-reply")


def say_thanks(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("thanks-reply")


def say_unrecognized(event: EventData) -> None:
    d: Dialogue = event.model
    d.slots["misses"] = d.slots.get("misses", 0) + 1
    d.say(event.kwargs.get("key", "reply-unrecognized"))


def say_already_queued(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("handoff-already-queued")


def say_left_queue(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("handoff-left")


def say_handed_back(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("handoff-returned")


def say_welcome(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("login-welcome", name=d.slots["name"])


def say_wrong_password(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("login-wrong")


def say_locked(event: EventData) -> None:
    d: Dialogue = event.model
    until: datetime = event.kwargs["until"]
    minutes = max(1, round((until - d.now).total_seconds() / 60))
    d.say("login-locked", keep=True, minutes=minutes)
    offer_advisor(d, "locked", State.LOGIN_PASSWORD)


def say_recovery_sent(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("recovery-sent", keep=True)


def say_password_reset(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("reset-done", keep=True)


def say_reset_invalid(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("reset-invalid")


def say_reset_weak(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("reset-weak", minimum=event.kwargs["minimum"])


def say_list_empty(event: EventData) -> None:
    d: Dialogue = event.model
    key = (
        "list-empty-subscription"
        if event.kwargs["modality"] is Modality.SUBSCRIPTION
        else "list-empty-licence"
    )
    d.say(key, keep=True)


def say_already_upgraded(event: EventData) -> None:
    d: Dialogue = event.model
    row = _row(event)
    d.say(
        "upgrade-already-done",
        keep=True,
        system=row.product_name,
        serial=row.serial,
        new_serial=row.replaced_by or "",
        until=_date(row.usable_until),
    )


def say_newest(event: EventData) -> None:
    d: Dialogue = event.model
    row = _row(event)
    d.say("upgrade-newest", keep=True, system=row.product_name, version=row.version)


def say_inactive(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("upgrade-inactive", keep=True, serial=_row(event).serial)


def say_no_upgrade_path(event: EventData) -> None:
    d: Dialogue = event.model
    row = _row(event)
    d.say("upgrade-no-path", keep=True, system=row.product_name, version=row.version)


def say_physical_box(event: EventData) -> None:
    d: Dialogue = event.model
    row = _row(event)
    advisor = kb.rows(kb.advisor(d.t))
    d.say("cda-physical", keep=True, buttons=advisor, system=row.product_name)
    offer_advisor(d, "physical_box", d.state, product=row.product, serial=row.serial)


def say_serial_rejected(event: EventData) -> None:
    d: Dialogue = event.model
    error: errors.SerialError = event.kwargs["error"]
    key = "serial-malformed" if isinstance(error, errors.MalformedSerial) else "serial-not-found"
    d.say(key, serial=error.serial)


def say_declined(event: EventData) -> None:
    d: Dialogue = event.model
    d.say("upgrade-declined")


def say_upgraded(event: EventData) -> None:
    d: Dialogue = event.model
    result: UpgradeResult = event.kwargs["result"]
    d.slots["new_serial"] = result.new_serial
    key = "upgrade-replayed" if result.already_done else "upgrade-done"
    d.say(
        key,
        keep=True,
        system=result.product_name,
        old_serial=result.old_serial,
        new_serial=result.new_serial,
        new_version=result.new_version,
        until=_date(result.old_usable_until),
        email=result.masked_email,
    )
    contact = "next-steps-distributor" if result.distributor else "next-steps-no-distributor"
    d.say("upgrade-next-steps", keep=True)
    d.say(contact, distributor=result.distributor or "")


def say_upgrade_refused(event: EventData) -> None:
    d: Dialogue = event.model
    d.say(REFUSAL_KEYS.get(type(event.kwargs["error"]), "upgrade-refused"), keep=True)


def say_cda_sent(event: EventData) -> None:
    d: Dialogue = event.model
    result: CdaResendResult = event.kwargs["result"]
    d.say(
        "cda-sent",
        keep=True,
        system=result.product_name,
        serial=result.serial,
        email=result.masked_email,
    )


def say_cda_refused(event: EventData) -> None:
    d: Dialogue = event.model
    error = event.kwargs["error"]
    if isinstance(error, errors.CdaResendLimited):
        minutes = max(1, round(error.retry_after.total_seconds() / 60))
        d.say("cda-limited", keep=True, minutes=minutes)
    else:
        d.say("cda-physical", keep=True, system=d.slots.get("system", ""))


def _date(value: Any) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


HELP_KEYS: dict[State, str] = {
    State.LOGIN_USER: "help-login",
    State.LOGIN_PASSWORD: "help-login",
    State.RECOVERY_USER: "help-recovery",
    State.RESET_PASSWORD: "help-reset",
    State.CHOOSE_MODALITY: "help-modality",
    State.CHOOSE_SERIAL: "help-serial",
    State.UPGRADE_TERMS: "help-terms",
    State.LICENCE_UPGRADE: "help-licence",
    State.CDA_CONFIRM: "help-cda",
    State.HANDOFF: "help-handoff",
}

REFUSAL_KEYS: dict[type, str] = {
    errors.LicenceNeedsPurchase: "licence-upgrade-refused",
    errors.AlreadyNewestVersion: "upgrade-refused-newest",
    errors.NoUpgradePath: "upgrade-refused-no-path",
    errors.SerialNotActive: "upgrade-refused-inactive",
    errors.SerialNotFound: "serial-not-found",
}
