"""The support group over PTB's ``process_update`` and a Bot API that records every call:
the ticket and its transcript file posted, relays both ways, ``/cerrar``."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.request import RequestData

from bot.bootstrap import App, build
from bot.channels.telegram.app import TelegramBot, build_telegram
from bot.channels.telegram.sender import SenderOptions
from bot.domain.passwords import Argon2Hasher
from bot.handoff.tickets import TicketStore
from bot.settings import Settings
from bot.testing.chat import TelegramChat
from bot.testing.telegram import TOKEN, FakeTelegram, RecordingRequest
from tests.conftest import FixedClock
from tests.handoff.conftest import PASSWORD

GROUP = -1001234
ADVISOR = {"id": 555, "is_bot": False, "first_name": "Lupita"}
JSON = dict[str, Any]


class SupportTelegram(FakeTelegram):
    """The fake Bot API, plus documents (the transcript file) kept with their content."""

    files: list[bytes]

    def _api_sendDocument(self, params: JSON) -> JSON:  # noqa: N802
        caption = params.get("caption", "")
        return self.store(
            int(params["chat_id"]),
            {"id": 123456789, "is_bot": True, "first_name": "Aspel"},
            caption=caption,
            document={"file_id": "DOC", "file_unique_id": "DOC1", "file_name": "ticket.txt"},
        )


class FileRecordingRequest(RecordingRequest):
    """Also keeps the bytes of uploaded files, which the plain recording does not see."""

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **kw: Any
    ) -> tuple[int, bytes]:
        if request_data is not None:
            for _name, part in request_data.multipart_data.items():
                self.server.files.append(part[1])  # type: ignore[attr-defined]
        return await super().do_request(url, method, request_data, **kw)


@pytest.fixture
def server() -> SupportTelegram:
    server = SupportTelegram()
    server.files = []
    server.chat(GROUP, "supergroup")
    return server


@pytest.fixture
async def app(
    sqlite_template: Path, tmp_path: Path, clock: FixedClock, hasher: Argon2Hasher
) -> AsyncIterator[App]:
    shutil.copyfile(sqlite_template, tmp_path / "bot.db")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        outbox_dir=tmp_path / "out",
        support_chat_id=GROUP,
    )
    app = await build(settings, clock=clock, hasher=hasher, migrate=False)
    yield app
    await app.aclose()


@pytest.fixture
async def telegram(app: App, server: SupportTelegram) -> AsyncIterator[TelegramBot]:
    options = SenderOptions(rate=100_000, group_rate=100_000)
    telegram = build_telegram(
        app, token=TOKEN, request=FileRecordingRequest(server), sender_options=options
    )
    await telegram.start()
    yield telegram
    await telegram.stop()


@pytest.fixture
def customer(telegram: TelegramBot, server: SupportTelegram) -> TelegramChat:
    return TelegramChat(telegram, server, chat_id=4242)


def typed(text: str) -> JSON:
    """A group message as Telegram sends it: a leading command is marked as an entity."""
    command = text.split()[0] if text.startswith("/") else ""
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] if command else []
    return {"text": text, "entities": entities} if entities else {"text": text}


def sent_to(server: FakeTelegram, chat_id: int) -> list[JSON]:
    return [c.params for c in server.of("sendMessage") if int(c.params["chat_id"]) == chat_id]


def replied_to(params: JSON) -> int | None:
    reply = params.get("reply_parameters") or {}
    return int(reply["message_id"]) if reply else None


async def advisor_replies(
    customer: TelegramChat, server: FakeTelegram, to_message: int, text: str
) -> None:
    replied = server.messages[(GROUP, to_message)]
    update = server.message_update(GROUP, ADVISOR, **typed(text), reply_to_message=dict(replied))
    await customer.deliver(update)


async def queued(customer: TelegramChat) -> None:
    await customer.send("/start")
    await customer.press("Actualizar")
    await customer.send("mmendez")
    await customer.send(PASSWORD)
    await customer.press("Suscripciones")
    await customer.send("/asesor")


async def test_a_ticket_is_posted_with_its_transcript_file_without_the_password(
    customer: TelegramChat, server: SupportTelegram, app: App
) -> None:
    await queued(customer)
    summary, *_ = sent_to(server, GROUP)
    assert summary["text"].startswith("Ticket #1:") and "mmendez" in summary["text"]
    assert "elegir número de serie" in summary["text"]  # the step, in words
    [document] = server.of("sendDocument")
    assert int(document.params["chat_id"]) == GROUP and "#1" in document.params["caption"]
    [content] = server.files
    text = content.decode()
    assert "Conversación del ticket #1" in text and "[contraseña oculta]" in text
    assert PASSWORD.encode() not in content
    ticket = await TicketStore(app.db).get(1)
    assert ticket is not None and ticket.support_message_id is not None
    assert server.messages[(GROUP, ticket.support_message_id)]["text"] == summary["text"]


async def test_asking_twice_posts_one_ticket(
    customer: TelegramChat, server: SupportTelegram
) -> None:
    await queued(customer)
    await customer.send("/asesor")
    assert len(server.of("sendDocument")) == 1
    assert [p["text"][:9] for p in sent_to(server, GROUP)] == ["Ticket #1"]


async def test_relay_both_ways_then_cerrar_hands_the_customer_back(
    customer: TelegramChat, server: SupportTelegram, app: App
) -> None:
    await queued(customer)
    ticket = await TicketStore(app.db).get(1)
    assert ticket is not None and ticket.support_message_id is not None

    await customer.send("¿Mi versión 8 sigue sirviendo?")
    [noted] = customer.replies  # noted in the case; the advisor answers
    assert "Anoté tu mensaje" in noted.text
    relayed = sent_to(server, GROUP)[-1]
    assert "¿Mi versión 8 sigue sirviendo?" in relayed["text"]
    assert replied_to(relayed) == ticket.support_message_id

    relayed_id = max(m for (chat, m) in server.messages if chat == GROUP)
    await advisor_replies(customer, server, relayed_id, "Sí, hasta su próxima validación.")
    assert sent_to(server, customer.chat_id)[-1]["text"] == (
        "Asesor:\nSí, hasta su próxima validación."
    )

    await advisor_replies(customer, server, ticket.support_message_id, "/cerrar")
    back = sent_to(server, customer.chat_id)[-1]["text"]  # one message: the news and the menu
    assert "cerró tu caso" in back and "¿Qué necesitas?" in back
    assert "cerrado" in sent_to(server, GROUP)[-1]["text"]
    closed = await TicketStore(app.db).get(1)
    assert closed is not None and closed.status == "closed"
    events = await TicketStore(app.db).transcript(closed)
    assert [e.who for e in events if e.who == "asesor"] == ["asesor", "asesor"]

    await advisor_replies(customer, server, ticket.support_message_id, "¿Algo más?")
    assert "ya no está en la fila" in sent_to(server, GROUP)[-1]["text"]


async def test_leaving_the_queue_is_told_to_the_group(
    customer: TelegramChat, server: SupportTelegram
) -> None:
    await customer.send("/asesor")
    await customer.send("/salir")
    assert "salió de la fila" in sent_to(server, GROUP)[-1]["text"]


async def test_the_group_is_not_the_customers_chat(
    customer: TelegramChat, server: SupportTelegram
) -> None:
    await customer.deliver(server.message_update(GROUP, ADVISOR, text="¿Quién toma el #1?"))
    assert sent_to(server, GROUP) == []  # advisors' own talk: no refusal, no reply
    await customer.deliver(server.message_update(GROUP, ADVISOR, **typed("/cerrar")))
    assert "No encontré el ticket" in sent_to(server, GROUP)[-1]["text"]
    assert not server.refused and not customer.errors
