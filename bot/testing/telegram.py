"""Telegram without the network, for the tests and ``aspel-bot test-script --channel telegram``.

- ``FakeTelegram`` plays the Bot API server: it keeps the chats' messages, answers the methods
  the bot uses with plausible JSON (message ids increase), can be told to fail the next call
  (``fail_next``), and refuses any method it does not know.
- ``RecordingRequest`` is PTB's request layer over it: every Bot API call is recorded in
  ``server.calls``; nothing leaves the process.
- The customer's side (``TelegramChat``, ``telegram_driver``) is ``bot.testing.chat``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.bootstrap import App
from bot.channels.telegram.app import TelegramBot, build_telegram
from bot.channels.telegram.sender import SenderOptions

TOKEN = "123456789:TEST_not_a_real_token_0123456789abcd"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Aspel",
    "username": "AspelAyudaBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
JSON = dict[str, Any]


@dataclass
class ApiCall:
    method: str
    params: JSON
    ok: bool = True


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        return body | ({"parameters": self.parameters} if self.parameters else {})


@dataclass
class FakeTelegram:
    """The Bot API server, in memory."""

    calls: list[ApiCall] = field(default_factory=list)
    refused: list[ApiCall] = field(default_factory=list)
    messages: dict[tuple[int, int], JSON] = field(default_factory=dict)
    chats: dict[int, JSON] = field(default_factory=dict)
    commands: list[JSON] = field(default_factory=list)
    updates: deque[JSON] = field(default_factory=deque)  # waiting for getUpdates
    failures: deque[tuple[str, ApiError]] = field(default_factory=deque)
    # (methods, error, still on?): every call of those methods fails while ``still on`` says so
    outages: list[tuple[frozenset[str], ApiError, Callable[[], bool]]] = field(default_factory=list)
    now: int = 1_773_154_800  # a fixed Unix time; dates are not what these tests check
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- scripting the server ------------------------------------------------------------

    def fail_next(self, method: str, code: int = 400, description: str = "", **params: Any) -> None:
        """The next call of ``method`` fails (``retry_after=…`` makes it a 429 flood wait)."""
        description = description or ("Too Many Requests: retry later" if code == 429 else "")
        self.failures.append((method, ApiError(code, description or "Bad Request", **params)))

    def outage(
        self, methods: set[str], code: int, description: str, while_: Callable[[], bool]
    ) -> None:
        """Every call of ``methods`` fails with ``code`` for as long as ``while_()`` is true."""
        self.outages.append((frozenset(methods), ApiError(code, description), while_))

    def time_out_next(self, method: str) -> None:
        """The next call of ``method`` never gets an answer (PTB raises ``TimedOut``)."""
        self.failures.append((method, ApiError(0, "timed out")))

    def chat(self, chat_id: int, kind: str = "") -> JSON:
        kind = kind or ("private" if chat_id > 0 else "supergroup")
        chat: JSON = {"id": chat_id, "type": kind}
        chat |= {"first_name": "Cliente"} if kind == "private" else {"title": "Oficina"}
        return self.chats.setdefault(chat_id, chat)

    def of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    # --- answering -----------------------------------------------------------------------

    def answer(self, method: str, params: JSON) -> tuple[int, JSON]:
        call = ApiCall(method, params)
        self.calls.append(call)
        try:
            self._scripted_failure(method)
            api = getattr(self, f"_api_{method}", None)
            if api is None:
                self.refused.append(call)
                raise ApiError(404, f"Not Found: the fake Bot API does not know {method}")
            return 200, {"ok": True, "result": api(params)}
        except ApiError as error:
            call.ok = False
            return error.code, error.payload()

    def _scripted_failure(self, method: str) -> None:
        for index, (failing, error) in enumerate(self.failures):
            if failing == method:
                del self.failures[index]
                raise error
        for methods, error, on in self.outages:
            if method in methods and on():
                raise error

    def _message(self, params: JSON) -> JSON:
        message = self.messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    @staticmethod
    def _check(text: str, markup: JSON | None) -> None:
        if not 1 <= len(text) <= MAX_TEXT:
            raise ApiError(400, "Bad Request: message text is empty or too long")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _api_getMe(self, params: JSON) -> JSON:  # noqa: N802
        return BOT_USER

    def _api_sendMessage(self, params: JSON) -> JSON:  # noqa: N802
        markup = params.get("reply_markup")
        self._check(params["text"], markup)
        message = self.store(int(params["chat_id"]), BOT_USER, text=params["text"])
        if markup:
            message["reply_markup"] = markup
        return message

    def _edit(self, message: JSON, text: str, markup: JSON | None) -> JSON:
        self._check(text, markup)
        if message["text"] == text and message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        message.pop("reply_markup", None)
        message |= {"text": text, "edit_date": self.now} | (
            {"reply_markup": markup} if markup else {}
        )
        return message

    def _api_editMessageText(self, params: JSON) -> JSON:  # noqa: N802
        return self._edit(self._message(params), params["text"], params.get("reply_markup"))

    def _api_editMessageReplyMarkup(self, params: JSON) -> JSON:  # noqa: N802
        message = self._message(params)
        return self._edit(message, message["text"], params.get("reply_markup"))

    def _api_deleteMessage(self, params: JSON) -> bool:  # noqa: N802
        key = (int(params["chat_id"]), int(params["message_id"]))
        if self.messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _api_answerCallbackQuery(self, params: JSON) -> bool:  # noqa: N802
        return True

    def _api_sendChatAction(self, params: JSON) -> bool:  # noqa: N802
        return True

    def _api_setMyCommands(self, params: JSON) -> bool:  # noqa: N802
        for command in params["commands"]:
            if not 3 <= len(command["description"]) <= 256 or not command["command"].islower():
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands = list(params["commands"])
        return True

    def _api_getMyCommands(self, params: JSON) -> list[JSON]:  # noqa: N802
        return self.commands

    def _api_setWebhook(self, params: JSON) -> bool:  # noqa: N802
        return True

    def _api_getUpdates(self, params: JSON) -> list[JSON]:  # noqa: N802
        """What ``push`` queued from ``offset`` on (asking from past an update forgets it)."""
        offset = int(params.get("offset") or 0)
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()
        return list(self.updates)[: int(params.get("limit") or 100)]

    def push(self, update: JSON) -> None:
        """An update for the bot to fetch with ``getUpdates`` (long polling)."""
        self.updates.append(update)

    def _api_deleteWebhook(self, params: JSON) -> bool:  # noqa: N802
        return True

    # --- what customers do (updates as Telegram would send them) --------------------------

    def store(self, chat_id: int, sender: JSON, **content: Any) -> JSON:
        message_id = next(self._ids)
        message = {"message_id": message_id, "date": self.now, "chat": self.chat(chat_id)}
        message |= {"from": sender} | content
        self.messages[(chat_id, message_id)] = message
        return message

    def update(self, **body: Any) -> JSON:
        return {"update_id": next(self._ids)} | body

    def message_update(self, chat_id: int, user: JSON, **content: Any) -> JSON:
        kind = "channel_post" if self.chat(chat_id)["type"] == "channel" else "message"
        return self.update(**{kind: dict(self.store(chat_id, user, **content))})

    def edited_update(self, chat_id: int, message_id: int, text: str) -> JSON:
        message = self.messages[(chat_id, message_id)] | {"text": text, "edit_date": self.now}
        self.messages[(chat_id, message_id)] = message
        return self.update(edited_message=dict(message))

    def press_update(self, chat_id: int, user: JSON, message_id: int, data: str) -> JSON:
        """A press of ``data`` on that message, as it stands now (data need not be on it)."""
        message = dict(self.messages[(chat_id, message_id)])
        query = {"id": str(next(self._ids)), "from": user, "chat_instance": str(chat_id)}
        return self.update(callback_query=query | {"message": message, "data": data})

    def keyboard_of(self, chat_id: int, data: str) -> int | None:
        """The newest message of the chat showing a button with this data."""
        for (chat, message_id), message in reversed(self.messages.items()):
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if chat == chat_id and any(b.get("callback_data") == data for r in rows for b in r):
                return message_id
        return None


class RecordingRequest(BaseRequest):
    """PTB's request layer, answered by a ``FakeTelegram``: every call recorded, none sent."""

    def __init__(self, server: FakeTelegram) -> None:
        self.server = server

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
        params = request_data.parameters if request_data is not None else {}
        method = url.rsplit("/", 1)[-1]
        code, payload = self.server.answer(method, dict(params))
        if method == "getUpdates" and code == 200 and not payload["result"]:
            await asyncio.sleep(0.02)  # Telegram would hold the request open: do not spin
        if code == 0:
            raise TimedOut()
        return code, json.dumps(payload).encode()


# --- one customer, as a transcript ----------------------------------------------------------


def fake_telegram(
    app: App,
    server: FakeTelegram,
    sender: SenderOptions | None = None,
    sleep: Callable[[float], Awaitable[Any]] | None = None,
) -> TelegramBot:
    """The bot's real Telegram side (``build_telegram``), over the fake server. The sender does
    not pace (tests are bursts); ``sleep`` replaces its waits between retries (a test's clock)."""
    options = sender or SenderOptions(rate=100_000, group_rate=100_000)
    telegram = build_telegram(
        app, token=TOKEN, request=RecordingRequest(server), sender_options=options
    )
    if sleep is not None:
        telegram.sender.sleep = sleep
    return telegram
