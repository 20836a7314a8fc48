"""Faults against the real processes: ``aspel-bot run`` (polling) and ``aspel-bot serve``
(webhook, 2 workers), as subprocesses, on a PostgreSQL cluster of the test's own, talking to a
Bot API on 127.0.0.1 that fails as Telegram does (``tests/scale/botapi.py``) and to an SMTP
server on 127.0.0.1. Both modes run side by side, each with its own databases and Bot API.

Per mode, process P1 (the default 30-minute inactivity):

1. a reference customer walks the upgrade journey with nothing failing: what they were shown is
   what every customer must be shown, in that order;
2. customer A walks it through a burst of six ``429 Too Many Requests`` (``retry_after``) on
   their first reply, and a 20 s storm of ``502 Bad Gateway`` (every method) that starts the
   moment their "Aceptar" leaves Telegram; the process is SIGKILLed as soon as the upgrade's
   transaction is seen committed in the database. While the storm lasts the Bot API refuses
   every call, so none of the upgrade's replies can have been accepted before the kill: the
   kill falls exactly between the turn's commit and its replies, with no hook in the product.
   The process is started again at once, inside the storm (it must wait Telegram out);
3. customer B had a menu (a live keyboard) before the kill; after the restart they type
   /menu: the old keyboard must come down (at most one live keyboard per chat);
4. a PostgreSQL outage of 90 s (the cluster stopped with ``-m immediate``, as a crash) while B
   is logged in: B's next press is sent during the outage (webhook: answered 503 and delivered
   again, as Telegram does; polling: left in ``getUpdates``) and B finishes the journey after.

Per mode, process P2 (inactivity shortened to 18 s):

5. customer D upgrades; the SMTP server, on receiving D's e-mail, SIGKILLs the bot before it
   answers 250: the e-mail is accepted by the server and its "sent" mark can never be written.
   After the restart the relay sends it again: the one duplicate the README allows;
6. customer C logs in and says nothing more: the bot itself tells them the session was closed.

Figures (per mode): lost turns, lost replies, double upgrades, duplicate replies and e-mails.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from bot.i18n import Translator
from tests.scale import load
from tests.scale.botapi import HttpBotApi
from tests.scale.cluster import Cluster, free_port
from tests.scale.conftest import DATA_KEY, FIGURES
from tests.scale.fakes import SmtpServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECRET = "fault-secret-0123456789abcdefABCDEF"
TOKEN = "123456789:FAULT_not_a_real_token_0123456789a"
BURST = 6  # 429s in a row on A's first reply
STORM = 20.0  # seconds of 502s from the Bot API during A's upgrade
OUTAGE = 90.0  # seconds PostgreSQL is down
SHORT_IDLE_MINUTES = 0.3
WITHIN = 180.0  # seconds any one expected reply may take (a storm, an outage, a loaded box)
T = Translator()


@pytest.fixture
def cluster() -> Any:
    cluster = Cluster()
    cluster.start()
    yield cluster
    cluster.stop()


class Sink:
    """The SMTP server's mailbox: (recipient, Message-ID) of every message it accepted, and a
    hook run after a message is stored and before the 250 that tells the client so."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.before_250: Any = lambda to: None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content)
        to = str(message["To"])
        with self.lock:
            self.received.append((to, str(message["Message-ID"])))
        self.before_250(to)
        return "250 OK"

    def to(self, address: str) -> list[str]:
        with self.lock:
            return [mid for rcpt, mid in self.received if rcpt == address]


