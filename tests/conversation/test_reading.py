"""The reading in context (bot/conversation/reading.py), without a database: loose answers at
each question, and when the bot asks instead of acting."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.conversation import keyboards as kb
from bot.conversation import reading
from bot.conversation.dialogue import Dialogue
from bot.conversation.states import State
from bot.i18n import Translator
from bot.nlu import Intent, Scored, Understanding

SYSTEMS = [
    ["CLSNRR123456", "Aspel COI", "8.0"],
    ["NMSNAB204611", "Aspel NOI", "9.0"],
    ["SKSNWR480213", "Aspel SAE", "7.0"],
]


def dialogue(state: State, templates: Translator, **slots: Any) -> Dialogue:
    return Dialogue(state, dict(slots), 7, templates, datetime(2026, 1, 5, 12, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "pressed"),
    [
        ("la de renta", kb.SUBSCRIPTIONS),
        ("la mensual", kb.SUBSCRIPTIONS),
        ("las compradas", kb.LICENCES),
        ("la de licencia", kb.LICENCES),
        ("no sé", None),
        ("quiero el cda de mi prod que tengo en la licencia de la empresa", None),  # a request
    ],
)
def test_the_lists_named_loosely(text: str, pressed: str | None, templates: Translator) -> None:
    assert reading.loose_press(dialogue(State.CHOOSE_MODALITY, templates), text) == pressed


def test_a_system_named_by_what_it_does_among_the_serials(templates: Translator) -> None:
    d = dialogue(State.CHOOSE_SERIAL, templates, systems=SYSTEMS, modality="subscription")
    assert reading.loose_press(d, "la de nómina") == kb.SERIAL_PREFIX + "NMSNAB204611"
    assert reading.loose_press(d, "el de contabilidad") == kb.SERIAL_PREFIX + "CLSNRR123456"
    assert reading.loose_press(d, "la de caja") is None  # not on this list


def test_the_other_list_from_the_serials_goes_back_first(templates: Translator) -> None:
    d = dialogue(State.CHOOSE_SERIAL, templates, systems=SYSTEMS, modality="subscription")
    assert reading.loose_press(d, "las compradas") == kb.LICENCES
    assert d.state is State.CHOOSE_MODALITY
    assert not d.replies  # the question it passed through is not shown


@pytest.mark.parametrize(
    ("state", "text", "pressed"),
    [
        (State.UPGRADE_TERMS, "va, dale", kb.ACCEPT),
        (State.UPGRADE_TERMS, "todavía no, luego", kb.DECLINE),
        (State.CDA_CONFIRM, "sale pues", kb.SEND_CDA),
        (State.CDA_CONFIRM, "mejor no", kb.BACK),
        (State.CDA_CONFIRM, "¿si lo mando a otro correo?", None),  # a question is no answer
        (State.UPGRADE_TERMS, "no sé", None),
        (State.MENU, "va, dale", None),  # no yes-or-no question there
    ],
)
def test_yes_and_no_typed_loosely(
    state: State, text: str, pressed: str | None, templates: Translator
) -> None:
    assert reading.loose_press(dialogue(state, templates), text) == pressed


def understanding(*ranked: tuple[Intent, float]) -> Understanding:
    scored = tuple(Scored(intent, p) for intent, p in ranked)
    return Understanding(scored[0].intent, None, None, scored[0].probability, None, scored)


@pytest.mark.parametrize(
    ("ranked", "sure"),
    [
        (((Intent.UPGRADE_SERIAL, 0.9), (Intent.HELP, 0.05)), True),
        (((Intent.UPGRADE_SERIAL, 0.54), (Intent.RESEND_CDA, 0.43)), False),  # close
        (((Intent.RESEND_CDA, 0.65), (Intent.HELP, 0.5)), False),  # close, though not low
        (((Intent.DOWNLOAD, 0.55), (Intent.UNKNOWN, 0.2)), False),  # middling
        (((Intent.UNKNOWN, 0.4), (Intent.HELP, 0.3)), True),  # nothing to ask about
        (((Intent.GREETING, 0.5), (Intent.THANKS, 0.45)), True),  # answered as read
    ],
)
def test_when_the_bot_asks(ranked: tuple[tuple[Intent, float], ...], sure: bool) -> None:
    assert reading._clarity(understanding(*ranked)) is sure


def test_the_question_offers_the_two_best_and_neither(templates: Translator) -> None:
    d = dialogue(State.MENU, templates)
    u = understanding((Intent.UPGRADE_SERIAL, 0.54), (Intent.RESEND_CDA, 0.43))
    assert reading._clarify(d, u)
    (reply,) = d.replies
    assert reply.key == "clarify-ask-two"
    assert [b.data for b in reply.all_buttons()] == ["c:upgrade_serial", "c:resend_cda", "c:none"]
    assert d.slots["misses"] == 1


def test_the_third_unsure_message_asks_no_more(templates: Translator) -> None:
    d = dialogue(State.MENU, templates, misses=2)
    u = understanding((Intent.UPGRADE_SERIAL, 0.54), (Intent.RESEND_CDA, 0.43))
    assert reading._clarify(d, u)
    assert not d.replies and d.slots["misses"] == reading.MISSES_BEFORE_ADVISOR


def test_a_press_continues_the_chosen_journey(templates: Translator) -> None:
    d = dialogue(State.MENU, templates, misses=1, clarify={"product": "COI", "serial": None})
    step = reading.clarified(d, "c:upgrade_serial")
    assert step is not None and step.trigger == "pick_upgrade"
    assert step.kwargs["product"] == "COI" and "misses" not in d.slots
    assert reading.clarified(dialogue(State.MENU, templates), "c:none") is None
