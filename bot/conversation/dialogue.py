"""The per-update model the shared machine of ``bot.fsm`` acts on.

A ``Dialogue`` is restored from the stored state name and slots, receives one trigger, and
collects what to say. Conditions read the trigger's outcome (``event.kwargs``); ``before``
callbacks update slots; ``after`` callbacks say what happened; ``arrived`` records the flow
event and shows the prompt of the step reached. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from transitions import EventData

from bot.conversation import keyboards as kb
from bot.conversation.messages import Button, Reply
from bot.domain import errors
from bot.domain.catalogue import default_catalogue
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
from bot.fsm import MACHINE, MENU_LIKE, State

Translate = Callable[..., str]
DATE_FORMAT = "%d/%m/%Y"


@dataclass(slots=True)
class FlowEvent:
    from_state: str
    to_state: str
    trigger: str
    journey: str | None
    product: str | None


@dataclass(slots=True)
class Dialogue:
    state: State
    slots: dict[str, Any]
    account_id: int | None
    t: Translate
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    flow: list[FlowEvent] = field(default_factory=list)
    handoff_reason: str | None = None  # set when this update asks for an advisor
    handoff_closed: str | None = None  # "closed" (by the advisor) or "left" (by the customer)
    # (journey, product) as the trigger found them: a ``before`` callback may drop the journey
    left: tuple[str | None, str | None] = (None, None)

    # --- firing -------------------------------------------------------------------------

    def fire(self, trigger: str, **kwargs: Any) -> bool:
        """Fire one trigger; False when the current step has no such transition."""
        event = MACHINE.events.get(trigger)
        if event is None or self.state.name not in event.transitions:
            return False
        self.left = (self.slots.get("journey"), self.slots.get("product"))
        return bool(event.trigger(self, **kwargs))

    # --- saying things ------------------------------------------------------------------

    def say(self, key: str, *, buttons: kb.Rows = (), secret: bool = False, **args: Any) -> None:
        self.replies.append(Reply(key, self.t(key, **args), buttons, secret))

    def prompt(self) -> None:
        """Show the current step's question and its buttons (again)."""
        PROMPTS[self.state](self)

    def arrived(self, event: EventData) -> None:
        source, dest = event.transition.source, event.transition.dest
        if dest is not None and source != dest:
            journey, product = self.slots.get("journey"), self.slots.get("product")
            if journey is None:  # cancel, expire, declined terms…: the journey being left
                journey, product = self.left
            self.flow.append(
                FlowEvent(
                    from_state=State[source].value,
                    to_state=State[dest].value,
                    trigger=event.event.name,
                    journey=journey,
                    product=product,
                )
            )
            self.slots.pop("misses", None)
            if self.slots.get("advisor_offer", {}).get("at") != State[dest].value:
                self.slots.pop("advisor_offer", None)
        if self.state is not State.RESET_PASSWORD:
            self.slots.pop("reset_code", None)  # a one-time secret: kept for one step only
        self.prompt()

    # --- conditions ---------------------------------------------------------------------

    def is_logged_in(self, event: EventData) -> bool:
        return self.account_id is not None

    def has_systems(self, event: EventData) -> bool:
        return bool(event.kwargs["systems"])

    def _row(self, event: EventData) -> SystemRow:
        row: SystemRow = event.kwargs["row"]
        return row

    def is_upgrade(self, event: EventData) -> bool:
        return self.slots.get("journey") == "upgrade"

    def is_licence(self, event: EventData) -> bool:
        return self._row(event).modality is Modality.LICENCE

    def is_already_upgraded(self, event: EventData) -> bool:
        return self._row(event).replaced_by is not None

    def is_newest(self, event: EventData) -> bool:
        row = self._row(event)
        return row.upgrade_to is None and row.version == _current_version(row)

    def is_not_active(self, event: EventData) -> bool:
        return self._row(event).status is not SerialStatus.ACTIVE

    def has_upgrade_path(self, event: EventData) -> bool:
        return self._row(event).upgrade_to is not None

    def is_physical(self, event: EventData) -> bool:
        return self._row(event).purchase is Purchase.PHYSICAL

    # --- remembering --------------------------------------------------------------------

    def _keep_only(self, *names: str) -> None:
        for name in list(self.slots):
            if name not in names:
                del self.slots[name]

    def drop_journey(self, event: EventData) -> None:
        self._keep_only("name", "email", "user")

    def forget_account(self, event: EventData) -> None:
        self.account_id = None
        self.slots.clear()

    def _begin(self, journey: str, event: EventData) -> None:
        """Start a journey, remembering a product or serial the customer already named."""
        self._keep_only("name", "email", "user")
        self.slots["journey"] = journey
        for hint in ("product", "serial"):
            if event.kwargs.get(hint):
                self.slots[f"hint_{hint}"] = event.kwargs[hint]

    def begin_upgrade(self, event: EventData) -> None:
        self._begin("upgrade", event)

    def begin_cda(self, event: EventData) -> None:
        self._begin("cda", event)

    def begin_recovery(self, event: EventData) -> None:
        self._keep_only("name", "email", "user")
        self.slots["journey"] = "recovery"

    def remember_reset_code(self, event: EventData) -> None:
        self.slots["reset_code"] = event.kwargs["code"]

    def remember_username(self, event: EventData) -> None:
        self.slots["username"] = event.kwargs["username"]

    def remember_account(self, event: EventData) -> None:
        account: AccountSummary = event.kwargs["account"]
        self.account_id = account.id
        self.slots.pop("username", None)
        self.slots["user"] = account.username
        self.slots["name"] = account.holder_name.split()[0]
        self.slots["email"] = mask_email(account.email)

    def remember_systems(self, event: EventData) -> None:
        self.slots["modality"] = str(event.kwargs["modality"])
        self.slots["systems"] = [
            [row.serial, row.product_name, row.version] for row in event.kwargs["systems"]
        ]

    def remember_serial(self, event: EventData) -> None:
        row = self._row(event)
        self.slots.update(
            serial=row.serial,
            product=row.product,
            system=row.product_name,
            version=row.version,
            upgrade_to=row.upgrade_to,
        )

    def offer_advisor(self, reason: str, step: State, **context: str) -> None:
        """Remember why the bot just offered an advisor, for the ticket if the customer accepts."""
        at = self.state.value
        self.slots["advisor_offer"] = {"reason": reason, "at": at, "step": step.value, **context}

    def open_handoff(self, event: EventData) -> None:
        offer = self.slots.pop("advisor_offer", {})
        if offer.get("at") != self.state.value:
            offer = {}
        self.handoff_reason = (
            event.kwargs.get("reason")
            or offer.get("reason")
            or HANDOFF_REASONS.get(self.state, "asked")
        )
        self.slots["handoff_from"] = offer.get("step", self.state.value)
        self.slots.update({k: offer[k] for k in ("product", "serial") if k in offer})
        if self.handoff_reason == "stuck":
            self.say("handoff-intro-stuck")

    def close_handoff(self, event: EventData) -> None:
        self.handoff_closed = "left" if event.event.name == "leave_handoff" else "closed"
        self.slots.pop("handoff_from", None)

    # --- saying what happened -----------------------------------------------------------

    def say_cancelled(self, event: EventData) -> None:
        self.say("journey-cancelled")

    def say_logged_out(self, event: EventData) -> None:
        self.say("logged-out")

    def say_expired(self, event: EventData) -> None:
        self.say("session-expired")

    def say_help(self, event: EventData) -> None:
        self.say(HELP_KEYS.get(self.state, "help-menu"))

    def say_faq(self, event: EventData) -> None:
        self.say(event.kwargs["key"])

    def say_greeting(self, event: EventData) -> None:
        self.say("greeting-reply")

    def say_thanks(self, event: EventData) -> None:
        self.say("thanks-reply")

    def say_unrecognized(self, event: EventData) -> None:
        self.slots["misses"] = self.slots.get("misses", 0) + 1
        self.say(event.kwargs.get("key", "reply-unrecognized"))

    def say_already_queued(self, event: EventData) -> None:
        self.say("handoff-already-queued")

    def say_left_queue(self, event: EventData) -> None:
        self.say("handoff-left")

    def say_handed_back(self, event: EventData) -> None:
        self.say("handoff-returned")

    def say_welcome(self, event: EventData) -> None:
        self.say("login-welcome", name=self.slots["name"])

    def say_wrong_password(self, event: EventData) -> None:
        self.say("login-wrong")

    def say_locked(self, event: EventData) -> None:
        until: datetime = event.kwargs["until"]
        minutes = max(1, round((until - self.now).total_seconds() / 60))
        self.say("login-locked", minutes=minutes)
        self.offer_advisor("locked", State.LOGIN_PASSWORD)

    def say_recovery_sent(self, event: EventData) -> None:
        self.say("recovery-sent")

    def say_password_reset(self, event: EventData) -> None:
        self.say("reset-done")

    def say_reset_invalid(self, event: EventData) -> None:
        self.say("reset-invalid")

    def say_reset_weak(self, event: EventData) -> None:
        self.say("reset-weak", minimum=event.kwargs["minimum"])

    def say_list_empty(self, event: EventData) -> None:
        key = (
            "list-empty-subscription"
            if event.kwargs["modality"] is Modality.SUBSCRIPTION
            else "list-empty-licence"
        )
        self.say(key)

    def say_already_upgraded(self, event: EventData) -> None:
        row = self._row(event)
        self.say(
            "upgrade-already-done",
            system=row.product_name,
            serial=row.serial,
            new_serial=row.replaced_by or "",
            until=_date(row.usable_until),
        )

    def say_newest(self, event: EventData) -> None:
        row = self._row(event)
        self.say("upgrade-newest", system=row.product_name, version=row.version)

    def say_inactive(self, event: EventData) -> None:
        self.say("upgrade-inactive", serial=self._row(event).serial)

    def say_no_upgrade_path(self, event: EventData) -> None:
        row = self._row(event)
        self.say("upgrade-no-path", system=row.product_name, version=row.version)

    def say_physical_box(self, event: EventData) -> None:
        row = self._row(event)
        advisor = kb.rows(kb.advisor(self.t))
        self.say("cda-physical", buttons=advisor, system=row.product_name)
        self.offer_advisor("physical_box", self.state, product=row.product, serial=row.serial)

    def say_serial_rejected(self, event: EventData) -> None:
        error: errors.SerialError = event.kwargs["error"]
        key = (
            "serial-malformed" if isinstance(error, errors.MalformedSerial) else "serial-not-found"
        )
        self.say(key, serial=error.serial)

    def say_declined(self, event: EventData) -> None:
        self.say("upgrade-declined")

    def say_upgraded(self, event: EventData) -> None:
        result: UpgradeResult = event.kwargs["result"]
        self.slots["new_serial"] = result.new_serial
        key = "upgrade-replayed" if result.already_done else "upgrade-done"
        self.say(
            key,
            system=result.product_name,
            old_serial=result.old_serial,
            new_serial=result.new_serial,
            new_version=result.new_version,
            until=_date(result.old_usable_until),
            email=result.masked_email,
        )
        contact = "next-steps-distributor" if result.distributor else "next-steps-no-distributor"
        self.say("upgrade-next-steps")
        self.say(contact, distributor=result.distributor or "")

    def say_upgrade_refused(self, event: EventData) -> None:
        self.say(REFUSAL_KEYS.get(type(event.kwargs["error"]), "upgrade-refused"))

    def say_cda_sent(self, event: EventData) -> None:
        result: CdaResendResult = event.kwargs["result"]
        self.say(
            "cda-sent", system=result.product_name, serial=result.serial, email=result.masked_email
        )

    def say_cda_refused(self, event: EventData) -> None:
        error = event.kwargs["error"]
        if isinstance(error, errors.CdaResendLimited):
            minutes = max(1, round(error.retry_after.total_seconds() / 60))
            self.say("cda-limited", minutes=minutes)
        else:
            self.say("cda-physical", system=self.slots.get("system", ""))

    # --- prompts: one per state ---------------------------------------------------------

    def prompt_menu(self) -> None:
        key = "menu-prompt" if self.state is State.MENU else "menu-more"
        self.say(key, buttons=kb.menu(self.t))

    def prompt_login_user(self) -> None:
        self.say("login-ask-user", buttons=kb.rows(kb.forgot(self.t), kb.back(self.t)))

    def prompt_login_password(self) -> None:
        self.say(
            "login-ask-password",
            buttons=kb.rows(kb.forgot(self.t), kb.back(self.t)),
            secret=True,
        )

    def prompt_recovery_user(self) -> None:
        self.say("recovery-ask", buttons=kb.rows(kb.back(self.t)))

    def prompt_reset_password(self) -> None:
        self.say("reset-ask-password", buttons=kb.rows(kb.back(self.t)), secret=True)

    def prompt_choose_modality(self) -> None:
        key = "modality-ask-cda" if self.slots.get("journey") == "cda" else "modality-ask-upgrade"
        self.say(key, buttons=kb.modalities(self.t))

    def prompt_choose_serial(self) -> None:
        systems = self.slots.get("systems", [])
        self.say(
            "serial-ask",
            buttons=kb.serials(self.t, systems),
            modality=self.slots.get("modality", ""),
        )

    def prompt_upgrade_terms(self) -> None:
        s = self.slots
        self.say(
            "upgrade-terms",
            buttons=kb.terms(self.t),
            system=s["system"],
            serial=s["serial"],
            version=s["version"],
            new_version=s.get("upgrade_to") or "",
        )

    def prompt_licence_upgrade(self) -> None:
        self.say(
            "licence-upgrade",
            buttons=kb.licence(self.t),
            system=self.slots["system"],
            version=self.slots["version"],
        )

    def prompt_cda_confirm(self) -> None:
        s = self.slots
        self.say(
            "cda-confirm",
            buttons=kb.cda_confirm(self.t),
            system=s["system"],
            version=s["version"],
            serial=s["serial"],
            email=s.get("email", ""),
        )

    def prompt_handoff(self) -> None:
        self.say("handoff-waiting", buttons=kb.rows(kb.leave_queue(self.t)))


