"""Telegram failing in its usual ways: the conversation, saved by the engine, goes on."""

from __future__ import annotations

import logging

import pytest
from telegram.error import Forbidden, RetryAfter, TimedOut

from bot.handlers.testing import NOT_MODIFIED, FakeTelegram, TelegramChat

APOLOGY = "algo falló de nuestro lado"
# PTB warns when RetryAfter reads its own int-typed attribute; not ours to fix.
flood = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@flood
async def test_a_flood_wait_is_waited_out_and_retried(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    server.fail_next("sendMessage", 429, retry_after=0.05)
    await chat.send("/start")
    assert [c.ok for c in server.of("sendMessage")] == [False, True]
    assert "Mi cuenta Aspel" in chat.text and not chat.errors


@flood
async def test_a_flood_that_does_not_end_apologises_and_keeps_the_step(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await chat.send("/start")
    await chat.press("Actualizar")
    for _ in range(4):  # the first try and three retries
        server.fail_next("sendMessage", 429, retry_after=0.01)
    await chat.send("mmendez")
    assert [type(e) for e in chat.errors] == [RetryAfter]
    assert APOLOGY in chat.text
    await chat.send("Aspel-Demo-2026")  # the user name was kept: this is the password step
    assert "Bienvenido" in chat.text


async def test_message_is_not_modified_is_quiet(
    chat: TelegramChat, server: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    await chat.send("/start")
    server.fail_next("editMessageText", 400, NOT_MODIFIED)
    await chat.press("Actualizar")
    assert "usuario" in chat.text and not chat.errors
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]


async def test_blocked_by_the_user_is_logged_without_apology(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await chat.send("/start")
    server.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await chat.press("Actualizar")
    assert [type(e) for e in chat.errors] == [Forbidden]
    assert chat.replies == []  # no apology to someone who cannot read it
    await chat.send("mmendez")  # unblocked later: still at the user-name step
    assert "contraseña" in chat.text


async def test_a_timeout_apologises_without_leaking_text_or_internals(
    chat: TelegramChat, server: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    await chat.send("/start")
    await chat.press("Actualizar")
    server.time_out_next("sendMessage")
    await chat.send("mmendez")
    assert [type(e) for e in chat.errors] == [TimedOut]
    [apology] = chat.replies
    assert APOLOGY in apology.text and "TimedOut" not in apology.text
    assert "mmendez" not in caplog.text and "TimedOut" in caplog.text
    await chat.send("Aspel-Demo-2026")
    assert "Bienvenido" in chat.text


async def test_a_failed_courtesy_does_not_stop_the_turn(
    chat: TelegramChat, server: FakeTelegram
) -> None:
    await chat.send("/start")
    server.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old")
    server.time_out_next("editMessageText")
    await chat.press("Actualizar")
    assert "usuario" in chat.text and not chat.errors
