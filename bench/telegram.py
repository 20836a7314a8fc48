"""Telegram without the network, sized for benchmarks: a lenient Bot API and update builders.

``bot.testing.telegram.FakeTelegram`` keeps every message and call, which is right for tests and
wrong here (memory and look-ups that grow with the run). ``BenchApi`` keeps only, per chat, the
newest message showing a keyboard (what a customer can press), counts calls per method, and
answers in JSON bytes as the Bot API does. Parameters are JSON-encoded as a real transport would.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

from telegram.request import BaseRequest, RequestData

JSON = dict[str, Any]
TOKEN = "123456789:BENCH_not_a_real_token_0123456789ab"
NOW = 1_773_154_800
CUSTOMER_IDS = 1_000_000_000  # customers' message ids start here, the bot's at 1
BOT_USER: JSON = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Aspel",
    "username": "AspelAyudaBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TRUE_METHODS = frozenset(
    {
        "deleteMessage",
        "answerCallbackQuery",
        "sendChatAction",
        "setMyCommands",
        "deleteWebhook",
        "setWebhook",
    }
)


def private_chat(chat_id: int) -> JSON:
    return {"id": chat_id, "type": "private", "first_name": "Cliente"}


def user(chat_id: int) -> JSON:
    return {"id": chat_id, "is_bot": False, "first_name": "Cliente", "language_code": "es"}


class BenchApi(BaseRequest):
    """PTB's request layer answered in memory: nothing leaves the process."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.keyboards: dict[int, JSON] = {}  # chat id -> newest message with a keyboard
        self._ids = itertools.count(1)
        self._last_ids: dict[int, int] = {}  # chat id -> id of the bot's last message there

    def next_id(self) -> int:
        """Update, callback and customer message ids (customers' apart from the bot's)."""
        return next(self._ids)

    def bot_message_id(self, chat_id: int) -> int:
        """Per chat, as in Telegram: a replay gets the ids the recording got."""
        self._last_ids[chat_id] = message_id = self._last_ids.get(chat_id, 0) + 1
        return message_id

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params: JSON = {}
        if request_data is not None:
            request_data.json_parameters  # noqa: B018 - the encoding a real transport pays
            params = request_data.parameters
        return self.answer(name, params)

    def answer(self, name: str, params: JSON) -> tuple[int, bytes]:
        """A Bot API call: its status and JSON body (``bench.serve`` serves it over HTTP)."""
        self.calls[name] += 1
        result = self._answer(name, params)
        if result is None:
            body = {"ok": False, "error_code": 404, "description": f"Not Found: {name}"}
            return 404, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, name: str, params: JSON) -> Any:
        if name in TRUE_METHODS:
            return True
        if name == "getMe":
            return BOT_USER
        if name == "sendMessage":
            return self._sent(params)
        if name in ("editMessageText", "editMessageReplyMarkup"):
            return self._edited(params)
        return None

    def _sent(self, params: JSON) -> JSON:
        chat_id = int(params["chat_id"])
        message = self._message(chat_id, self.bot_message_id(chat_id), params.get("text", ""))
        markup = params.get("reply_markup")
        if markup:
            message["reply_markup"] = markup
            self.keyboards[chat_id] = message
        return message

    def _edited(self, params: JSON) -> JSON:
        chat_id = int(params["chat_id"])
        message = self._message(chat_id, int(params["message_id"]), params.get("text", "…"))
        message["edit_date"] = NOW
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
            self.keyboards[chat_id] = message  # the screen is this message now
        return message

    @staticmethod
    def _message(chat_id: int, message_id: int, text: str) -> JSON:
        return {
            "message_id": message_id,
            "date": NOW,
            "chat": private_chat(chat_id),
            "from": BOT_USER,
            "text": text,
        }


# --- updates as Telegram sends them -----------------------------------------------------------


def text_update(api: BenchApi, chat_id: int, text: str) -> JSON:
    message: JSON = {
        "message_id": CUSTOMER_IDS + api.next_id(),
        "date": NOW,
        "chat": private_chat(chat_id),
        "from": user(chat_id),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": api.next_id(), "message": message}


def press_update(api: BenchApi, chat_id: int, data: str) -> JSON:
    """A press of ``data`` on the newest keyboard of the chat; it must be offered there."""
    message = api.keyboards.get(chat_id)
    rows = message["reply_markup"]["inline_keyboard"] if message else []
    if not any(button.get("callback_data") == data for row in rows for button in row):
        offered = [button.get("callback_data") for row in rows for button in row]
        raise LookupError(f"chat {chat_id}: {data!r} is not offered (offered: {offered})")
    query = {
        "id": str(api.next_id()),
        "from": user(chat_id),
        "chat_instance": str(chat_id),
        "message": message,
        "data": data,
    }
    return {"update_id": api.next_id(), "callback_query": query}
