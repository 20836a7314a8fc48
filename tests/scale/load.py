"""The load run's pieces: a dataset of customers, their journeys as Telegram updates, the
deliveries (each twice, shuffled within a window), the driver, and the checks of the outcome."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from bot.domain.model import Modality, Periodicity
from bot.domain.passwords import Argon2Hasher
from bot.domain.ports import NewAccount, NewContract, NewSerial
from bot.domain.serials import new_cda
from bot.server.app import SECRET_HEADER
from bot.storage.db import Database
from bot.storage.unit_of_work import SqlUnitOfWork

PASSWORD = "Carga-Prueba-2026"
FIRST_CHAT = 500_000
# Cheap Argon2 for the dataset; the workers get the same parameters (ARGON2_*), so no rehash.
ARGON2 = {"time_cost": 1, "memory_cost": 32}
SERIAL_RE = re.compile(r"[A-Z]{2}SN[A-Z]{2}\d{6}")


@dataclass(frozen=True)
class Customer:
    index: int

    @property
    def username(self) -> str:
        return f"carga{self.index:04d}"

    @property
    def serial(self) -> str:
        return f"CLSNLD{self.index:06d}"

    @property
    def chat_id(self) -> int:
        return FIRST_CHAT + self.index


async def load_customers(url: str, count: int, today: date) -> list[Customer]:
    """``count`` accounts, each with its own Aspel COI 8.0 monthly subscription."""
    password_hash = Argon2Hasher(**ARGON2).hash(PASSWORD)
    customers = [Customer(i) for i in range(count)]
    db = Database(url)
    now = datetime.now(UTC)
    try:
        with SqlUnitOfWork(db) as uow:
            for c in customers:
                _add(uow, c, password_hash, today, now)
            uow.commit()
    finally:
        db.dispose()
    return customers


def _add(uow: SqlUnitOfWork, c: Customer, password_hash: str, today: date, now: datetime) -> None:
    email = f"{c.username}@example.com"
    account = NewAccount(c.username, password_hash, "Cliente de Carga", "Carga SA", email, None)
    account_id = uow.accounts.add(account, now)
    contract = NewContract(
        account_id,
        "COI",
        Modality.SUBSCRIPTION,
        Periodicity.MONTHLY,
        None,
        1,
        today + timedelta(days=12),
        new_cda(),
    )
    contract_id = uow.serials.add_contract(contract, now)
    activated = today - timedelta(days=300)
    uow.serials.add_serial(NewSerial(contract_id, c.serial, "8.0", activated), now)


# --- the journeys, as Telegram would deliver them --------------------------------------------


def _user(c: Customer) -> dict[str, Any]:
    return {"id": c.chat_id, "is_bot": False, "first_name": "Cliente"}


def _chat(c: Customer) -> dict[str, Any]:
    return {"id": c.chat_id, "type": "private", "first_name": "Cliente"}


def steps(c: Customer) -> list[dict[str, Any]]:
    """The full upgrade journey of one customer, update ids not yet given."""
    said = ["/start", None, c.username, PASSWORD, None, None, None]
    pressed = [None, "m:upgrade", None, None, "mod:subscription", f"s:{c.serial}", "t:accept"]
    return [
        {"message": {"date": 0, "chat": _chat(c), "from": _user(c), "text": text}}
        if text is not None
        else {
            "callback_query": {
                "id": f"{c.chat_id}-{i}",
                "from": _user(c),
                "chat_instance": str(c.chat_id),
                "data": data,
                "message": {"message_id": 1, "date": 0, "chat": _chat(c), "text": "…"},
            }
        }
        for i, (text, data) in enumerate(zip(said, pressed, strict=True))
    ]


def updates(customers: list[Customer], rng: random.Random) -> list[dict[str, Any]]:
    """Every journey's steps, chats interleaved at random; update ids in that order."""
    queues = {c.chat_id: steps(c) for c in customers}
    order = [chat for chat, queue in queues.items() for _ in queue]
    rng.shuffle(order)
    stream = [queues[chat].pop(0) for chat in order]
    for update_id, update in enumerate(stream, start=1):
        update["update_id"] = update_id
        if "message" in update:
            update["message"]["message_id"] = update_id
    return stream


def deliveries(stream: list[dict[str, Any]], rng: random.Random, window: int) -> list[list[Any]]:
    """Each update twice, shuffled within windows of ``window`` deliveries."""
    doubled = [u for u in stream for _ in range(2)]
    windows = [doubled[i : i + window] for i in range(0, len(doubled), window)]
    for w in windows:
        rng.shuffle(w)
    return windows


def reordered(stream: list[dict[str, Any]], windows: list[list[Any]]) -> int:
    """Pairs of one chat's consecutive updates whose later one is delivered first."""
    first: dict[int, int] = {}
    for position, update in enumerate(u for w in windows for u in w):
        first.setdefault(update["update_id"], position)
    by_chat: dict[int, list[int]] = {}
    for update in stream:
        message = update.get("message") or update["callback_query"]["message"]
        by_chat.setdefault(message["chat"]["id"], []).append(update["update_id"])
    return sum(
        first[b] < first[a] for ids in by_chat.values() for a, b in zip(ids, ids[1:], strict=False)
    )


# --- the driver ------------------------------------------------------------------------------


@dataclass
class Driver:
    url: str
    secret: str
    answered: Counter[int] = field(default_factory=Counter)
    refused: int = 0  # deliveries not answered 200 (or not answered): delivered again
    # per update id, each attempt: (wall-clock time sent, seconds until answered, status or error)
    attempts: dict[int, list[tuple[float, float, str]]] = field(default_factory=dict)

    async def deliver(self, client: httpx.AsyncClient, update: dict[str, Any]) -> None:
        """As Telegram does: again and again until the answer is 200."""
        tried = self.attempts.setdefault(update["update_id"], [])
        for attempt in range(600):
            sent, started = time.time(), time.monotonic()
            try:
                response = await client.post(
                    self.url, json=update, headers={SECRET_HEADER: self.secret}
                )
                tried.append((sent, time.monotonic() - started, str(response.status_code)))
                if response.status_code == 200:
                    self.answered[update["update_id"]] += 1
                    return
            except httpx.HTTPError as error:
                tried.append((sent, time.monotonic() - started, type(error).__name__))
            self.refused += 1
            await asyncio.sleep(min(0.05 * (attempt + 1), 0.5))
        raise AssertionError(f"update {update['update_id']} was never accepted")

    async def window(self, client: httpx.AsyncClient, batch: list[dict[str, Any]]) -> None:
        await asyncio.gather(*(self.deliver(client, u) for u in batch))


# --- checking the replies of each chat -------------------------------------------------------


def signature(message: dict[str, Any], c: Customer) -> str:
    """A sent message with what differs between customers taken out."""
    text = SERIAL_RE.sub("<serial>", message.get("text", "")).replace(c.username, "<user>")
    text = re.sub(r"\S+@\S+", "<email>", text)
    markup = SERIAL_RE.sub("<serial>", message.get("reply_markup") or "")
    return f"{text} | {markup}"


def unexpected(got: list[str], expected: list[str]) -> tuple[list[str], int]:
    """Messages that break the expected order, and how many were replays of ones already sent
    (a turn re-run after a worker died: its replies said again, in order)."""
    position, replays, wrong = 0, 0, []
    for message in got:
        if position < len(expected) and message == expected[position]:
            position += 1
        elif message in expected[:position]:
            replays += 1
        else:
            wrong.append(message)
    wrong += [f"missing: {m}" for m in expected[position:]]
    return wrong, replays
