"""A password or a reset code typed at every state of the machine, in the terminal channel
(the engine itself), on SQLite and PostgreSQL: never stored, logged or echoed in clear, and the
message deleted when the rule says so."""

from __future__ import annotations

import logging

import pytest

from bot.conversation.records import Kind
from bot.fsm import MACHINE, State
from tests.conversation.conftest import Chat
from tests.secret_paths import (
    PASSWORDS,
    PATHS,
    deleted_there,
    everything_stored,
    fresh_reset_code,
)


def test_every_state_of_the_machine_has_a_path() -> None:
    assert set(PATHS) == {state.value for state in MACHINE.states.values()}


@pytest.mark.parametrize("state", list(State))
async def test_paths_reach_their_state(chat: Chat, state: State) -> None:
    await PATHS[state].walk(chat, chat.app)
    assert chat.outcome.state == state.value


@pytest.mark.parametrize("secret", ["password", "reset_code"])
@pytest.mark.parametrize("state", list(State))
async def test_a_secret_typed_at_any_state_is_nowhere_in_clear(
    chat: Chat, state: State, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = PATHS[state]
    await path.walk(chat, chat.app)
    assert chat.outcome.state == state.value
    typed = (
        PASSWORDS[path.account or "mmendez"]
        if secret == "password"
        else await fresh_reset_code(chat.app)
    )
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="transitions")
    await chat.send(typed)
    assert typed not in everything_stored(chat.app)
    assert typed not in caplog.text
    assert all(typed not in reply.text for reply in chat.replies)
    assert chat.outcome.delete_inbound is (secret == "reset_code" or deleted_there(state, path))
    with chat.app.db.reading() as conn:
        kinds = conn.exec_driver_sql(
            "SELECT kind, text FROM transcript_events WHERE who = 'cliente'"
            " ORDER BY id DESC LIMIT 1"
        ).one()
    assert kinds == (Kind.SECRET, "")  # the event, never its text


async def test_a_password_inside_a_sentence_is_hidden_not_deleted(chat: Chat) -> None:
    await chat.send("/start")
    await chat.send("hola, mi clave nueva sería Tornado-2026x ¿sirve?")
    assert not chat.outcome.delete_inbound
    assert "Tornado-2026x" not in everything_stored(chat.app)


async def test_a_verified_password_after_login_is_deleted_and_said(chat: Chat) -> None:
    await chat.login()
    await chat.send("Aspel-Demo-2026")
    assert chat.outcome.delete_inbound and "Borré tu mensaje" in chat.text
    await chat.send("Otra-Clave-2026")  # looks like one, is not this account's: hidden only
    assert not chat.outcome.delete_inbound and "Borré tu mensaje" not in chat.text
    assert "Otra-Clave-2026" not in everything_stored(chat.app)


async def test_a_password_at_the_user_step_is_not_taken_for_the_user(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send("Aspel-Demo-2026")
    assert chat.outcome.state == State.LOGIN_USER.value and chat.outcome.delete_inbound
    assert "parece una contraseña" in chat.text
    await chat.send("mmendez")
    assert chat.outcome.state == State.LOGIN_PASSWORD.value


async def test_a_slash_password_at_the_password_step_is_the_password(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send("mmendez")
    await chat.send("/Tornado-2026x")
    assert chat.outcome.delete_inbound and "no coinciden" in chat.text
    assert "Tornado-2026x" not in everything_stored(chat.app)
