"""A password or a reset code typed at every state of the machine on Telegram: the update goes
through the durable inbox (sealed), PTB and the handlers, the replies through the reply sender,
over the offline Bot API stand-in. Nothing holds the secret in clear, and the message is deleted
when the rule says so. Groups: a password-shaped message is deleted, or the group is told that
the bot may not."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.bootstrap import App
from bot.channels.telegram.app import TelegramBot
from bot.fsm import State
from bot.runtime.inbox import Inbox
from bot.testing.chat import TelegramChat
from bot.testing.telegram import FakeTelegram
from tests.conftest import FixedClock
from tests.secret_paths import PASSWORDS, PATHS, deleted_there, everything_stored, fresh_reset_code


class InboxCustomer:
    """The customer of a ``TelegramChat``, each update stored in the inbox and served from it,
    as ``aspel-bot run`` does."""

    def __init__(self, chat: TelegramChat, app: App, clock: FixedClock) -> None:
        self.chat, self.app, self.clock = chat, app, clock
        assert app.db.sealer is not None
        self.inbox = Inbox(app.db, app.db.sealer)

    async def _serve(self, update: dict[str, Any]) -> None:
        server, telegram = self.chat.server, self.chat.telegram
        before = len(server.calls)
        assert await self.inbox.accept(update, self.clock())
        for row in await self.inbox.pending(f"tg:{self.chat.chat_id}"):
            await telegram.handle(row, self.inbox, self.clock())
        self.chat.calls = server.calls[before:]

    async def send(self, text: str) -> None:
        server = self.chat.server
        update = server.message_update(self.chat.chat_id, self.chat.user, text=text)
        self.chat.last_sent = update["message"]["message_id"]
        await self._serve(update)

    async def press(self, label: str) -> None:
        found = [b for b in self.chat.offered() if label.lower() in b.label.lower()]
        assert len(found) == 1, f"{label!r} among {[b.label for b in self.chat.offered()]}"
        server = self.chat.server
        message_id = server.keyboard_of(self.chat.chat_id, found[0].data)
        assert message_id is not None
        await self._serve(
            server.press_update(self.chat.chat_id, self.chat.user, message_id, found[0].data)
        )


def _deleted(server: FakeTelegram, chat: TelegramChat) -> bool:
    return any(
        c.method == "deleteMessage" and int(c.params["message_id"]) == chat.last_sent
        for c in chat.calls
    )


@pytest.mark.parametrize("secret", ["password", "reset_code"])
@pytest.mark.parametrize("state", list(State))
async def test_a_secret_typed_at_any_state_is_nowhere_in_clear(
    app: App,
    telegram: TelegramBot,
    server: FakeTelegram,
    clock: FixedClock,
    state: State,
    secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = TelegramChat(telegram, server)
    customer = InboxCustomer(chat, app, clock)
    path = PATHS[state]
    await path.walk(customer, app)
    typed = PASSWORDS[path.account or "mmendez"] if secret == "password" else None
    typed = typed or await fresh_reset_code(app)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="transitions")
    await customer.send(typed)
    assert typed not in everything_stored(app)
    assert typed not in caplog.text
    assert all(typed not in str(call.params) for call in server.calls)  # what the bot sent
    assert _deleted(server, chat) is (secret == "reset_code" or deleted_there(state, path))


async def test_every_path_gets_there_on_telegram(
    app: App, telegram: TelegramBot, server: FakeTelegram, clock: FixedClock
) -> None:
    for number, (state, path) in enumerate(PATHS.items()):
        chat = TelegramChat(telegram, server, chat_id=9000 + number)
        await path.walk(InboxCustomer(chat, app, clock), app)
        with app.db.reading() as conn:
            stored = conn.exec_driver_sql(
                f"SELECT state FROM conversations WHERE chat_id = 'tg:{chat.chat_id}'"
            ).scalar_one()
        assert stored == state.value


GROUP = -100123


async def test_a_password_in_a_group_is_deleted_and_never_stored(
    telegram: TelegramBot, server: FakeTelegram, app: App
) -> None:
    group = TelegramChat(telegram, server, chat_id=GROUP)
    await group.send("mi clave es Tornado-2026x")
    assert _deleted(server, group)
    assert "Borré un mensaje" in group.text
    assert "Tornado-2026x" not in everything_stored(app)


async def test_a_group_where_the_bot_may_not_delete_is_told(
    telegram: TelegramBot, server: FakeTelegram, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    group = TelegramChat(telegram, server, chat_id=GROUP)
    server.fail_next("deleteMessage", 400, "Bad Request: message can't be deleted")
    caplog.set_level(logging.DEBUG)
    await group.send("Aspel-Demo-2026")
    assert "no tengo permiso para borrarlo" in group.text
    assert "Aspel-Demo-2026" not in everything_stored(app) + caplog.text


async def test_ordinary_words_in_a_group_are_not_deleted(
    telegram: TelegramBot, server: FakeTelegram
) -> None:
    group = TelegramChat(telegram, server, chat_id=GROUP)
    await group.send("hola, ¿alguien sabe cómo actualizar el COI?")
    assert not any(c.method == "deleteMessage" for c in group.calls)
    assert "chat privado" in group.text
