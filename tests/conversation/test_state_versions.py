"""Stored conversations of older releases: a renamed or removed state strands nobody."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.conversation import recording, state_versions
from bot.conversation.state_versions import restore_state
from bot.fsm import State
from bot.storage.schema import conversations
from tests.conversation.conftest import Chat

STEPS = {
    2: {"terms": State.UPGRADE_TERMS, "pick_list": "old_pick"},
    3: {"old_pick": State.CHOOSE_SERIAL},
}


def test_a_name_is_carried_through_every_later_version() -> None:
    assert restore_state("terms", 1, current=3, migrations=STEPS) is State.UPGRADE_TERMS
    assert restore_state("pick_list", 1, current=3, migrations=STEPS) is State.CHOOSE_SERIAL
    assert restore_state("old_pick", 2, current=3, migrations=STEPS) is State.CHOOSE_SERIAL


def test_todays_names_pass_and_removed_ones_restart_at_the_menu() -> None:
    assert restore_state("cda_confirm", 1, current=3, migrations=STEPS) is State.CDA_CONFIRM
    assert restore_state("survey", 1, current=3, migrations=STEPS) is State.MENU
    # a step of a version at or before the row's own is not applied again
    assert restore_state("pick_list", 2, current=3, migrations=STEPS) is State.MENU


async def test_a_conversation_stored_under_an_old_name_resumes(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    await chat.login()
    await chat.press("Suscripciones")
    await chat.press("CLSNRR123456")
    assert "acept" in chat.text.lower()
    db = chat.app.db
    with db.begin() as conn:  # as the previous release wrote it
        conn.execute(
            update(conversations)
            .where(conversations.c.chat_id == chat.chat_id)
            .values(state="terms", state_version=1)
        )
    monkeypatch.setattr(state_versions, "STATE_VERSION", 2)
    monkeypatch.setattr(state_versions, "MIGRATIONS", {2: {"terms": State.UPGRADE_TERMS}})
    monkeypatch.setattr(recording, "STATE_VERSION", 2)

    await chat.press_data("t:accept")

    assert "CMSNRR" in chat.text
    with db.reading() as conn:
        row = (conn.execute(select(conversations))).one()
    assert (row.state, row.state_version) == (State.UPGRADE_DONE.value, 2)


async def test_a_conversation_at_a_removed_state_restarts_at_the_menu(chat: Chat) -> None:
    await chat.login()
    with chat.app.db.begin() as conn:
        conn.execute(update(conversations).values(state="survey", state_version=1))
    await chat.send("hola")
    assert chat.replies and chat.replies[0].key != "internal-error"
    await chat.press_data("m:upgrade")
    assert chat.replies[0].key != "stale-button"
