"""The world around the bot processes in the load test: Telegram's Bot API (a threaded HTTP
server on 127.0.0.1 that records every call per chat) and an SMTP server that can be stopped."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

from bot.testing.telegram import BOT_USER
from tests.scale.cluster import free_port


@dataclass
class Call:
    at: float
    method: str
    params: dict[str, Any]


@dataclass
class BotApiState:
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_000))

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """What a chat was shown (messages sent, and edited into a new screen), in the order
        the Bot API received it."""
        with self.lock:
            return [
                c.params
                for c in self.calls
                if c.method in ("sendMessage", "editMessageText")
                and int(c.params.get("chat_id", 0)) == chat_id
            ]


def _params(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
    if handler.headers.get("Content-Type", "").startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}


def _answer(state: BotApiState, method: str, params: dict[str, Any]) -> tuple[int, Any]:
    if method == "getMe":
        return 200, BOT_USER
    if method in ("sendMessage", "editMessageText"):
        chat = {"id": int(params["chat_id"]), "type": "private", "first_name": "Cliente"}
        edited = params.get("message_id") if method == "editMessageText" else None
        message_id = int(edited) if edited else next(state.ids)
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat}
        message |= {"from": BOT_USER, "text": params.get("text", "")}
        if params.get("reply_markup"):
            message["reply_markup"] = json.loads(params["reply_markup"])
        return 200, message
    if method in (
        "setMyCommands",
        "answerCallbackQuery",
        "sendChatAction",
        "deleteMessage",
        "editMessageReplyMarkup",
        "setWebhook",
    ):
        return 200, True
    return 404, None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a killed worker's connection reset: nothing to report


class FakeBotApi:
    def __init__(self) -> None:
        self.state = BotApiState()
        self.port = free_port()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method = self.path.rsplit("/", 1)[-1]
                params = _params(self, body)
                with state.lock:
                    state.calls.append(Call(time.monotonic(), method, params))
                code, result = _answer(state, method, params)
                payload = {"ok": True, "result": result} if code == 200 else {"ok": False}
                payload |= {} if code == 200 else {"error_code": code, "description": method}
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


class _Sink:
    def __init__(self) -> None:
        self.message_ids: list[str] = []
        self.arrived: list[float] = []  # time.monotonic() of each
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.message_ids.append(str(message["Message-ID"]))
            self.arrived.append(time.monotonic())
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.sink = _Sink()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        self.started = time.monotonic()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            self.stopped = time.monotonic()

    def last_arrival(self) -> float:
        with self.sink.lock:
            return max(self.sink.arrived, default=0.0)

    def received(self) -> list[str]:
        with self.sink.lock:
            return list(self.sink.message_ids)
