"""The customer's chat through PTB's own ``process_update`` and a Bot API that records calls."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select, text

from bot.bootstrap import App
from bot.channels.telegram.app import TelegramBot
from bot.conversation.messages import Button
from bot.handlers import customer
from bot.storage.schema import outbox, serials
from bot.testing.chat import DOCUMENT, PHOTO, STICKER, VOICE, TelegramChat
from bot.testing.telegram import BOT_USER, FakeTelegram
from tests.telegram.conftest import PASSWORD, log_in


async def test_menu_comes_with_an_inline_keyboard(chat: TelegramChat) -> None:
    [menu] = await chat.send("/start")
    assert "Mi cuenta Aspel" in menu.text
    assert [b.data for b in menu.all_buttons()][:2] == ["m:upgrade", "m:cda"]
    assert all(len(b.data.encode()) <= 64 for b in menu.all_buttons())


async def test_a_press_becomes_the_next_screen_in_two_calls(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await chat.send("/start")
    menu_id = server.keyboard_of(chat.chat_id, "m:upgrade")
    await chat.press("Actualizar")
    assert [c.method for c in chat.calls] == ["answerCallbackQuery", "editMessageText"]
    edited = server.messages[(chat.chat_id, menu_id)]  # type: ignore[index]
    assert edited["text"].startswith("✔ Actualizar mi número de serie\n\n")
    assert "usuario" in edited["text"] and edited["reply_markup"]  # the login step's keyboard
    assert sum("reply_markup" in m for m in server.messages.values()) == 1


async def test_a_result_stays_on_screen_when_the_next_step_is_pressed(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await log_in(chat)
    await chat.press("Suscripciones")
    await chat.press("CLSNRR123456")
    await chat.press("Aceptar")
    result = server.keyboard_of(chat.chat_id, "m:cda")
    await chat.press("CDA")  # on the message that holds the new serial
    kept = server.messages[(chat.chat_id, result)]  # type: ignore[index]
    assert "CMSNRR" in kept["text"] and "reply_markup" not in kept
    assert [c.method for c in chat.calls][-1] == "sendMessage"
    assert chat.text.startswith("✔") and "Suscripciones" in chat.text


async def test_commands_menu_is_set_in_spanish_at_start_up(
    server: FakeTelegram, chat: object
) -> None:
    [call] = server.of("setMyCommands")
    names = [c["command"] for c in call.params["commands"]]
    assert names == ["start", "menu", "cancelar", "ayuda", "asesor", "salir"]
    assert "asesor" not in {c["description"] for c in call.params["commands"]}
    assert any("persona" in c["description"] for c in call.params["commands"])


async def test_password_is_deleted_at_once_and_never_logged_or_stored(
    chat: TelegramChat, server: FakeTelegram, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send("mmendez")
    await chat.send(PASSWORD)
    # delete it first, then the prompt above it becomes the next screen
    assert [c.method for c in chat.calls] == ["deleteMessage", "editMessageText"]
    assert chat.calls[0].params["message_id"] == chat.last_sent
    assert (chat.chat_id, chat.last_sent) not in server.messages
    assert "Bienvenido(a), Magdalena" in chat.text
    assert PASSWORD not in caplog.text
    assert not any(PASSWORD in str(r.args) + str(r.msg) for r in caplog.records)
    assert not any(PASSWORD in str(c.params) for c in server.calls)
    with app.db.reading() as conn:
        tables = (
            conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        ).scalars()
        for table in list(tables):
            rows = (conn.execute(text(f'SELECT * FROM "{table}"'))).all()
            assert not any(PASSWORD in str(row) for row in rows), table


async def test_a_command_at_the_password_step_is_not_deleted(chat: TelegramChat) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send("mmendez")
    await chat.send("/cancelar")
    assert "deleteMessage" not in [c.method for c in chat.calls]


async def test_forged_and_past_buttons_act_on_nothing(
    chat: TelegramChat, server: FakeTelegram, app: App
) -> None:
    await log_in(chat)
    modality_message = server.keyboard_of(chat.chat_id, "mod:subscription")
    await chat.press("Suscripciones")
    serial_list = server.keyboard_of(chat.chat_id, "s:CLSNRR123456")
    # another customer's serial (jlopez's), pressed on the list mmendez is looking at
    await chat.press_button(Button("x", "s:SKSNLC650127"), serial_list)
    assert "ya no está vigente" in chat.text
    labels = [b.label for reply in chat.replies for b in reply.all_buttons()]
    assert any("CLSNRR123456" in label for label in labels)  # the same step again
    assert not any("Aceptar" in label for label in labels)
    # a past step's button (the press was edited into this screen: Telegram would not show it
    # any more, but a forged update can carry it)
    assert modality_message == serial_list
    await chat.press_button(Button("Suscripciones", "mod:subscription"), modality_message)
    assert "ya no está vigente" in server.messages[(chat.chat_id, serial_list)]["text"]
    with app.db.reading() as conn:
        assert (conn.execute(select(outbox.c.id))).all() == []
        owners = (conn.execute(select(serials.c.serial))).scalars().all()
    assert not any(s.startswith("SLSNLC") for s in owners)
    await chat.press("CLSNRR123456")  # the real list still works
    assert "Aceptar" in " ".join(b.label for r in chat.replies for b in r.all_buttons())


async def test_a_typed_turn_takes_down_the_previous_keyboard(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await chat.send("/start")
    old_menu = server.keyboard_of(chat.chat_id, "m:cda")
    await chat.send("/start")
    assert [c.method for c in chat.calls] == ["editMessageReplyMarkup", "sendMessage"]
    assert "reply_markup" not in server.messages[(chat.chat_id, old_menu)]  # type: ignore[index]
    assert len(chat.offered()) == 5


async def test_a_stale_press_only_loses_its_keyboard(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    old_menu = server.keyboard_of(chat.chat_id, "nav:back")
    await chat.send("/menu")
    before = server.messages[(chat.chat_id, old_menu)]["text"]  # type: ignore[index]
    await chat.press_button(Button("Volver", "nav:back"), old_menu)
    assert "ya no está vigente" in chat.text
    message = server.messages[(chat.chat_id, old_menu)]  # type: ignore[index]
    assert "reply_markup" not in message and message["text"] == before
    assert sum("reply_markup" in m for m in server.messages.values()) == 1


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document"])
async def test_media_get_a_friendly_reply(chat: TelegramChat, kind: str) -> None:
    media = {"sticker": STICKER, "photo": PHOTO, "voice": VOICE, "document": DOCUMENT}[kind]
    await chat.send(**{kind: media})
    assert "solo entiendo texto" in chat.text


async def test_edits_are_not_read(chat: TelegramChat) -> None:
    await chat.send("/start")
    first = chat.last_sent
    await chat.send("hola")
    await chat.edit(first, "/asesor")  # type: ignore[arg-type]
    [note] = chat.replies  # a note only: the edit did not reach the conversation
    assert "editaste" in note.text and not note.buttons


async def test_groups_refuse_and_never_read_a_login(
    telegram: TelegramBot, server: FakeTelegram, app: App
) -> None:
    group = TelegramChat(telegram, server, chat_id=-1001234, kind="supergroup")
    for said in ["/start", "mmendez"]:
        await group.send(said)
        assert "chat privado" in group.text
        assert not group.replies[0].buttons
    assert not server.of("deleteMessage") and not server.of("sendChatAction")
    await group.send(PASSWORD)  # password-shaped: deleted there (tests/telegram/test_secrets_…)
    assert "en privado" in group.text and not group.replies[0].buttons
    assert [int(c.params["message_id"]) for c in server.of("deleteMessage")] == [group.last_sent]
    with app.db.reading() as conn:
        assert (conn.execute(text("SELECT count(*) FROM conversations"))).scalar() == 0
        assert PASSWORD not in str((conn.execute(text("SELECT * FROM transcript_events"))).all())


async def test_a_press_in_a_group_is_refused(telegram: TelegramBot, server: FakeTelegram) -> None:
    private = TelegramChat(telegram, server)
    await private.send("/start")
    group = TelegramChat(telegram, server, chat_id=-1005, kind="group")
    await group.send("/start")
    menu = server.store(
        group.chat_id,
        BOT_USER,
        text="menu",
        reply_markup={"inline_keyboard": [[{"text": "Actualizar", "callback_data": "m:upgrade"}]]},
    )
    await group.press_button(Button("Actualizar", "m:upgrade"), menu["message_id"])
    assert "chat privado" in group.text


async def test_channel_posts_are_refused(telegram: TelegramBot, server: FakeTelegram) -> None:
    channel = TelegramChat(telegram, server, chat_id=-1009, kind="channel")
    await channel.send("/start")
    assert "chat privado" in channel.text


async def test_typing_shows_only_when_a_turn_takes_long(
    chat: TelegramChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    await log_in(chat)
    await chat.press("Suscripciones")
    await chat.press("CLSNRR123456")
    assert "sendChatAction" not in [c.method for c in chat.calls]  # quick turns: no typing
    monkeypatch.setattr(customer, "TYPING_AFTER", 0.0)  # as if the upgrade took a while
    await chat.press("Aceptar")
    await asyncio.sleep(0)
    assert "sendChatAction" in [c.method for c in chat.server.calls[-3:]]
    assert "CMSNRR" in chat.text and not chat.errors


def test_callback_data_over_64_bytes_is_refused_before_telegram_sees_it() -> None:
    from bot.conversation.delivery import buttons_of
    from bot.conversation.messages import Reply

    with pytest.raises(ValueError, match="64 bytes"):
        buttons_of([Reply("k", "t", ((Button("x", "s:" + "A" * 63),),))])


async def test_a_photo_at_the_password_step_is_deleted_caption_and_all(chat: TelegramChat) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send("mmendez")
    await chat.send(photo=PHOTO, caption=PASSWORD)
    assert "deleteMessage" in [c.method for c in chat.calls]
    assert "solo entiendo texto" in chat.text