@dataclass
class Bot:
    """One ``aspel-bot run`` or ``aspel-bot serve --workers 2`` and the world it talks to."""

    mode: str
    url: str  # its database
    log: Path
    idle_minutes: float = 30.0
    api: HttpBotApi = field(default_factory=HttpBotApi)
    smtp: SmtpServer = field(default_factory=SmtpServer)
    sink: Sink = field(default_factory=Sink)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0
    updates: list[int] = field(default_factory=list)  # ids of every update the customers sent

    def __post_init__(self) -> None:
        self.smtp.sink = self.sink  # type: ignore[assignment]
        self.api.start()
        self.smtp.start()

    def command(self) -> list[str]:
        duties = ["--sweep-seconds", "1", "--relay-poll", "0.5", "--relay-lease", "5"]
        common = [sys.executable, "-m", "bot.cli", self.mode, "--database", self.url, *duties]
        if self.mode == "run":
            return common
        return [
            *common, "--workers", "2", "--port", str(self.port), "--hold-back-ms", "100",
            "--send-rate", "1000",
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        return env | {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.api.url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DATA_KEYS": DATA_KEY,
            "SMTP_URL": self.smtp.url,
            "ARGON2_TIME_COST": str(load.ARGON2["time_cost"]),
            "ARGON2_MEMORY_KIB": str(load.ARGON2["memory_cost"]),
            "IDLE_TIMEOUT_MINUTES": str(self.idle_minutes),
            "SEND_RATE": "1000",
            "LOG_LEVEL": "WARNING",
        }

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command(), env=self.env(), stdout=out, stderr=out, start_new_session=True
            )

    def kill(self) -> None:
        """SIGKILL, the whole process group (serve's workers too)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(30)

    def close(self) -> None:
        self.stop()
        self.api.stop()
        self.smtp.stop()

    def alive(self) -> None:
        assert self.process is not None and self.process.poll() is None, self.tail()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    async def ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            self.alive()
            if self.mode == "run" and self.api.calls("getUpdates"):
                return
            if self.mode == "serve":
                try:
                    async with httpx.AsyncClient() as client:
                        got = await client.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2)
                    if got.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"{self.mode} not ready\n{self.tail()}")

    async def deliver(self, update: dict[str, Any]) -> None:
        """As Telegram does: polling, the update waits in getUpdates; a webhook is posted to
        again and again until it answers 200."""
        self.updates.append(update["update_id"])
        if self.mode == "run":
            self.api.push(update)
            return
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        deadline = time.monotonic() + OUTAGE + WITHIN
        async with httpx.AsyncClient(timeout=10) as client:
            while time.monotonic() < deadline:
                try:
                    url = f"http://127.0.0.1:{self.port}/telegram"
                    if (await client.post(url, json=update, headers=headers)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        raise AssertionError(f"update {update['update_id']} never accepted\n{self.tail()}")


class Customer:
    def __init__(self, bot: Bot, account: load.Customer) -> None:
        self.bot, self.account, self.chat = bot, account, account.chat_id
        self.user = {"id": self.chat, "is_bot": False, "first_name": "Cliente"}

    @property
    def email(self) -> str:
        return f"{self.account.username}@example.com"

    def shown(self) -> list[dict[str, Any]]:
        return self.bot.api.shown(self.chat)

    def signatures(self) -> list[str]:
        return [signature(m, self.account) for m in self.shown()]

    async def until(self, condition: Any, what: str, within: float = WITHIN) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.bot.mode} chat {self.chat}: {what}\n{self.bot.tail()}")
            await asyncio.sleep(0.05)

    async def say(self, text: str, then: Any = None) -> int:
        before = len(self.shown())
        update = self.bot.api.message(self.chat, self.user, text)
        await self.bot.deliver(update)
        await self.until(then or (lambda: len(self.shown()) > before), f"an answer to {text!r}")
        return int(update["update_id"])

    async def press(self, data: str, then: Any = None, deliver: Any = None) -> int:
        before = len(self.shown())
        update = self.bot.api.press(self.chat, self.user, data)
        assert update is not None, f"{self.bot.mode} chat {self.chat}: no button {data}"
        await (deliver or self.bot.deliver)(update)
        if then is not False:
            await self.until(then or (lambda: len(self.shown()) > before), f"an answer to {data}")
        return int(update["update_id"])

    def shows(self, data: str) -> Any:
        return lambda: self.bot.api.fake.keyboard_of(self.chat, data) is not None

    def new_serial(self) -> str | None:
        for message in self.shown():
            for serial in load.SERIAL_RE.findall(message.get("text", "")):
                if serial != self.account.serial:
                    return str(serial)
        return None

    async def log_in(self) -> None:
        await self.say("/start", then=self.shows("m:upgrade"))
        await self.press("m:upgrade")
        await self.say(self.account.username)
        await self.say(load.PASSWORD, then=self.shows("mod:subscription"))

    async def upgrade(self, on_accept: Any = None) -> None:
        """From the modality question to the new serial. ``on_accept`` delivers "Aceptar"."""
        await self.press("mod:subscription", then=self.shows(f"s:{self.account.serial}"))
        await self.press(f"s:{self.account.serial}", then=self.shows("t:accept"))
        await self.press("t:accept", then=False, deliver=on_accept)
        await self.until(lambda: self.new_serial() is not None, "the new serial")


def signature(message: dict[str, Any], c: load.Customer) -> str:
    """A screen with what differs between customers taken out."""
    markup = json.dumps(message.get("reply_markup") or {}, sort_keys=True)
    return load.signature({"text": message.get("text", ""), "reply_markup": markup}, c)


def scalar(url: str, sql: str, *params: Any) -> Any:
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


# --- the scenarios --------------------------------------------------------------------------


@dataclass
class P1:
    bot: Bot
    reference: Customer
    a: Customer
    b: Customer
    shown_at_kill: int = -1  # replies of A's upgrade the Bot API accepted before the kill


async def telegram_failures(p: P1) -> None:
    """Steps 1–3: the reference; A through a 429 burst, a 5xx storm and a kill; B's keyboard."""
    bot, a = p.bot, p.a
    await bot.ready()
    await p.reference.log_in()
    await p.reference.upgrade()
    await p.b.say("/start", then=p.b.shows("m:upgrade"))
    bot.api.burst(BURST, a.chat)
    await a.log_in()
    await a.upgrade(on_accept=lambda update: accept_in_a_storm(p, update))
    await p.b.say("/menu")  # a new screen: B's menu from before the kill must come down


