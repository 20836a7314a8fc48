"""The engine over a real store (SQLite and PostgreSQL): bad input, order, restarts, secrets."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete, select, text, update

from bot.bootstrap import build
from bot.conversation import secrecy
from bot.conversation.messages import Inbound
from bot.fsm import State
from bot.storage import schema
from bot.storage.sealed import open_stored
from tests.conversation.conftest import Chat

PASSWORD = "Aspel-Demo-2026"


async def _serial_row(app, serial: str):
    with app.db.reading() as conn:
        return (conn.execute(select(schema.serials).where(schema.serials.c.serial == serial))).one()


async def test_stale_button_does_nothing_and_shows_the_step_again(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press_data("t:accept")  # a button of a step this chat is not at
    assert "ya no está vigente" in chat.text
    assert chat.outcome.state == State.MENU
    assert any("Actualizar" in b.label for b in chat.buttons)


async def test_forged_serial_of_another_account_acts_on_nothing(chat: Chat) -> None:
    await chat.login()
    await chat.press("Suscripciones")
    await chat.press_data("s:SLSNMR771204")  # jlopez's serial, never offered to mmendez
    assert "ya no está vigente" in chat.text
    await chat.send("SLSNMR771204")
    assert "No encontré el número de serie SLSNMR771204" in chat.text
    assert chat.outcome.state == State.CHOOSE_SERIAL
    row = await _serial_row(chat.app, "SLSNMR771204")
    assert row.status == "active"


async def test_nothing_in_that_list(chat: Chat) -> None:
    with chat.app.db.begin() as conn:
        account = (
            conn.execute(
                select(schema.accounts.c.id).where(schema.accounts.c.username == "mmendez")
            )
        ).scalar_one()
        conn.execute(
            delete(schema.contracts).where(
                schema.contracts.c.account_id == account, schema.contracts.c.modality == "licence"
            )
        )
    await chat.login(journey="CDA")
    await chat.press("Licenciamiento")
    assert "No encontré sistemas en Licenciamiento" in chat.text
    assert chat.outcome.state == State.CHOOSE_MODALITY


async def test_stickers_and_huge_messages_get_a_friendly_reply(chat: Chat) -> None:
    await chat.login()
    await chat.send(None)  # a sticker, photo or voice note: no text
    assert "solo entiendo texto" in chat.text
    await chat.send("x" * 10_000)
    assert "demasiado largo" in chat.text
    assert chat.outcome.state == State.CHOOSE_MODALITY  # nothing lost


async def test_groups_get_no_account_operations(app) -> None:
    outcome = await app.engine.handle(Inbound("tg:-100", text="/start", private=False))
    assert "chat privado" in outcome.replies[0].text
    with app.db.reading() as conn:
        assert (conn.execute(select(schema.conversations))).first() is None


async def test_password_is_in_no_stored_row_and_its_message_is_deleted(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send("mmendez")
    await chat.send(PASSWORD)
    assert chat.outcome.delete_inbound
    await chat.press("Suscripciones")
    with chat.app.db.reading() as conn:
        for table in schema.metadata.sorted_tables:
            for row in (conn.execute(select(table))).all():
                assert PASSWORD not in repr(tuple(row)), table.name


async def test_two_chats_interleaved_finish_independently(app) -> None:
    magdalena, jorge = Chat(app, "test:m"), Chat(app, "test:j")
    await asyncio.gather(magdalena.login(), jorge.login("jlopez", "Caja-Demo-2026"))
    await asyncio.gather(magdalena.press("Suscripciones"), jorge.press("Licenciamiento"))
    await asyncio.gather(magdalena.press("CLSNRR123456"), jorge.press("SKSNLC650127"))
    assert any("Aceptar" in b.label for b in magdalena.buttons) and "compra" in jorge.text
    await magdalena.press("Aceptar")
    assert "CMSNRR" in magdalena.text
    assert jorge.outcome.state == State.LICENCE_UPGRADE


async def test_events_of_one_chat_are_handled_one_at_a_time(chat: Chat) -> None:
    await chat.send("/start")
    await asyncio.gather(
        *(chat.app.engine.handle(Inbound(chat.chat_id, text="/ayuda")) for _ in range(8))
    )
    with chat.app.db.reading() as conn:
        turn = (conn.execute(select(schema.conversations.c.turn))).scalar_one()
    assert turn == 9  # every event saved, none lost to a concurrent write


async def test_a_restart_resumes_at_the_same_step(
    chat: Chat, database_url, clock, hasher, tmp_path
) -> None:
    await chat.login()
    await chat.press("Suscripciones")
    await chat.press("CLSNRR123456")
    await chat.app.aclose()
    from bot.settings import Settings

    chat.app = await build(
        Settings(database_url=database_url, outbox_dir=tmp_path),
        clock=clock,
        hasher=hasher,
        migrate=False,
    )
    await chat.press("Aceptar")
    assert "CMSNRR" in chat.text


async def test_idle_session_logs_out_and_says_so(chat: Chat, clock) -> None:
    await chat.login()
    clock.advance(minutes=31)
    await chat.press("Suscripciones")
    assert "sin actividad" in chat.text
    assert chat.outcome.state == State.MENU
    await chat.press("Actualizar")
    assert "usuario" in chat.text  # logged out: asked to log in again


async def test_a_state_gone_from_this_release_restarts_at_the_menu(chat: Chat) -> None:
    await chat.login()
    with chat.app.db.begin() as conn:
        conn.execute(update(schema.conversations).values(state="state_of_an_old_release"))
    await chat.send("/ayuda")
    assert chat.outcome.state == State.MENU
    assert "Esto puedo hacer" in chat.text


async def test_three_unrecognised_answers_hand_off_to_an_advisor(chat: Chat) -> None:
    await chat.login()
    for _ in range(3):
        await chat.send("mmm no sé")
    assert chat.outcome.state == State.HANDOFF
    with chat.app.db.reading() as conn:
        reason = (conn.execute(text("select reason from tickets"))).scalar_one()
    assert reason == "stuck"


async def test_recovery_code_from_the_email_sets_a_new_password(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("Olvidé mi contraseña")
    await chat.send("mmendez")
    with chat.app.db.reading() as conn:
        body = open_stored(
            chat.app.db.sealer, conn.execute(select(schema.outbox.c.body)).scalar_one()
        )
    code = next(w for w in body.split() if secrecy.is_reset_code(w))
    await chat.send(code)
    assert chat.outcome.delete_inbound and chat.outcome.state == State.RESET_PASSWORD
    await chat.send("corta")
    assert "al menos 8" in chat.text and chat.outcome.delete_inbound
    await chat.send("Nueva-Clave-2027")
    assert "Tu contraseña cambió" in chat.text
    await chat.login(password="Nueva-Clave-2027")
    with chat.app.db.reading() as conn:
        stored = repr((conn.execute(select(schema.transcript_events))).all())
        slots = repr((conn.execute(select(schema.conversations.c.slots))).all())
    for secret in (code, "corta", "Nueva-Clave-2027"):
        assert secret not in stored and secret not in slots


async def test_a_wrong_or_used_reset_code_changes_nothing(chat: Chat) -> None:
    await chat.send("/start")
    await chat.send("x" * 32)  # looks like a code, is none
    await chat.send("Nueva-Clave-2027")
    assert "no es válido o ya venció" in chat.text
    assert chat.outcome.state == State.MENU
    await chat.login()  # the old password still works
