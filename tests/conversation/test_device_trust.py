"""Device trust through the engine, on SQLite and PostgreSQL: the chat is the device.

The Done-when of issue 12: six wrong passwords from six other chats, then the owner's usual chat
logs in at once; the same replies for made-up user names; recovery while locked; one pending
verification per chat.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.bootstrap import App
from bot.conversation.messages import Inbound
from bot.domain import throttling
from bot.storage import schema
from bot.storage.sealed import open_stored
from tests.conversation.conftest import Chat

GOOD = "Aspel-Demo-2026"


async def _try(app: App, chat_id: str, user: str, password: str, chat: Chat | None = None) -> str:
    chat = chat or Chat(app, chat_id)
    await chat.send("/start")
    await chat.press("Actualizar")
    await chat.send(user)
    await chat.send(password)
    return chat.text


def _emails(app: App, kind: str) -> list[str]:
    with app.db.reading() as conn:
        query = select(schema.outbox.c.body).where(schema.outbox.c.kind == kind)
        return [open_stored(app.db.sealer, body) for body in conn.execute(query).scalars()]


async def test_six_wrong_passwords_elsewhere_then_the_owner_logs_in_at_once(app: App) -> None:
    owner = await Chat(app, "tg:owner").login()
    await owner.send("/salir")
    for i in range(6):
        assert "no coinciden" in await _try(app, f"tg:other{i}", "mmendez", f"mala-{i}")
    await owner.login()  # no lock, no wait
    assert owner.outcome.state == "choose_modality"


async def test_untrusted_chats_lock_the_name_but_never_the_owners_chat(app: App) -> None:
    owner = await Chat(app, "tg:owner").login()
    await owner.send("/salir")
    limit = throttling.UNTRUSTED_NAME.limit
    replies = [await _try(app, f"tg:a{i}", "mmendez", "mala") for i in range(limit + 2)]
    assert all("no coinciden" in r for r in replies[:limit])
    assert all("bloqueé temporalmente" in r for r in replies[limit:])
    assert "bloqueé temporalmente" in await _try(app, "tg:new-phone", "mmendez", GOOD)
    await owner.login()
    [alert] = _emails(app, "lockout")  # the owner is told, once
    assert f"{limit} contraseñas incorrectas" in alert


async def test_an_untrusted_chat_gets_five_tries(app: App) -> None:
    chat = Chat(app, "tg:guesser")
    for i in range(throttling.UNTRUSTED_CHAT.limit):
        assert "no coinciden" in await _try(app, chat.chat_id, f"user{i}", "mala")
    assert "bloqueé temporalmente" in await _try(app, chat.chat_id, "mmendez", GOOD)
    assert "Bienvenido" in await _try(app, "tg:someone-else", "mmendez", GOOD)


async def test_a_made_up_user_name_gets_the_same_replies_as_a_real_one(app: App) -> None:
    def transcript(replies: list[str]) -> list[str]:
        return [r.replace("no-existe", "NAME").replace("mmendez", "NAME") for r in replies]

    limit = throttling.UNTRUSTED_NAME.limit
    real = [await _try(app, f"tg:r{i}", "mmendez", "mala") for i in range(limit + 1)]
    made_up = [await _try(app, f"tg:m{i}", "no-existe", "mala") for i in range(limit + 1)]
    assert transcript(real) == transcript(made_up)
    with app.db.reading() as conn:
        counted = conn.execute(
            select(schema.auth_throttles.c.failures).where(
                schema.auth_throttles.c.key.in_(
                    [throttling.name_key("mmendez"), throttling.name_key("no-existe")]
                )
            )
        ).scalars()
        assert list(counted) == [limit, limit]


async def test_recovery_by_email_works_while_locked(app: App) -> None:
    for i in range(throttling.UNTRUSTED_NAME.limit):
        await _try(app, f"tg:a{i}", "mmendez", "mala")
    chat = Chat(app, "tg:new-phone")
    assert "bloqueé temporalmente" in await _try(app, chat.chat_id, "mmendez", GOOD, chat)
    await chat.press("Olvidé mi contraseña")
    await chat.send("mmendez")
    assert "te llegará un correo con un código" in chat.text
    [body] = _emails(app, "reset")
    code = next(w for w in body.split() if len(w) >= 30)
    await chat.send(code)
    await chat.send("Nueva-Clave-2027")
    assert "Tu contraseña cambió" in chat.text
    await chat.login(password="Nueva-Clave-2027")  # the chat that reset is trusted now


async def test_reset_emails_are_throttled_with_the_same_reply(app: App) -> None:
    replies = []
    for i in range(throttling.RESETS_PER_HOUR + 2):
        chat = Chat(app, f"tg:r{i}")
        await chat.send("/start")
        await chat.press("Olvidé mi contraseña")
        await chat.send("mmendez")
        replies.append(chat.text)
    assert len(set(replies)) == 1
    assert len(_emails(app, "reset")) == throttling.RESETS_PER_HOUR


async def test_one_chat_never_has_two_verifications_pending(app: App) -> None:
    pending: dict[str, int] = {}
    peak: list[int] = []
    run = app.engine.passwords.run

    async def watched(work, *, chat):  # type: ignore[no-untyped-def]
        pending[chat] = pending.get(chat, 0) + 1
        peak.append(pending[chat])
        try:
            return await run(work, chat=chat)
        finally:
            pending[chat] -= 1

    app.engine.passwords.run = watched  # type: ignore[method-assign]
    chat = Chat(app, "tg:flood")
    await chat.send("/start")
    await chat.press("Actualizar")
    texts = ["mmendez", "mala-1", "mmendez", "mala-2", "mmendez", "mala-3"]
    await chat.send(texts[0])
    outcomes = await asyncio.gather(
        *(app.engine.handle(Inbound(chat.chat_id, text=t)) for t in texts[1:])
    )
    assert max(peak) == 1 and len(peak) == 3  # queued in order, verified one at a time
    assert sum("no coinciden" in r.text for o in outcomes for r in o.replies) == 3