async def accept_in_a_storm(p: P1, update: dict[str, Any]) -> None:
    """A's "Aceptar": the storm starts as it leaves Telegram; SIGKILL once it is committed."""
    bot, a = p.bot, p.a
    before = len(a.shown())
    if bot.mode == "run":  # once: the restarted poller is handed the same update again
        accept, started = update["update_id"], threading.Event()

        def storm_once(handed: dict[str, Any]) -> None:
            if handed["update_id"] == accept and not started.is_set():
                started.set()
                bot.api.storm(STORM)

        bot.api.on_update = storm_once
    else:
        bot.api.storm(STORM)
    await bot.deliver(update)
    upgraded = "SELECT count(*) FROM outbox WHERE to_addr = %s"  # queued in the upgrade's turn
    deadline = time.monotonic() + WITHIN
    while not scalar(bot.url, upgraded, a.email):
        assert time.monotonic() < deadline, f"the upgrade was not committed\n{bot.tail()}"
        await asyncio.sleep(0.02)
    bot.kill()
    p.shown_at_kill = len(a.shown()) - before
    assert bot.api.storming, "the storm ended before the kill: the test proves nothing"
    bot.start()  # inside the storm: the new process must wait Telegram out


async def database_outage(cluster: Cluster, p1s: list[P1]) -> float:
    """Step 4: B logged in; PostgreSQL down 90 s while B presses; B finishes after."""
    for p in p1s:
        await p.b.press("m:upgrade")
        await p.b.say(p.b.account.username)
        await p.b.say(load.PASSWORD, then=p.b.shows("mod:subscription"))
    await asyncio.to_thread(cluster.halt)
    down = time.monotonic()
    presses = [
        asyncio.create_task(p.b.press("mod:subscription", then=False)) for p in p1s
    ]  # the webhook answers 503 until the database is back: posted again and again
    await asyncio.sleep(OUTAGE)
    await asyncio.to_thread(cluster.resume)
    outage = time.monotonic() - down
    await asyncio.gather(*presses)
    for p in p1s:
        b = p.b
        await b.until(b.shows(f"s:{b.account.serial}"), "the serials after the outage")
        await b.press(f"s:{b.account.serial}", then=b.shows("t:accept"))
        await b.press("t:accept", then=lambda b=b: b.new_serial() is not None)
    return outage


