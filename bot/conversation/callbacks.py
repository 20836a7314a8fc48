"""What the conversation machine does on its transitions: conditions and callbacks.

``bot.fsm`` names these functions by object in its transition list (go-to-definition and a type
checker find them). Each receives the ``EventData`` of one trigger; the model is the turn's
``Dialogue`` (``event.model``) and the trigger's outcome is in ``event.kwargs``. Conditions read;
``before`` callbacks update slots; ``after`` callbacks say what happened; ``arrived`` (after every
state change) records the flow event and shows the prompt of the step reached. Nothing here does
I/O.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from transitions import EventData

from bot.conversation import keyboards as kb
from bot.conversation.states import HANDOFF_REASONS, State
from bot.domain import errors
from bot.domain.catalogue import default_catalogue
from bot.domain.login import token_hash
from bot.domain.model import (
    AccountSummary,
    CdaResendResult,
    Modality,
    Purchase,
    SerialStatus,
    SystemRow,
    UpgradeResult,
    mask_email,
)

if TYPE_CHECKING:
    from bot.conversation.dialogue import Dialogue

DATE_FORMAT = "%d/%m/%Y"


def arrived(event: EventData) -> None:
    d: Dialogue = event.model
    assert event.transition is not None  # after_state_change: a transition ran
    source, dest = event.transition.source, event.transition.dest
    if dest is not None and source != dest:
        journey, product = d.slots.get("journey"), d.slots.get("product")
        if journey is None:  # cancel, expire, declined terms…: the journey being left
            journey, product = d.left
        d.moved(State[source], State[dest], event.event.name, journey, product)
        d.slots.pop("misses", None)
        if d.slots.get("advisor_offer", {}).get("at") != State[dest].value:
            d.slots.pop("advisor_offer", None)
    if d.state is not State.RESET_PASSWORD:
        d.slots.pop("reset_digest", None)  # the code's digest, kept for one step only
    d.prompt()


# --- conditions ---------------------------------------------------------------------


def is_logged_in(event: EventData) -> bool:
    d: Dialogue = event.model
    return d.account_id is not None


def has_systems(event: EventData) -> bool:
    return bool(event.kwargs["systems"])


def _row(event: EventData) -> SystemRow:
    row: SystemRow = event.kwargs["row"]
    return row


def is_upgrade(event: EventData) -> bool:
    d: Dialogue = event.model
    return d.slots.get("journey") == "upgrade"


def is_licence(event: EventData) -> bool:
    return _row(event).modality is Modality.LICENCE


def is_already_upgraded(event: EventData) -> bool:
    return _row(event).replaced_by is not None


def is_newest(event: EventData) -> bool:
    row = _row(event)
    return row.upgrade_to is None and row.version == _current_version(row)


def is_not_active(event: EventData) -> bool:
    return _row(event).status is not SerialStatus.ACTIVE


def has_upgrade_path(event: EventData) -> bool:
    return _row(event).upgrade_to is not None


def is_physical(event: EventData) -> bool:
    return _row(event).purchase is Purchase.PHYSICAL


# --- remembering --------------------------------------------------------------------


def _keep_only(d: Dialogue, *names: str) -> None:
    for name in list(d.slots):
        if name not in names:
            del d.slots[name]


def drop_journey(event: EventData) -> None:
    d: Dialogue = event.model
    _keep_only(d, "name", "email", "user")


def forget_account(event: EventData) -> None:
    d: Dialogue = event.model
    d.account_id = None
    d.slots.clear()


def _begin(d: Dialogue, journey: str, event: EventData) -> None:
    """Start a journey, remembering a product or serial the customer already named."""
    _keep_only(d, "name", "email", "user")
    d.slots["journey"] = journey
    for hint in ("product", "serial"):
        if event.kwargs.get(hint):
            d.slots[f"hint_{hint}"] = event.kwargs[hint]


def begin_upgrade(event: EventData) -> None:
    d: Dialogue = event.model
    _begin(d, "upgrade", event)


def begin_cda(event: EventData) -> None:
    d: Dialogue = event.model
    _begin(d, "cda", event)


def begin_recovery(event: EventData) -> None:
    d: Dialogue = event.model
    _keep_only(d, "name", "email", "user")
    d.slots["journey"] = "recovery"


def remember_reset_code(event: EventData) -> None:
    d: Dialogue = event.model
    d.slots["reset_digest"] = token_hash(event.kwargs["code"])  # never the code itself


def remember_username(event: EventData) -> None:
    d: Dialogue = event.model
    d.slots["username"] = event.kwargs["username"]


def remember_account(event: EventData) -> None:
    d: Dialogue = event.model
    account: AccountSummary = event.kwargs["account"]
    d.account_id = account.id
    d.slots.pop("username", None)
    d.slots["user"] = account.username
    d.slots["name"] = account.holder_name.split()[0]
    d.slots["email"] = mask_email(account.email)


def remember_systems(event: EventData) -> None:
    d: Dialogue = event.model
    d.slots["modality"] = str(event.kwargs["modality"])
    d.slots["systems"] = [
        [row.serial, row.product_name, row.version] for row in event.kwargs["systems"]
    ]


def remember_serial(event: EventData) -> None:
    d: Dialogue = event.model
    row = _row(event)
    d.slots.update(
        serial=row.serial,
        product=row.product,
        system=row.product_name,
        version=row.version,
        upgrade_to=row.upgrade_to,
    )


def offer_advisor(d: Dialogue, reason: str, step: State, **context: str) -> None:
    """Remember why the bot just offered an advisor, for the ticket if the customer accepts."""
    at = d.state.value
    d.slots["advisor_offer"] = {"reason": reason, "at": at, "step": step.value, **context}


def open_handoff(event: EventData) -> None:
    d: Dialogue = event.model
    offer = d.slots.pop("advisor_offer", {})
    if offer.get("at") != d.state.value:
        offer = {}
    d.handoff_reason = (
        event.kwargs.get("reason") or offer.get("reason") or HANDOFF_REASONS.get(d.state, "asked")
    )
    d.slots["handoff_from"] = offer.get("step", d.state.value)
    d.slots.update({k: offer[k] for k in ("product", "serial") if k in offer})
    if d.handoff_reason == "stuck":
        d.say("handoff-intro-stuck")


def close_handoff(event: EventData) -> None:
    d: Dialogue = event.model
    d.handoff_closed = "left" if event.event.name == "leave_handoff" else "closed"
    d.slots.pop("handoff_from", None)


# --- saying what happened -----------------------------------------------------------


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


def _current_version(row: SystemRow) -> str | None:
    return default_catalogue().get(row.product).current


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
