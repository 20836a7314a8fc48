"""Updates of one chat in arrival order; different chats concurrently.

PTB with ``concurrent_updates`` starts a task per update, so two quick updates of one chat could
overtake each other (a press awaits ``answerCallbackQuery`` before it reaches the engine; a
text that arrived later does not). This processor gives each busy chat a queue: the task that
found the chat idle serves it, then runs what queued up meanwhile, in order. Updates that queue
return at once, so a chatty customer holds one concurrency slot, not one per message.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


def chat_of(update: object) -> int | None:
    if isinstance(update, Update):
        chat = update.effective_chat
        return chat.id if chat is not None else None
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    __slots__ = ("_queues",)

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, deque[Awaitable[Any]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = chat_of(update)
        if chat is None:
            await coroutine
            return
        queue = self._queues.get(chat)
        if queue is not None:  # the chat is being served: its server runs this next
            queue.append(coroutine)
            return
        self._queues[chat] = queue = deque((coroutine,))
        try:
            while queue:
                await _run(queue.popleft())
        finally:
            del self._queues[chat]
            for left in queue:  # cancelled mid-queue (shutdown): do not leak coroutines
                getattr(left, "close", lambda: None)()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


async def _run(coroutine: Awaitable[Any]) -> None:
    try:
        await coroutine
    except Exception:  # PTB routes handler errors to the error handler; this is a last guard
        log.exception("processing an update failed")
