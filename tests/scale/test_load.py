"""Load and faults, against a real PostgreSQL of the test's own, through ``aspel-bot serve``.

≥ 200 customers each walk a full upgrade journey (/start, Actualizar, user, password,
Suscripciones, their serial, Aceptar) through N worker processes on 127.0.0.1. Every update is
delivered twice and shuffled within a window, as Telegram's retries and parallel deliveries do.
Midway: one worker is killed (SIGKILL), the SMTP server is stopped (and started again at the
end of the deliveries), and PostgreSQL is restarted. Then: every journey completed, each
upgrade made once, each e-mail queued once and received once, no update lost, each chat's
replies in order (a turn re-run after the kill may say its replies again, nothing else), and
no password in any stored row or log line.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.scale import load
from tests.scale.cluster import Cluster, free_port
from tests.scale.conftest import DATA_KEY, FIGURES
from tests.scale.fakes import FakeBotApi, SmtpServer

CHATS = 200
WORKERS = 3
WINDOW = 24  # deliveries shuffled together
SECRET = "load-secret-0123456789abcdefABCDEF"
TOKEN = "123456789:LOAD_not_a_real_token_0123456789ab"
DRAIN_SECONDS = 240

pytestmark = pytest.mark.postgres


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    cluster.start()
    yield cluster
    cluster.stop()


class Serve:
    """``aspel-bot serve --workers N`` as a subprocess."""

    def __init__(self, cluster: Cluster, api: FakeBotApi, smtp: SmtpServer, log: Path) -> None:
        self.port, self.log = free_port(), log
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DATA_KEYS": DATA_KEY,
            "SMTP_URL": smtp.url,
            "ARGON2_TIME_COST": str(load.ARGON2["time_cost"]),
            "ARGON2_MEMORY_KIB": str(load.ARGON2["memory_cost"]),
            "LOG_LEVEL": "WARNING",
        }
        self.command = [
            sys.executable, "-m", "bot.cli", "serve", "--database", cluster.url,
            "--workers", str(WORKERS), "--port", str(self.port), "--hold-back-ms", "500",
            "--send-rate", "100000", "--sweep-seconds", "2", "--relay-poll", "0.5",
            "--relay-lease", "15",
        ]  # fmt: skip
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=out)

    def workers(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(c) for c in children if "spawn_main" in _cmdline(int(c))]

    def wait_ready(self, within: float = 240) -> None:  # 3 workers' start on a loaded box
        deadline = time.monotonic() + within
        seen: set[int] = set()
        with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as client:
            while time.monotonic() < deadline:
                assert self.process is not None and self.process.poll() is None, self.tail()
                try:
                    response = client.get(f"{self.url}/readyz", timeout=2)
                    if response.status_code == 200:
                        seen.add(response.json()["pid"])
                except httpx.HTTPError:
                    pass
                if seen and seen >= set(self.workers()):
                    return
                time.sleep(0.1)
        raise AssertionError(f"workers not ready: {seen} of {self.workers()}\n{self.tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def _scalar(url: str, sql: str) -> Any:
    with psycopg.connect(url, connect_timeout=3) as conn:
        row = conn.execute(sql).fetchone()
    return row[0] if row else None


class Faults:
    """The faults of the run, each started once its share of the deliveries went out."""

    def __init__(self, serve: Serve, smtp: SmtpServer, cluster: Cluster) -> None:
        self.serve, self.smtp, self.cluster = serve, smtp, cluster
        self.killed: list[int] = []
        self.times: list[tuple[float, str]] = []  # (wall-clock time, what) of each fault
        self.tasks: list[asyncio.Task[Any]] = []
        self.plan = {0.25: self.stop_smtp, 0.45: self.kill_worker, 0.7: self.restart_database}

    async def at(self, share: float) -> None:
        for threshold in sorted(self.plan):
            if share >= threshold:
                self.tasks.append(asyncio.create_task(asyncio.to_thread(self.plan.pop(threshold))))

    def stop_smtp(self) -> None:
        self.smtp.stop()
        self.times.append((time.time(), "SMTP stopped"))

    def kill_worker(self) -> None:
        victim = random.choice(self.serve.workers())
        os.kill(victim, signal.SIGKILL)
        self.times.append((time.time(), f"worker {victim} killed"))
        self.killed.append(victim)

    def restart_database(self) -> None:
        self.times.append((time.time(), "PostgreSQL restart begins"))
        self.cluster.restart()
        self.times.append((time.time(), "PostgreSQL restarted"))

    async def done(self) -> None:
        await asyncio.gather(*self.tasks)


async def _drive(serve: Serve, faults: Faults, windows: list[list[Any]]) -> load.Driver:
    driver = load.Driver(f"{serve.url}/telegram", SECRET)
    limits = httpx.Limits(max_connections=WINDOW, max_keepalive_connections=WINDOW)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        for number, batch in enumerate(windows):
            await faults.at(number / len(windows))
            await driver.window(client, batch)
    await faults.done()
    return driver


def _drain(url: str, smtp: SmtpServer, expected_mails: int, explain: Callable[..., str]) -> None:
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        try:
            pending = _scalar(url, "SELECT count(*) FROM inbox WHERE processed_at IS NULL")
            unsent = _scalar(url, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        except psycopg.Error:
            pending = unsent = -1
        if pending == 0 and unsent == 0 and len(set(smtp.received())) >= expected_mails:
            return
        time.sleep(0.5)
    queued, completed = _scalar(url, "SELECT count(*) FROM outbox"), _scalar(url, _COMPLETED)
    raise AssertionError(
        f"not drained: {pending} updates pending, {unsent} e-mails unsent; e-mails queued"
        f" {queued}, received {len(set(smtp.received()))}; journeys completed {completed}"
        + explain()
    )


def _metric(text: str, name: str, label: str = "") -> int:
    """A counter summed over the workers (multiprocess mode), optionally one label's value."""
    labels = rf'\{{result="{label}"\}}' if label else r"(?:\{[^}]*\})?"
    found = re.findall(rf"^{name}{labels} (\S+)$", text, re.M)
    return int(sum(float(value) for value in found))


