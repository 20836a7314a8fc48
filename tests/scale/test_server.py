"""The webhook worker in-process (SQLite and PostgreSQL): intake, order, retries, replays."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.runtime.inbox import chat_key_of
from bot.runtime.processor import ProcessorOptions
from bot.runtime.sweeper import Sweeper, Timers
from bot.storage.schema import inbox, serials, timers
from tests.scale.conftest import USER, Harness

CHAT = 777
PASSWORD = "Aspel-Demo-2026"


def _text(h: Harness, text: str) -> dict[str, Any]:
    return h.server.message_update(CHAT, USER, text=text)


def _press(h: Harness, data: str) -> dict[str, Any]:
    message_id = h.server.keyboard_of(CHAT, data)
    assert message_id is not None, f"no message shows {data}"
    return h.server.press_update(CHAT, USER, message_id, data)


async def _say(h: Harness, update: dict[str, Any]) -> None:
    assert await h.post(update) == 200
    await h.settle()


async def _log_in(h: Harness) -> None:
    await _say(h, _text(h, "/start"))
    await _say(h, _press(h, "m:upgrade"))
    await _say(h, _text(h, "mmendez"))
    await _say(h, _text(h, PASSWORD))
    assert any("Bienvenid" in t for t in h.texts(CHAT))


async def test_the_secret_header_is_required(harness: Harness) -> None:
    update = _text(harness, "/start")
    assert await harness.post(update, secret="wrong") == 401
    assert await harness.post(update, secret="") == 401
    response = await harness.client.post("/telegram", content=b"{not json")
    assert response.status_code == 401
    headers = {"X-Telegram-Bot-Api-Secret-Token": "test-secret-0123456789abcdef"}
    bad = await harness.client.post("/telegram", content=b"[1, 2]", headers=headers)
    assert bad.status_code == 400
    assert await harness.worker.runtime.inbox.count_pending() == 0


async def test_a_journey_through_the_webhook_with_every_update_twice(harness: Harness) -> None:
    await _log_in(harness)
    for data in ("mod:subscription", "s:CLSNRR123456", "t:accept"):
        update = _press(harness, data)
        assert await harness.post(update) == 200
        assert await harness.post(update) == 200  # Telegram's retry: dropped
        await harness.settle()
    assert sum("CMSNRR" in t for t in harness.texts(CHAT)) == 1
    results = await harness.results()
    assert set(results.values()) == {"done"}
    assert len(results) == 7


async def test_reordered_updates_are_served_in_update_id_order(harness: Harness) -> None:
    harness.worker.runtime.processor.options = ProcessorOptions(
        hold_back=timedelta(milliseconds=300), poll=0.05
    )
    await _say(harness, _text(harness, "/start"))
    await _say(harness, _press(harness, "m:upgrade"))
    user, password = _text(harness, "mmendez"), _text(harness, PASSWORD)
    assert await harness.post(password) == 200  # the later one arrives first
    assert await harness.post(user) == 200
    await harness.settle()
    assert any("Bienvenid" in t for t in harness.texts(CHAT))


async def test_after_an_outage_an_update_refused_meanwhile_is_still_served_first(
    harness: Harness,
) -> None:
    """The password was stored before the database went down; the user name, sent just before
    it, was refused (503) and comes again a second after the database is back. The password
    has long passed its hold-back by then: without the hold after an outage it would be served
    first (answered as a wrong user name) and the login would fail."""
    processor = harness.worker.runtime.processor
    processor.options = ProcessorOptions(
        hold_back=timedelta(milliseconds=200), poll=0.05, resume_after=timedelta(seconds=2.5)
    )
    await _say(harness, _text(harness, "/start"))
    await _say(harness, _press(harness, "m:upgrade"))
    user, password = _text(harness, "mmendez"), _text(harness, PASSWORD)
    inbox_ = harness.worker.runtime.inbox
    real_accept, real_due = inbox_.accept, inbox_.due_chats
    down = OperationalError("SELECT", {}, ConnectionError("the database system is shutting down"))

    async def refused(*args: Any) -> Any:
        raise down

    inbox_.due_chats = refused  # type: ignore[method-assign]
    assert await harness.post(password) == 200  # stored as the outage begins
    inbox_.accept = refused  # type: ignore[method-assign]
    assert await harness.post(user) == 503
    await asyncio.sleep(0.8)  # down: the password grows older than the hold-back
    inbox_.accept, inbox_.due_chats = real_accept, real_due  # type: ignore[method-assign]
    await asyncio.sleep(1.0)  # Telegram's retry comes a little later
    assert await harness.post(user) == 200
    await harness.settle()
    assert any("Bienvenid" in t for t in harness.texts(CHAT)), harness.texts(CHAT)


async def test_an_earlier_update_stored_after_the_chat_was_read_is_still_served_first(
    harness: Harness,
) -> None:
    """The load test's flake: the processor read the chat's pending updates (only the password,
    delivered first), and before the password's turn ran, the user name, sent earlier and
    delivered late, was stored. The turn must not overtake it: it sees the earlier update
    pending, writes nothing, and the chat is served again from the user name."""
    processor, inbox_ = harness.worker.runtime.processor, harness.worker.runtime.inbox
    processor.options = ProcessorOptions(hold_back=timedelta(milliseconds=100), poll=0.05)
    await _say(harness, _text(harness, "/start"))
    await _say(harness, _press(harness, "m:upgrade"))
    user, password = _text(harness, "mmendez"), _text(harness, PASSWORD)
    real_pending, late = inbox_.pending, [user]

    async def read_then_late(chat: str, limit: int = 20) -> Any:
        rows = await real_pending(chat, limit)
        if late and rows:  # the snapshot holds the password alone; the user name lands now
            assert [r.update_id for r in rows] == [password["update_id"]]
            assert await inbox_.accept(late.pop(), harness.worker.clock())
        return rows

    inbox_.pending = read_then_late  # type: ignore[method-assign]
    assert await harness.post(password) == 200
    await harness.settle()
    assert not late, "the chat was never read"
    texts = harness.texts(CHAT)
    assert any("Bienvenid" in t for t in texts), texts
    assert not any("parece una contraseña" in t.lower() for t in texts), texts
    assert set((await harness.results()).values()) == {"done"}


async def test_replies_a_dead_worker_left_unsent_go_before_the_next_turns(
    harness: Harness,
) -> None:
    """A worker killed right after a turn's commit leaves that turn's replies unsent; the chat's
    next turn, served by a worker that had served the chat before, sends them first (the load
    test heard "¿Cuál es tu usuario?" last, after the upgrade's result)."""
    await _log_in(harness)
    sender = harness.worker.telegram.sender
    real_deliver, dropped = sender.deliver, []

    async def dies_after_commit(rows: Any, stored: Any) -> None:
        if not dropped:  # the turn was saved; the process died before sending
            dropped.append(rows)
            return
        await real_deliver(rows, stored)

    sender.deliver = dies_after_commit  # type: ignore[method-assign]
    await _say(harness, _press(harness, "mod:subscription"))
    assert dropped and not any("Estos son tus sistemas" in t for t in harness.texts(CHAT))
    shown = harness.server.keyboard_of(CHAT, "mod:subscription")  # what the customer still sees
    assert shown is not None
    await _say(harness, harness.server.press_update(CHAT, USER, shown, "s:CLSNRR123456"))
    texts = harness.texts(CHAT)
    listed = [i for i, t in enumerate(texts) if "Estos son tus sistemas" in t]
    terms = [i for i, t in enumerate(texts) if "¿Aceptas?" in t]
    assert listed and terms and listed[0] < terms[0], texts


async def test_a_rerun_of_a_saved_turn_acts_and_speaks_once(harness: Harness) -> None:
    """A worker that dies after the turn's commit: the update's inbox row was finished in that
    same transaction, so running it again (another worker, a restart) does nothing."""
    await _log_in(harness)
    await _say(harness, _press(harness, "mod:subscription"))
    await _say(harness, _press(harness, "s:CLSNRR123456"))
    runtime = harness.worker.runtime
    runtime.processor.options = ProcessorOptions(hold_back=timedelta(hours=1))  # hands off
    accept = _press(harness, "t:accept")
    assert await harness.post(accept) == 200
    [row] = await runtime.inbox.pending("tg:777")
    now = harness.worker.clock()
    assert await harness.worker.telegram.handle(row, runtime.inbox, now) == "done"
    assert await harness.worker.telegram.handle(row, runtime.inbox, now) == "done"
    assert sum("CMSNRR" in t for t in harness.texts(CHAT)) == 1
    with harness.worker.app.db.reading() as conn:
        upgraded = select(func.count()).where(serials.c.replaces_id.is_not(None))
        assert (conn.execute(upgraded)).scalar_one() == 1
        [(result, payload)] = conn.execute(
            select(inbox.c.result, inbox.c.payload).where(inbox.c.update_id == row.update_id)
        ).all()
        assert (result, payload) == ("done", "")


async def test_a_storage_failure_is_retried_without_an_apology(harness: Harness) -> None:
    turns = harness.worker.app.engine.turns
    real_load, failures = turns.load, [2]

    def flaky(conn: Any, chat_id: str) -> Any:
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("SELECT", {}, ConnectionError("server closed the connection"))
        return real_load(conn, chat_id)

    turns.load = flaky  # type: ignore[method-assign]
    harness.worker.runtime.processor.options = ProcessorOptions(
        hold_back=timedelta(0), poll=0.05, retry_base=0.05
    )
    await _say(harness, _text(harness, "/start"))
    texts = harness.texts(CHAT)
    assert len(texts) == 1 and "Uy, algo falló" not in texts[0]
    assert list((await harness.results()).values()) == ["done"]


def test_the_chat_of_each_kind_of_update() -> None:
    chat = {"id": 5, "type": "private"}
    assert chat_key_of({"update_id": 1, "message": {"chat": chat}}) == "tg:5"
    assert chat_key_of({"update_id": 1, "edited_message": {"chat": chat}}) == "tg:5"
    press = {"from": {"id": 9}, "message": {"chat": chat}}
    assert chat_key_of({"update_id": 1, "callback_query": press}) == "tg:5"
    inline = {"from": {"id": 9}, "inline_message_id": "x"}
    assert chat_key_of({"update_id": 1, "callback_query": inline}) == "tg:9"
    assert chat_key_of({"update_id": 3, "poll": {}}) == "update:3"


async def test_an_idle_session_is_expired_once_by_the_sweepers(harness: Harness) -> None:
    await _log_in(harness)
    clock = harness.worker.clock
    clock.advance(minutes=45)  # type: ignore[attr-defined]
    sweepers = [_sweeper(harness), _sweeper(harness)]
    fired = await asyncio.gather(*(s.sweep() for s in sweepers))
    assert sum(fired) == 1
    expired = [t for t in harness.texts(CHAT) if "sin actividad" in t]
    assert len(expired) == 1
    assert sum([await s.sweep() for s in sweepers]) == 0


async def test_a_handoff_reminder_is_stored_and_fired_once(harness: Harness) -> None:
    await _say(harness, _text(harness, "/start"))
    await _say(harness, _text(harness, "/asesor"))
    await _until_reminder_stored(harness, within=0.0)  # stored by the turn itself
    clock = harness.worker.clock
    clock.advance(minutes=11)  # type: ignore[attr-defined]
    sweepers = [_sweeper(harness), _sweeper(harness)]
    assert sum(await asyncio.gather(*(s.sweep() for s in sweepers))) == 1
    reminded = [t for t in harness.texts(CHAT) if "Sigues en la fila" in t]
    assert len(reminded) == 1


async def _until_reminder_stored(h: Harness, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while True:
        with h.worker.app.db.reading() as conn:
            if (conn.execute(select(timers.c.id))).first() is not None:
                return
        assert time.monotonic() <= deadline, "no handoff reminder was stored"
        await asyncio.sleep(0.02)


def _sweeper(h: Harness) -> Sweeper:
    w = h.worker
    return Sweeper(
        timers=Timers(w.app.db),
        locks=w.runtime.locks,
        engine=w.app.engine,
        deliver=w.telegram.deliver,
        clock=w.clock,
    )


async def test_the_inbox_stores_an_update_once(harness: Harness) -> None:
    store, now = harness.worker.runtime.inbox, harness.worker.clock()
    assert await store.accept({"update_id": 10**12}, now) is True
    assert await store.accept({"update_id": 10**12}, now) is False
