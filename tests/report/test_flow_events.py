"""Every state change is a flow event carrying the journey it belongs to, even when it leaves it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest

from bot.conversation.dialogue import Dialogue, FlowEvent
from bot.fsm import State
from bot.i18n import Translator
from tests.report.population import NOW

COI = {"journey": "upgrade", "product": "COI", "serial": "CLSNRR123456", "system": "Aspel COI"}


def fire(t: Translator, state: State, slots: dict[str, Any], trigger: str) -> FlowEvent:
    d = Dialogue(state, dict(slots), 1, t, NOW)
    assert d.fire(trigger)
    [event] = d.flow
    return event


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        (State.UPGRADE_TERMS, "terms_declined"),
        (State.UPGRADE_TERMS, "cancel"),
        (State.UPGRADE_TERMS, "start"),
        (State.CHOOSE_SERIAL, "expire"),
        (State.CHOOSE_SERIAL, "logout"),
    ],
)
def test_leaving_a_journey_keeps_its_journey_and_product(
    templates: Translator, state: State, trigger: str
) -> None:
    event = fire(templates, state, COI, trigger)
    assert (event.journey, event.product) == ("upgrade", "COI")
    assert (event.from_state, event.to_state, event.trigger) == (state.value, "menu", trigger)


def test_completing_a_recovery_is_a_recovery_event(templates: Translator) -> None:
    event = fire(templates, State.RECOVERY_USER, {"journey": "recovery"}, "recovery_requested")
    assert (event.journey, event.to_state) == ("recovery", "recovery_done")


def test_a_new_journey_does_not_inherit_the_last_product(templates: Translator) -> None:
    event = fire(templates, State.UPGRADE_DONE, COI, "pick_cda")
    assert (event.journey, event.product, event.trigger) == ("cda", None, "pick_cda")


def test_no_secret_in_a_flow_event(templates: Translator) -> None:
    d = Dialogue(State.LOGIN_USER, {"journey": "upgrade"}, None, templates, NOW)
    assert d.fire("username_given", username="mmendez")
    [event] = d.flow
    assert set(asdict(event)) == {"from_state", "to_state", "trigger", "journey", "product"}
    assert "mmendez" not in asdict(event).values()