def _figures(
    url: str,
    stream: list[dict[str, Any]],
    windows: list[list[Any]],
    driver: load.Driver,
    smtp: SmtpServer,
    faults: Faults,
    metrics: str,
) -> list[str]:
    received = _metric(metrics, "aspel_updates_received_total", "accepted")
    return [
        f"chats {CHATS}, worker processes {WORKERS}, updates {len(stream)}, deliveries answered"
        f" 200: {sum(driver.answered.values())} (+{driver.refused} refused or cut off, sent again)",
        f"updates stored {received}, duplicates dropped"
        f" {_metric(metrics, 'aspel_updates_received_total', 'duplicate')}, one chat's updates"
        f" delivered out of order {load.reordered(stream, windows)} times",
        f"journeys completed {_scalar(url, _COMPLETED)} of {CHATS} (workers counted"
        f" {_metric(metrics, 'aspel_journeys_completed_total')}),"
        f" upgrades {_scalar(url, _UPGRADES)}",
        f"e-mails queued {_scalar(url, 'SELECT count(*) FROM outbox')}, sent"
        f" {len(set(smtp.received()))} ({len(smtp.received())} received by SMTP)",
        f"SMTP down {smtp.started - smtp.stopped:.1f} s; the last e-mail arrived"
        f" {smtp.last_arrival() - smtp.started:.1f} s after it was back",
        f"faults: worker {faults.killed} killed, SMTP stopped then restarted, PostgreSQL restarted;"
        f" updates retried {_metric(metrics, 'aspel_updates_processed_total', 'retry')},"
        f" turns replayed {_metric(metrics, 'aspel_turns_replayed_total')}",
    ]


def test_many_chats_through_workers_with_a_kill_an_smtp_outage_and_a_database_restart(
    cluster: Cluster, tmp_path: Path
) -> None:
    started = time.monotonic()
    migrate = [sys.executable, "-m", "bot.cli", "migrate", "--database", cluster.url]
    subprocess.run(migrate, check=True, capture_output=True)
    customers = asyncio.run(load.load_customers(cluster.url, CHATS, date.today()))
    api, smtp = FakeBotApi(), SmtpServer()
    api.start()
    smtp.start()
    serve = Serve(cluster, api, smtp, tmp_path / "serve.log")
    rng = random.Random(7)
    stream = load.updates(customers, rng)
    windows = load.deliveries(stream, rng, WINDOW)
    try:
        serve.start()
        serve.wait_ready()
        run_started = time.monotonic()
        faults = Faults(serve, smtp, cluster)
        driver = asyncio.run(_drive(serve, faults, windows))
        delivered = time.monotonic() - run_started
        smtp.start()

        def explain(chats: list[load.Customer] | None = None) -> str:
            return _stopped_short(cluster.url, customers, stream, driver, api, faults, serve, chats)

        _drain(cluster.url, smtp, CHATS, explain)
        drained = time.monotonic() - run_started
        metrics_text = httpx.get(f"{serve.url}/metrics", timeout=30).text
    finally:
        serve.stop()
        smtp.stop()
        api.stop()
    _check(cluster.url, customers, api, smtp, serve, driver, stream, explain)
    FIGURES.extend(_figures(cluster.url, stream, windows, driver, smtp, faults, metrics_text))
    FIGURES.append(
        f"time: deliveries {delivered:.1f} s, all processed and mailed {drained:.1f} s,"
        f" whole test {time.monotonic() - started:.1f} s"
    )
    print("\n".join(FIGURES))


_COMPLETED = "SELECT count(*) FROM conversations WHERE state = 'upgrade_done'"
_UPGRADES = "SELECT count(*) FROM serials WHERE replaces_id IS NOT NULL"


