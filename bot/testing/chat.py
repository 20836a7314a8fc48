"""A customer on Telegram without the network, over ``bot.testing.telegram``'s Bot API stand-in.

- ``TelegramChat`` is one customer, reading like a transcript: ``await chat.send("/start")``,
  ``await chat.press("Actualizar")``, ``chat.replies``. Updates go through PTB's own
  ``Application.process_update`` with the handlers of ``bot.handlers``, and the replies through
  the reply sender, as in service.
- ``telegram_driver(app)`` is that chat as the script runner's ``Driver``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from weakref import WeakValueDictionary

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.bootstrap import App
from bot.channels.telegram.app import TelegramBot
from bot.channels.telegram.sender import SenderOptions
from bot.conversation.messages import Button, Reply
from bot.testing.telegram import (
    JSON,
    ApiCall,
    FakeTelegram,
    fake_telegram,
)


class TelegramChat:
    """A customer in one chat (private by default; a negative id is a group)."""

    def __init__(
        self,
        telegram: TelegramBot,
        server: FakeTelegram,
        chat_id: int = 4242,
        kind: str = "",
    ) -> None:
        self.telegram = telegram
        self.application: Application = telegram.application  # type: ignore[type-arg]
        self.server = server
        self.chat_id = chat_id
        server.chat(chat_id, kind)
        self.user: JSON = {"id": abs(chat_id), "is_bot": False, "first_name": "Magdalena"}
        self.calls: list[ApiCall] = []  # the Bot API calls the last update caused
        self.errors: list[BaseException] = []
        self.last_sent: int | None = None  # message id of the customer's last message
        self.application.add_error_handler(self._collect)

    async def _collect(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    async def deliver(self, update: JSON) -> list[ApiCall]:
        before = len(self.server.calls)
        await self.application.process_update(Update.de_json(update, self.application.bot))
        self.calls = self.server.calls[before:]
        return self.calls

    async def send(self, text: str | None = None, **content: Any) -> list[Reply]:
        """Text, or other content: ``send(sticker=STICKER)``."""
        update = self.server.message_update(self.chat_id, self.user, **_content(text, content))
        self.last_sent = (update.get("message") or update["channel_post"])["message_id"]
        await self.deliver(update)
        return self.replies

    async def edit(self, message_id: int, text: str) -> list[Reply]:
        await self.deliver(self.server.edited_update(self.chat_id, message_id, text))
        return self.replies

    async def press(self, label: str) -> list[Reply]:
        """Press the one offered button whose label contains ``label``."""
        found = [b for b in self.offered() if label.lower() in b.label.lower()]
        assert len(found) == 1, f"{label!r} among {[b.label for b in self.offered()]}"
        return await self.press_button(found[0])

    async def press_button(self, button: Button, message_id: int | None = None) -> list[Reply]:
        """Press with the button's own callback data, on the message showing it (or another)."""
        message_id = message_id or self.server.keyboard_of(self.chat_id, button.data)
        assert message_id is not None, f"no message of chat {self.chat_id} shows {button}"
        await self.deliver(
            self.server.press_update(self.chat_id, self.user, message_id, button.data)
        )
        return self.replies

    @property
    def replies(self) -> list[Reply]:
        """What the last update made the bot say: messages sent, and messages edited into the
        next screen (taking a keyboard down is not saying anything)."""
        return [
            Reply("", call.params["text"], _rows(call.params.get("reply_markup")))
            for call in self.calls
            if call.ok
            and int(call.params.get("chat_id", 0)) == self.chat_id
            and call.method in ("sendMessage", "editMessageText")
        ]

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    def offered(self) -> list[Button]:
        """The buttons on screen now, newest message last."""
        shown = [m for (chat, _), m in self.server.messages.items() if chat == self.chat_id]
        return [b for m in shown for row in _rows(m.get("reply_markup")) for b in row]


def _content(text: str | None, content: dict[str, Any]) -> dict[str, Any]:
    return {"text": text} if text is not None else content


def _rows(markup: JSON | None) -> tuple[tuple[Button, ...], ...]:
    rows = (markup or {}).get("inline_keyboard", [])
    return tuple(tuple(Button(b["text"], b["callback_data"]) for b in row) for row in rows)


STICKER = {
    "file_id": "CAACAgIAAx0",
    "file_unique_id": "AgADsticker",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "type": "regular",
}
PHOTO = [{"file_id": "AgACAgEAAx0", "file_unique_id": "AQADphoto", "width": 90, "height": 90}]
VOICE = {"file_id": "AwACAgEAAx0", "file_unique_id": "AgADvoice", "duration": 3}
DOCUMENT = {"file_id": "BQACAgEAAx0", "file_unique_id": "AgADdoc", "file_name": "serie.pdf"}


# --- the script runner's driver -------------------------------------------------------------

# One fake server per database, so that a restart mid-script (a new Application over the same
# database) finds the chat's messages where Telegram would keep them.
_SERVERS: WeakValueDictionary[str, FakeTelegram] = WeakValueDictionary()


class TelegramDriver:
    def __init__(self, chat: TelegramChat) -> None:
        self.chat = chat

    async def send(self, text: str) -> list[Reply]:
        return self._checked(await self.chat.send(text))

    async def press(self, button: Button) -> list[Reply]:
        from bot.scripts import Failure

        if self.chat.server.keyboard_of(self.chat.chat_id, button.data) is None:
            raise Failure(f"no message in the chat shows the button {button.label!r}")
        return self._checked(await self.chat.press_button(button))

    def _checked(self, replies: list[Reply]) -> list[Reply]:
        from bot.scripts import Failure

        problems = [repr(e) for e in self.chat.errors] + [
            c.method for c in self.chat.server.refused
        ]
        if problems:
            raise Failure(f"Telegram channel errors: {problems}")
        return replies

    async def close(self) -> None:
        await self.chat.telegram.stop()


async def start_fake(
    app: App,
    server: FakeTelegram,
    sender: SenderOptions | None = None,
    sleep: Callable[[float], Awaitable[Any]] | None = None,
) -> TelegramBot:
    """Start as ``aspel-bot run`` does (getMe, then the command menu)."""
    telegram = fake_telegram(app, server, sender, sleep)
    await telegram.start()
    return telegram


async def telegram_driver(app: App) -> TelegramDriver:
    url = app.settings.database_url
    server = _SERVERS.get(url)
    if server is None:
        server = _SERVERS[url] = FakeTelegram()
    return TelegramDriver(TelegramChat(await start_fake(app, server), server))