@dataclass
class P2:
    bot: Bot
    c: Customer
    d: Customer
    killed: threading.Event = field(default_factory=threading.Event)


async def mail_kill_and_idle(p: P2) -> None:
    """Steps 5–6: SIGKILL between SMTP's acceptance of D's e-mail and its mark; C left idle."""
    bot = p.bot

    def kill_before_250(to: str) -> None:
        if to == p.d.email and not p.killed.is_set():
            bot.kill()
            p.killed.set()

    async def restart_after_the_kill() -> None:
        await asyncio.to_thread(p.killed.wait, WITHIN)
        assert p.killed.is_set(), "D's e-mail never reached the SMTP server"
        bot.start()

    bot.sink.before_250 = kill_before_250
    await bot.ready()
    await p.c.log_in()
    await p.d.log_in()
    restart = asyncio.create_task(restart_after_the_kill())
    await p.d.upgrade()  # its screen and its e-mail race: the kill may come before the screen
    await restart
    await p.d.until(lambda: len(bot.sink.to(p.d.email)) >= 2, "D's e-mail sent again")
    expired = T("session-expired")
    await p.c.until(lambda: any(expired in m["text"] for m in p.c.shown()), "the expiry notice")


# --- the test -------------------------------------------------------------------------------


def test_replies_survive_telegram_storms_kills_and_a_database_outage_in_run_and_serve(
    cluster: Cluster, tmp_path: Path
) -> None:
    started = time.monotonic()
    urls = {name: cluster.create(name) for name in ("p1_run", "p1_serve", "p2_run", "p2_serve")}
    migrations = [
        subprocess.Popen([sys.executable, "-m", "bot.cli", "migrate", "--database", url])
        for url in urls.values()
    ]
    assert all(m.wait(300) == 0 for m in migrations)
    bots: list[Bot] = []
    try:
        outage, results = asyncio.run(_scenarios(cluster, urls, tmp_path, bots))
    finally:
        for bot in bots:
            bot.close()
    figures = [f"faults: 429 burst {BURST}x, 5xx storm {STORM:.0f} s, PostgreSQL down"
               f" {outage:.0f} s, SIGKILL after a commit and after SMTP's acceptance"]  # fmt: skip
    problems = []
    for p, q in results:
        line, wrong = _check(p, q)
        figures.append(line)
        problems += wrong
    figures.append(f"whole fault test {time.monotonic() - started:.0f} s")
    FIGURES.extend(figures)
    print("\n".join(figures))
    assert not problems, problems


async def _scenarios(
    cluster: Cluster, urls: dict[str, str], tmp_path: Path, bots: list[Bot]
) -> tuple[float, list[tuple[P1, P2]]]:
    today = date.today()
    p1s, p2s = [], []
    for mode in ("run", "serve"):
        p1 = Bot(mode, urls[f"p1_{mode}"], tmp_path / f"p1_{mode}.log")
        p2 = Bot(mode, urls[f"p2_{mode}"], tmp_path / f"p2_{mode}.log", SHORT_IDLE_MINUTES)
        bots += [p1, p2]
        r, a, b = (Customer(p1, c) for c in await load.load_customers(p1.url, 3, today))
        c, d = (Customer(p2, c) for c in await load.load_customers(p2.url, 2, today))
        p1s.append(P1(p1, r, a, b))
        p2s.append(P2(p2, c, d))
        p1.start()
        p2.start()
    await asyncio.gather(*map(telegram_failures, p1s), *map(mail_kill_and_idle, p2s))
    outage = await database_outage(cluster, p1s)
    for bot in bots:  # what was shown is marked too (a mark lost at the stop would be resent)
        bot.alive()
        await settle(bot)
        bot.stop()
    return outage, list(zip(p1s, p2s, strict=True))