def _check(
    url: str,
    customers: list[load.Customer],
    api: FakeBotApi,
    smtp: SmtpServer,
    serve: Serve,
    driver: load.Driver,
    stream: list[dict[str, Any]],
    explain: Callable[..., str],
) -> None:
    count = len(customers)
    assert _scalar(url, _COMPLETED) == count, "not every journey completed" + explain()
    assert _scalar(url, _UPGRADES) == count, "not one upgrade per serial"
    assert _scalar(url, "SELECT count(*) FROM outbox") == count, "not one e-mail per upgrade"
    received = smtp.received()
    assert len(set(received)) == count, "not every e-mail arrived"
    # at least once: only a relay killed between SMTP's 250 and its commit may send again
    assert len(received) - count <= 1, f"{len(received) - count} e-mails arrived twice"
    assert set(driver.answered) == {u["update_id"] for u in stream}
    assert _scalar(url, "SELECT count(*) FROM inbox WHERE result = 'done'") == len(stream)
    assert _scalar(url, "SELECT count(*) FROM deliveries WHERE sent_at IS NULL") == 0, "unsent"
    assert _scalar(url, "SELECT count(*) FROM inbox WHERE payload <> ''") == 0
    _check_replies(customers, api, explain)
    _check_no_password(url, serve)


def _check_replies(
    customers: list[load.Customer], api: FakeBotApi, explain: Callable[..., str]
) -> None:
    sent = {c.chat_id: [load.signature(m, c) for m in api.state.sent(c.chat_id)] for c in customers}
    shapes = [tuple(messages) for messages in sent.values()]
    reference = max(set(shapes), key=shapes.count)  # what most chats heard
    terms = max(i for i, m in enumerate(reference) if "t:accept" in m)
    assert any("<serial>" in m.split(" | ")[0] for m in reference[terms + 1 :]), reference
    replayed = 0
    for c in customers:
        wrong, replays = load.unexpected(sent[c.chat_id], list(reference))
        assert not wrong, (
            f"chat {c.chat_id}: {wrong}\nheard {sent[c.chat_id]}\nmost heard {list(reference)}"
            + explain([c])
        )
        replayed += bool(replays)
    assert replayed <= 16, f"{replayed} chats heard replies twice"  # the killed worker's chats


def _check_no_password(url: str, serve: Serve) -> None:
    with psycopg.connect(url) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in tables.fetchall():
            found = conn.execute(
                f"SELECT count(*) FROM {table} t WHERE t::text LIKE %s", (f"%{load.PASSWORD}%",)
            ).fetchone()
            assert found == (0,), f"a password stored in {table}"
    assert load.PASSWORD not in serve.log.read_text(errors="replace"), "a password in the logs"


def _stopped_short(
    url: str,
    customers: list[load.Customer],
    stream: list[dict[str, Any]],
    driver: load.Driver,
    api: FakeBotApi,
    faults: Faults,
    serve: Serve,
    chats: list[load.Customer] | None = None,
) -> str:
    """Each chat whose journey did not complete (or ``chats``), told so that the failure
    explains itself: its updates (id, what, every delivery attempt, received_at, processed_at,
    result), what the bot said to it, the faults' times and the log lines that name it."""
    with psycopg.connect(url, connect_timeout=5) as conn:
        states = dict(conn.execute("SELECT chat_id, state FROM conversations").fetchall())
        rows = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT update_id, received_at, processed_at, result, attempts FROM inbox"
            ).fetchall()
        }
    short = chats or [c for c in customers if states.get(f"tg:{c.chat_id}") != "upgrade_done"]
    happened = [f"{_clock(at)} {what}" for at, what in faults.times]
    lines = [f"\n{len(short)} chats told; faults: {happened}"]
    log_lines = serve.log.read_text(errors="replace").splitlines()
    for c in short[:5]:
        lines.append(f"chat tg:{c.chat_id}: state {states.get(f'tg:{c.chat_id}')}")
        for update in stream:
            message = update.get("message") or update["callback_query"]["message"]
            if message["chat"]["id"] != c.chat_id:
                continue
            what = update.get("message", {}).get("text") or update["callback_query"]["data"]
            what = "<password>" if what == load.PASSWORD else what
            row = rows.get(update["update_id"])
            tries = [
                f"{_clock(at)}+{took:.3f}s:{status}"
                for at, took, status in driver.attempts.get(update["update_id"], [])
            ]
            lines.append(
                f"  update {update['update_id']} {what!r}: deliveries {tries};"
                + (
                    f" received {row[0]:%H:%M:%S.%f} processed"
                    f" {row[1] and f'{row[1]:%H:%M:%S.%f}'} result {row[2]} attempts {row[3]}"
                    if row
                    else " not in the inbox"
                )
            )
        for message in api.state.sent(c.chat_id):
            lines.append(f"  bot said: {load.signature(message, c)[:160]!r}")
        lines += [f"  log: {line}" for line in log_lines if f"tg:{c.chat_id}" in line][:20]
    return "\n".join(lines)


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S.%f")
