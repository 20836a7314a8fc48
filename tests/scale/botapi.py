"""The Bot API over HTTP on 127.0.0.1, failing as Telegram does, for bot processes under test.

``bot.testing.telegram.FakeTelegram`` (the in-process stand-in: it keeps every chat's messages,
edits them, deletes them, queues updates for ``getUpdates``) answers behind a threaded HTTP
server, so that ``aspel-bot run`` and ``aspel-bot serve`` subprocesses reach it through
``TELEGRAM_API_BASE_URL`` exactly as they reach Telegram. On top, the faults of the real one:

- ``burst(n, chat)``: the next ``n`` sends into that chat answer ``429 Too Many Requests`` with
  ``parameters.retry_after`` (a flood wait);
- ``storm(seconds)``: every method answers ``502 Bad Gateway`` for that long (Telegram's
  servers being upgraded), ``getUpdates`` and ``getMe`` included;
- ``on_update``: called with each update handed to the bot (by ``getUpdates``), so a test can
  start a fault at the very moment a given update leaves Telegram.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.testing.telegram import FakeTelegram
from tests.scale.cluster import free_port

JSON = dict[str, Any]
SENDS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage"})
# parameters PTB sends JSON-encoded in a form body (strings such as ``text`` are sent as they are)
ENCODED = frozenset(
    {"reply_markup", "allowed_updates", "commands", "reply_parameters", "link_preview_options"}
)
HOLD = 0.3  # seconds a getUpdates with nothing to say is held open (Telegram's long poll)


def _params(content_type: str, body: bytes) -> JSON:
    if content_type.startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    params: JSON = {}
    for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
        value: Any = values[0]
        if key in ENCODED:
            value = json.loads(value)
        params[key] = value
    return params


class HttpBotApi:
    def __init__(self) -> None:
        self.fake = FakeTelegram()
        self.lock = threading.Lock()
        self.port = free_port()
        self.on_update: Callable[[JSON], None] = lambda update: None
        self._burst: dict[int, int] = {}
        self._storm_until = 0.0
        self.failed: list[tuple[str, int]] = []  # (method, code) of every call refused
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method = self.path.rsplit("/", 1)[-1]
                params = _params(self.headers.get("Content-Type", ""), body)
                code, payload = api.answer(method, params)
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = _QuietServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- faults ---------------------------------------------------------------------------

    def burst(self, count: int, chat_id: int) -> None:
        with self.lock:
            self._burst[chat_id] = count

    def storm(self, seconds: float) -> None:
        with self.lock:
            self._storm_until = time.monotonic() + seconds

    @property
    def storming(self) -> bool:
        return time.monotonic() < self._storm_until

    def _fault(self, method: str, params: JSON) -> tuple[int, JSON] | None:
        if self.storming:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        chat = int(params.get("chat_id") or 0)
        if method in SENDS and self._burst.get(chat, 0) > 0:
            self._burst[chat] -= 1
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        return None

    # --- answering ------------------------------------------------------------------------

    def answer(self, method: str, params: JSON) -> tuple[int, JSON]:
        deadline = time.monotonic() + HOLD
        while True:
            with self.lock:
                fault = self._fault(method, params)
                if fault is not None:
                    self.failed.append((method, fault[0]))
                    return fault
                code, payload = self.fake.answer(method, params)
                handed = method == "getUpdates" and code == 200 and payload["result"]
                if handed or method != "getUpdates" or time.monotonic() >= deadline:
                    break
            time.sleep(0.02)
        for update in payload["result"] if handed else []:
            self.on_update(update)
        return code, payload

    # --- what customers do, and what they see ---------------------------------------------

    def push(self, update: JSON) -> None:
        with self.lock:
            self.fake.push(update)

    def message(self, chat_id: int, user: JSON, text: str) -> JSON:
        with self.lock:
            return self.fake.message_update(chat_id, user, text=text)

    def press(self, chat_id: int, user: JSON, data: str) -> JSON | None:
        """A press of the newest button with this data in the chat; None if none shows it."""
        with self.lock:
            message_id = self.fake.keyboard_of(chat_id, data)
            if message_id is None:
                return None
            return self.fake.press_update(chat_id, user, message_id, data)

    def shown(self, chat_id: int) -> list[JSON]:
        """What the chat was shown, in the order it was accepted: messages sent, and messages
        edited into a new screen (text and keyboard)."""
        with self.lock:
            return [
                c.params
                for c in self.fake.calls
                if c.ok
                and c.method in ("sendMessage", "editMessageText")
                and int(c.params.get("chat_id", 0)) == chat_id
            ]

    def live_keyboards(self, chat_id: int) -> list[int]:
        """The chat's messages that still carry buttons."""
        with self.lock:
            return [
                message_id
                for (chat, message_id), message in self.fake.messages.items()
                if chat == chat_id and (message.get("reply_markup") or {}).get("inline_keyboard")
            ]

    def calls(self, method: str) -> int:
        with self.lock:
            return sum(1 for c in self.fake.calls if c.method == method)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a killed bot's connection reset: nothing to report