UNSENT = (
    "SELECT chat_id, seq, op, attempts, last_error, parked_at IS NOT NULL FROM deliveries"
    " WHERE sent_at IS NULL ORDER BY chat_id, seq"
)


async def settle(bot: Bot, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not scalar(bot.url, "SELECT count(*) FROM deliveries WHERE sent_at IS NULL"):
            return
        await asyncio.sleep(0.2)


def _check(p: P1, q: P2) -> tuple[str, list[str]]:
    """The figures of one mode, and what broke the promises."""
    p1, p2 = p.bot, q.bot
    reference = p.reference.signatures()
    expired = T("session-expired")
    lost_replies = duplicate_replies = 0
    problems: list[str] = []
    for customer in (p.a, q.d):
        got = [s for s in customer.signatures() if expired not in s]
        wrong, replays = load.unexpected(got, reference)
        lost_replies += sum(w.startswith("missing:") for w in wrong)
        duplicate_replies += replays
        problems += [f"{p1.mode} chat {customer.chat}: {w}" for w in wrong]
    lost_replies += not any(expired in m["text"] for m in q.c.shown())
    lost_replies += p.b.new_serial() is None
    lost_turns = double_upgrades = unsent = dead = 0
    for bot in (p1, p2):
        done = scalar(bot.url, "SELECT count(*) FROM inbox WHERE result = 'done'")
        lost_turns += len(set(bot.updates)) - done
        double_upgrades += scalar(
            bot.url,
            "SELECT count(*) FROM (SELECT replaces_id FROM serials WHERE replaces_id IS NOT NULL"
            " GROUP BY replaces_id HAVING count(*) > 1) twice",
        )
        with psycopg.connect(bot.url) as conn:
            left = conn.execute(UNSENT).fetchall()
        unsent += len(left)
        problems += [f"{bot.mode} {bot.log.stem}: unsent {row}" for row in left]
        dead += scalar(bot.url, "SELECT count(*) FROM dead_letters")
    mails = {c.email: len(c.bot.sink.to(c.email)) for c in (p.reference, p.a, p.b, q.d)}
    distinct = {c.email: len(set(c.bot.sink.to(c.email))) for c in (p.reference, p.a, p.b, q.d)}
    duplicate_mails = sum(mails.values()) - sum(distinct.values())
    keyboards = max(
        len(c.bot.api.live_keyboards(c.chat)) for c in (p.reference, p.a, p.b, q.c, q.d)
    )
    problems += [f"{p1.mode}: {what}" for what, bad in [
        (f"{lost_turns} turns lost", lost_turns),
        (f"{lost_replies} replies lost", lost_replies),
        (f"{double_upgrades} serials upgraded twice", double_upgrades),
        (f"{duplicate_replies} replies said twice", duplicate_replies),
        (f"e-mails {distinct}: not one each", set(distinct.values()) != {1}),
        (f"{duplicate_mails} e-mails twice: the README allows 1 (the SMTP kill)",
         duplicate_mails > 1),
        (f"{unsent} deliveries unsent or parked", unsent),
        (f"{dead} updates parked", dead),
        (f"{keyboards} live keyboards in a chat", keyboards > 1),
        (f"{p.shown_at_kill} of A's upgrade replies out before the kill", p.shown_at_kill),
    ] if bad]  # fmt: skip
    line = (
        f"{p1.mode:5}: lost turns {lost_turns}, lost replies {lost_replies}, double upgrades"
        f" {double_upgrades}, duplicate replies {duplicate_replies}, duplicate e-mails"
        f" {duplicate_mails} (README: at most 1 per kill after SMTP's acceptance);"
        f" Bot API refusals 429 {sum(c == 429 for _, c in p1.api.failed)},"
        f" 5xx {sum(c == 502 for _, c in p1.api.failed)}; SIGKILLs {p1.kills + p2.kills};"
        f" most live keyboards in a chat {keyboards}; updates {len(p1.updates) + len(p2.updates)}"
    )
    return line, problems
