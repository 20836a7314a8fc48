"""Handoff through the engine: one ticket per chat, its context and transcript, closing it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.handoff.tickets import TicketStore
from bot.handoff.transcript import Renderer
from bot.storage.schema import transcript_events
from tests.conftest import FixedClock
from tests.conversation.conftest import Chat
from tests.handoff.conftest import PASSWORD, only_ticket

Reach = Callable[[Chat], Awaitable[object]]


async def _login(chat: Chat, journey: str = "Actualizar", user: str = "mmendez") -> None:
    password = PASSWORD if user == "mmendez" else "Caja-Demo-2026"
    await chat.login(user, password, journey)


async def _serial(chat: Chat, journey: str, user: str, modality: str, serial: str) -> None:
    await _login(chat, journey, user)
    await chat.press(modality)
    await chat.press(serial)


STEPS: dict[str, Reach] = {
    "menu": lambda c: c.send("/start"),
    "choose_modality": _login,
    "upgrade_terms": lambda c: _serial(c, "Actualizar", "mmendez", "Suscripciones", "CLSN"),
    "cda_confirm": lambda c: _serial(c, "CDA", "mmendez", "Suscripciones", "PHSNLM"),
    "licence_upgrade": lambda c: _serial(c, "Actualizar", "jlopez", "Licenciamiento", "SKSN"),
}


async def _reach(chat: Chat, step: str) -> None:
    if step == "login_user":
        await chat.send("/start")
        await chat.press("Actualizar")
    elif step == "login_password":
        await _reach(chat, "login_user")
        await chat.send("mmendez")
    elif step == "recovery_user":
        await chat.send("/start")
        await chat.press("Olvidé")
    elif step == "choose_serial":
        await _login(chat)
        await chat.press("Suscripciones")
    elif step == "upgrade_done":
        await _reach(chat, "upgrade_terms")
        await chat.press("Aceptar")
    else:
        await STEPS[step](chat)
    assert chat.outcome.state == step, chat.text


ALL_STEPS = [
    *STEPS,
    "login_user",
    "login_password",
    "recovery_user",
    "choose_serial",
    "upgrade_done",
]


@pytest.mark.parametrize("step", ALL_STEPS)
async def test_asesor_from_any_step_opens_one_ticket_with_the_conversation_so_far(
    chat: Chat, store: TicketStore, app: App, step: str
) -> None:
    await _reach(chat, step)
    await chat.send("/asesor")
    assert chat.outcome.state == "handoff" and chat.outcome.ticket_id is not None
    await chat.send("/asesor")
    assert "Ya estás en la fila" in chat.text and chat.outcome.ticket_id is None
    await chat.press_data("m:advisor")  # a stale menu button does not open another either

    ticket = await only_ticket(store)
    assert (ticket.status, ticket.step, ticket.chat_id) == ("open", step, "tg:77")
    events = await store.transcript(ticket)
    assert events[0].text == "/start" and events[0].who == "cliente"
    assert [e.text for e in events if e.who == "cliente"].count("/asesor") == 2
    typed_password = step not in ("menu", "login_user", "login_password", "recovery_user")
    assert any(e.kind == "secret" for e in events) is typed_password
    rendered = Renderer(app.translate, ZoneInfo("America/Mexico_City")).txt(ticket, events)
    assert PASSWORD not in rendered and "Caja-Demo-2026" not in rendered
    assert ("[contraseña oculta]" in rendered) is typed_password


async def test_the_ticket_records_account_product_and_serial(
    chat: Chat, store: TicketStore
) -> None:
    await _reach(chat, "upgrade_terms")
    await chat.send("/asesor")
    ticket = await only_ticket(store)
    assert (ticket.username, ticket.product, ticket.serial) == ("mmendez", "COI", "CLSNRR123456")
    assert ticket.account_id is not None and ticket.reason == "asked"


async def test_three_misses_hand_off_as_stuck(chat: Chat, store: TicketStore) -> None:
    await _login(chat)
    for gibberish in ("???", "jajaja", "qwerty asdf"):
        await chat.send(gibberish)
    assert chat.outcome.state == "handoff"
    ticket = await only_ticket(store)
    assert (ticket.reason, ticket.step) == ("stuck", "choose_modality")


async def test_a_locked_account_offers_an_advisor_with_its_reason(
    chat: Chat, store: TicketStore
) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    for attempt in range(6):  # an untrusted chat: the 6th attempt meets its lock
        await chat.send("jlopez")
        await chat.send(f"mala-{attempt}")
    assert "bloqueé" in chat.text and chat.outcome.state == "menu"
    await chat.press("Hablar con un asesor")
    ticket = await only_ticket(store)
    assert (ticket.reason, ticket.step) == ("locked", "login_password")


async def test_the_offer_is_forgotten_once_the_customer_moves_on(
    chat: Chat, store: TicketStore
) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    for attempt in range(4):
        await chat.send("jlopez")
        await chat.send(f"mala-{attempt}")
    await chat.press("Olvidé")
    await chat.send("/asesor")
    assert (await only_ticket(store)).reason == "asked"


async def test_licence_and_physical_box_tickets_say_why(
    chat: Chat, store: TicketStore, clock: FixedClock
) -> None:
    await _reach(chat, "licence_upgrade")
    await chat.press("asesor")
    await chat.send("/salir")
    clock.advance(minutes=1)  # a chat's tickets differ in their opening time
    await chat.send("/start")
    await chat.press("CDA")
    await chat.press("Licenciamiento")
    await chat.press("PHSNFB")
    assert "Certificado de Autenticidad" in chat.text
    await chat.press("Hablar con un asesor")
    licence, box = await store.by_status("all")
    assert (licence.reason, licence.serial, licence.status) == ("licence", "SKSNLC650127", "left")
    assert (box.reason, box.serial, box.product, box.status) == (
        "physical_box",
        "PHSNFB993310",
        "PROD",
        "open",
    )


async def test_customer_text_in_handoff_is_relayed_and_noted_now_and_then(
    chat: Chat, clock: Any
) -> None:
    await chat.send("/asesor")
    await chat.send("Necesito factura de mi renovación")
    assert chat.outcome.relay_to_advisor == "Necesito factura de mi renovación"
    assert [r.key for r in chat.replies] == ["handoff-noted"]
    await chat.send("Es para la empresa")  # a moment later: relayed, no second note
    assert chat.replies == [] and chat.outcome.relay_to_advisor == "Es para la empresa"
    clock.advance(minutes=6)
    await chat.send("¿Siguen ahí?")
    assert [r.key for r in chat.replies] == ["handoff-noted"]


async def test_advisor_messages_reach_the_customer_and_the_transcript_masked(
    chat: Chat, store: TicketStore, app: App
) -> None:
    await chat.send("/asesor")
    outcome = await app.engine.advisor_says("tg:77", "Tu CDA es 7QK2-M9XA-4D3F-PL8C")
    assert [r.text for r in outcome.replies] == ["Asesor:\nTu CDA es 7QK2-M9XA-4D3F-PL8C"]
    events = await store.transcript(await only_ticket(store))
    assert (events[-1].who, events[-1].text) == ("asesor", "Tu CDA es ****-****-****-PL8C")


async def test_hand_back_closes_the_ticket_and_the_bot_answers_again(
    chat: Chat, store: TicketStore, app: App
) -> None:
    await chat.send("/asesor")
    outcome = await app.engine.hand_back("tg:77")
    assert outcome.state == "menu" and "cerró tu caso" in outcome.replies[0].text
    ticket = await only_ticket(store)
    assert ticket.status == "closed" and ticket.closed_at is not None
    await chat.press_data("m:upgrade")  # on the menu it was handed back with
    assert "usuario" in chat.text
    assert (await app.engine.advisor_says("tg:77", "¿Sigues ahí?")).replies == []
    assert (await app.engine.hand_back("tg:77")).replies == []
    assert (await app.engine.advisor_says("tg:nobody", "hola")).replies == []


async def test_leaving_the_queue_closes_the_ticket_as_left(chat: Chat, store: TicketStore) -> None:
    await chat.send("/asesor")
    await chat.send("/salir")
    assert "Saliste de la fila" in chat.text
    assert (await only_ticket(store)).status == "left"
    assert await store.by_status("open") == [] and len(await store.by_status("closed")) == 1


async def test_a_second_ticket_shows_only_what_followed_the_first(
    chat: Chat, store: TicketStore, clock: FixedClock
) -> None:
    await chat.send("primer asunto")
    await chat.send("/asesor")
    clock.advance(minutes=1)
    await chat.send("/salir")
    clock.advance(minutes=1)
    await chat.send("segundo asunto")
    await chat.send("/asesor")
    first, second = await store.by_status("all")
    first_texts = [e.text for e in await store.transcript(first)]
    second_texts = [e.text for e in await store.transcript(second)]
    assert "primer asunto" in first_texts and "segundo asunto" not in first_texts
    assert "/salir" in first_texts  # up to its closing
    assert second_texts[0] == "segundo asunto" and "primer asunto" not in second_texts


async def test_after_hours_the_customer_is_told_when_to_expect_an_answer(
    chat: Chat, clock: FixedClock
) -> None:
    await chat.send("/asesor")  # FIXED_NOW is Tuesday 09:00 in Mexico City: open
    assert "fuera del horario" not in chat.text
    await chat.send("/salir")
    clock.advance(hours=10)  # Tuesday 19:00
    await chat.send("/asesor")
    assert "fuera del horario" in chat.text and "mañana a partir de las 9:00" in chat.text


async def test_no_password_is_ever_stored_even_typed_out_of_place(chat: Chat, app: App) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send(f"mmendez {PASSWORD}")  # user and password in one message
    await chat.send("mmendez")
    await chat.send(PASSWORD)
    await chat.send(f"por cierto mi contraseña es {PASSWORD}")
    await chat.send("/asesor")
    await chat.send(f"password: {PASSWORD}")
    with app.db.reading() as conn:
        texts = (conn.execute(select(transcript_events.c.text))).scalars().all()
    assert texts and not [t for t in texts if PASSWORD in t]
