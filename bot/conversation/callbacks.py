"""What the conversation machine does on its transitions: conditions and callbacks.

``bot.fsm`` names these functions by object in its transition list (go-to-definition and a type
checker find them). Each receives the ``EventData`` of one trigger; the model is the turn's
``Dialogue`` (``event.model``) and the trigger's outcome is in ``event.kwargs``. Conditions read;
``before`` callbacks update slots; ``after`` callbacks say what happened; ``arrived`` (after every
state change) records the flow event and shows the prompt of the step reached. Nothing here does
I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from transitions import EventData

from bot.conversation.states import HANDOFF_REASONS, State
from bot.domain.catalogue import default_catalogue
from bot.domain.login import token_hash
from bot.domain.model import (
    AccountSummary,
    Modality,
    Purchase,
    SerialStatus,
    SystemRow,
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


def _current_version(row: SystemRow) -> str | None:
    return default_catalogue().get(row.product).current