def _date(value: Any) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def _current_version(row: SystemRow) -> str | None:
    return default_catalogue().get(row.product).current


PROMPTS: dict[State, Callable[[Dialogue], None]] = {
    **{state: Dialogue.prompt_menu for state in MENU_LIKE},
    State.LOGIN_USER: Dialogue.prompt_login_user,
    State.LOGIN_PASSWORD: Dialogue.prompt_login_password,
    State.RECOVERY_USER: Dialogue.prompt_recovery_user,
    State.RESET_PASSWORD: Dialogue.prompt_reset_password,
    State.CHOOSE_MODALITY: Dialogue.prompt_choose_modality,
    State.CHOOSE_SERIAL: Dialogue.prompt_choose_serial,
    State.UPGRADE_TERMS: Dialogue.prompt_upgrade_terms,
    State.LICENCE_UPGRADE: Dialogue.prompt_licence_upgrade,
    State.CDA_CONFIRM: Dialogue.prompt_cda_confirm,
    State.HANDOFF: Dialogue.prompt_handoff,
}

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

# Why a customer asks for an advisor at a step where the bot has just said it cannot finish.
HANDOFF_REASONS: dict[State, str] = {State.LICENCE_UPGRADE: "licence"}

REFUSAL_KEYS: dict[type, str] = {
    errors.LicenceNeedsPurchase: "licence-upgrade-refused",
    errors.AlreadyNewestVersion: "upgrade-refused-newest",
    errors.NoUpgradePath: "upgrade-refused-no-path",
    errors.SerialNotActive: "upgrade-refused-inactive",
    errors.SerialNotFound: "serial-not-found",
}

__all__ = ["Button", "Dialogue", "FlowEvent", "PROMPTS"]
