"""Telegram failing in its usual ways: every reply still reaches the customer, in order, or is
parked where support can see and retry it; the conversation, saved by the turn, goes on."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.storage.schema import deliveries
from bot.testing.chat import TelegramChat
from bot.testing.telegram import NOT_MODIFIED, FakeTelegram
from tests.conftest import FixedClock
from tests.telegram.conftest import Waits, log_in

# PTB warns when RetryAfter reads its own int-typed attribute; not ours to fix.
flood = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _rows(app: App) -> list[tuple[str, int, bool, str | None]]:
    with app.db.reading() as conn:
        query = select(
            deliveries.c.op,
            deliveries.c.attempts,
            deliveries.c.sent_at,
            deliveries.c.parked_at,
            deliveries.c.last_error,
        ).order_by(deliveries.c.seq)
        return [
            (r.op, r.attempts, r.sent_at is not None, r.last_error) for r in conn.execute(query)
        ]


@flood
async def test_a_flood_wait_is_waited_out_as_telegram_says(
    chat: TelegramChat, server: FakeTelegram, waits: Waits
) -> None:
    server.fail_next("sendMessage", 429, retry_after=3)
    await chat.send("/start")
    assert [c.ok for c in server.of("sendMessage")] == [False, True]
    assert waits.seconds == [3.0]
    assert "Mi cuenta Aspel" in chat.text and not chat.errors


@flood
async def test_a_burst_of_floods_then_a_server_storm_loses_nothing(
    chat: TelegramChat, server: FakeTelegram, waits: Waits, app: App, clock: FixedClock
) -> None:
    await log_in(chat)
    await chat.press("Suscripciones")
    await chat.press("CLSNRR123456")
    for _ in range(6):
        server.fail_next("editMessageText", 429, retry_after=2)
    storm_ends = clock() + timedelta(seconds=32)  # 12 s of floods, then 20 s of 502s
    server.outage(
        {"editMessageText", "sendMessage"}, 502, "Bad Gateway", lambda: clock() < storm_ends
    )
    await chat.press("Aceptar")
    assert "CMSNRR" in chat.text and not chat.errors
    assert waits.seconds[:6] == [2.0] * 6 and sum(waits.seconds[6:]) >= 20
    await chat.telegram.sender.flush()
    assert all(sent for _, _, sent, _ in _rows(app))
    upgraded = [c for c in server.of("editMessageText") if c.ok][-1]
    assert "CMSNRR" in upgraded.params["text"]


async def test_a_storm_longer_than_the_retry_window_parks_the_reply(
    chat: TelegramChat, server: FakeTelegram, app: App
) -> None:
    await chat.send("/start")
    for _ in range(200):
        server.fail_next("editMessageText", 500, "Internal Server Error")
    await chat.press("Actualizar")  # the screen is parked, the conversation moved on
    await chat.telegram.sender.flush()
    op, attempts, sent, reason = _rows(app)[-1]
    assert (op, sent) == ("screen", False) and attempts > 5 and "Server Error" in (reason or "")
    server.failures.clear()
    await chat.send("mmendez")  # the next turn goes on: the user-name step had been reached
    assert "contraseña" in chat.text


async def test_message_is_not_modified_is_quiet(
    chat: TelegramChat, server: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    await chat.send("/start")
    server.fail_next("editMessageText", 400, NOT_MODIFIED)
    await chat.press("Actualizar")
    assert not chat.errors
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_an_edit_telegram_refuses_is_sent_instead(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await chat.send("/start")
    server.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    await chat.press("Actualizar")
    assert [c.method for c in chat.calls][-1] == "sendMessage"
    assert "usuario" in chat.text and not chat.errors


async def test_blocked_by_the_user_parks_without_apology(
    chat: TelegramChat, server: FakeTelegram, app: App
) -> None:
    await chat.send("/start")
    server.fail_next("editMessageText", 403, "Forbidden: bot was blocked by the user")
    await chat.press("Actualizar")
    assert not chat.errors and len(server.of("editMessageText")) == 1  # no retry, no apology
    await chat.telegram.sender.flush()
    assert "Forbidden" in (_rows(app)[-1][3] or "")
    await chat.send("mmendez")  # unblocked later: still at the user-name step
    assert "contraseña" in chat.text


async def test_a_timeout_is_retried_without_leaking_text(
    chat: TelegramChat, server: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    await chat.send("/start")
    await chat.press("Actualizar")
    server.time_out_next("sendMessage")
    await chat.send("mmendez")
    assert "contraseña" in chat.text and not chat.errors
    assert [c.ok for c in chat.calls if c.method == "sendMessage"] == [False, True]
    assert "mmendez" not in caplog.text


async def test_a_failed_courtesy_does_not_stop_the_turn(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await chat.send("/start")
    server.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old")
    await chat.press("Actualizar")
    assert "usuario" in chat.text and not chat.errors
