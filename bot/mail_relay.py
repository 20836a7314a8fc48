"""Delivering the outbox: use cases write e-mails to the ``outbox`` table, this sends them.

The relay claims due rows with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` serialises claimers), sends each, and marks it sent, clearing its body (a
reset code or a CDA does not stay at rest; who, what kind and when stay for support). Bodies are
written sealed (``bot.storage.sealed``; the database's key) and opened here, so not even the
dead row versions PostgreSQL leaves behind, nor its WAL, hold one readable. A failed
send keeps the row, counts the attempt, stores the error and retries later with capped
exponential backoff and jitter. Message-IDs derive from the idempotency key, so a replay after
a crash is recognisable.

**A server that cannot be reached is not the message's fault.** A refused connection, a timeout
or a dropped session says nothing about the message: the pass stops there, the claimed rows go
back untouched (still due; the attempt and the error noted on the one tried), and the relay
itself waits, doubling up to ``UNREACHABLE_CAP``. So once SMTP is back every waiting e-mail goes
within that cap. (Before, each row backed off on its own, up to five minutes, for every pass
the server was down: after an outage of a few minutes the e-mails trickled out for minutes
more; the load test's drain, 240 s, could end before the last of them.) A message the server
refuses (a 5xx for that message) still backs off on its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import click
from sqlalchemy import Connection, or_, select, update

from bot.domain.ports import Clock
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.schema import outbox
from bot.storage.sealed import open_stored

log = logging.getLogger(__name__)

DEFAULT_SENDER = Settings.model_fields["smtp_from"].default
LEASE = timedelta(minutes=5)
LEASE_USABLE = 0.5  # a send starts only in the first half of the lease (a send may take a while)
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(minutes=5)
UNREACHABLE_CAP = 30.0  # seconds: the longest wait between passes while SMTP cannot be reached


@dataclass(frozen=True, slots=True)
class Mail:
    key: str
    to: str
    subject: str
    body: str
    created_at: datetime


class Transport(Protocol):
    async def send(self, mail: Mail) -> None: ...


def message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].partition("@")[2] or "aspel-bot.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = message_id(mail.key, sender)
    message.set_content(mail.body)
    return message


class SmtpTransport:
    """``smtp://user:pass@host:port`` (``?starttls=1`` to upgrade), ``smtps://`` for TLS."""

    def __init__(self, url: str, sender: str = DEFAULT_SENDER, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"unsupported mail URL scheme: {parts.scheme}")
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0].lower() in ("1", "true")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587 if self.starttls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    async def send(self, mail: Mail) -> None:
        await aiosmtplib.send(
            build_message(mail, self.sender),
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=self.starttls,
            timeout=self.timeout,
        )


class EmlFolderTransport:
    """One ``.eml`` file per message, named after its idempotency key (a replay overwrites)."""

    def __init__(self, folder: Path, sender: str = DEFAULT_SENDER) -> None:
        self.folder = Path(folder)
        self.sender = sender

    def path_for(self, key: str) -> Path:
        readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:80]
        return self.folder / f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:8]}.eml"

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(
            self._write, self.path_for(mail.key), build_message(mail, self.sender)
        )

    def _write(self, path: Path, message: EmailMessage) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_bytes(message.as_bytes())
        os.replace(partial, path)


def transport_from_settings(settings: Settings) -> Transport:
    if settings.smtp_url is not None:
        return SmtpTransport(settings.smtp_url.get_secret_value(), settings.smtp_from)
    return EmlFolderTransport(settings.outbox_dir, settings.smtp_from)


def unreachable(exc: BaseException) -> bool:
    """The server could not be reached, timed out or hung up (aiosmtplib's connect, timeout
    and disconnect errors are ``OSError``/``TimeoutError``): nothing the message did."""
    return isinstance(exc, OSError | TimeoutError)


def pause(down: int, poll_seconds: float) -> float:
    """Seconds before the next pass after ``down`` passes in a row found SMTP unreachable."""
    return min(poll_seconds * 2 ** min(down, 20), UNREACHABLE_CAP) if down else poll_seconds


def backoff(attempts: int, jitter: float) -> timedelta:
    """Delay before retry number ``attempts``; ``jitter`` in [0, 1) takes up to half off."""
    ceiling = min(BACKOFF_BASE * 2 ** min(attempts - 1, 20), BACKOFF_CAP)
    return ceiling * (1 - jitter / 2)


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        clock: Clock,
        *,
        batch_size: int = 50,
        random_unit: Callable[[], float] = random.random,
        lease: timedelta = LEASE,
    ) -> None:
        self._db = db
        self._transport = transport
        self._clock = clock
        self._batch_size = batch_size
        self._random = random_unit
        self.lease = lease
        self.down = 0  # passes in a row that found the server unreachable

    def _open(self, body: str) -> str:
        return open_stored(self._db.sealer, body)

    async def run_once(self) -> int:
        """Sends what is due; returns how many were sent."""
        sent = 0
        claimed_at = self._clock()
        claimed = await self._claim()
        for index, (row_id, mail) in enumerate(claimed):
            if self._clock() >= claimed_at + self.lease * LEASE_USABLE:
                break  # the rest may be claimed by another relay soon: leave them to it
            try:
                await self._transport.send(mail)
            except Exception as exc:  # any transport failure: keep the row, retry later
                log.warning("outbox %s: send failed: %s", mail.key, type(exc).__name__)
                if unreachable(exc):  # the server, not the message: all wait for the server
                    self.down += 1
                    await self._unreachable(row_id, [r for r, _ in claimed[index:]], exc)
                    return sent
                await self._failed(row_id, exc)
            else:
                sent += await self._mark_sent(row_id)
        self.down = 0
        return sent

    async def run_forever(self, poll_seconds: float = 5.0) -> None:
        while True:
            try:
                sent = await self.run_once()
            except Exception:  # the database may be restarting: try again next poll
                log.exception("outbox relay pass failed")
                sent = 0
            if self.down or sent < self._batch_size:
                await asyncio.sleep(pause(self.down, poll_seconds))

    async def _claim(self) -> list[tuple[int, Mail]]:
        return await self._db.write(partial(self._claim_rows, self._clock()))

    def _claim_rows(self, now: datetime, conn: Connection) -> list[tuple[int, Mail]]:
        query = (
            select(outbox)
            .where(
                outbox.c.sent_at.is_(None),
                outbox.c.next_attempt_at <= now,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
            )
            .order_by(outbox.c.id)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
        )
        rows = conn.execute(query).all()
        if rows:
            claimed = update(outbox).where(outbox.c.id.in_([r.id for r in rows]))
            conn.execute(claimed.values(claimed_until=now + self.lease))
        return [
            (r.id, Mail(r.idempotency_key, r.to_addr, r.subject, self._open(r.body), r.created_at))
            for r in rows
        ]

    async def _mark_sent(self, row_id: int) -> int:
        return await self._db.write(partial(self._mark_row_sent, row_id, self._clock()))

    @staticmethod
    def _mark_row_sent(row_id: int, now: datetime, conn: Connection) -> int:
        # The body goes once the mail is out: a reset code or a CDA does not stay at rest.
        statement = update(outbox).where(outbox.c.id == row_id, outbox.c.sent_at.is_(None))
        result = conn.execute(statement.values(sent_at=now, claimed_until=None, body=""))
        return int(result.rowcount)

    async def _unreachable(self, tried: int, claimed: list[int], exc: Exception) -> None:
        """The attempt noted on the row tried; every claimed row released, still due."""
        error = f"{type(exc).__name__}: {exc}"[:2000]

        def release(conn: Connection) -> None:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == tried, outbox.c.sent_at.is_(None))
                .values(attempts=outbox.c.attempts + 1, last_error=error)
            )
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(claimed), outbox.c.sent_at.is_(None))
                .values(claimed_until=None)
            )

        await self._db.write(release)

    async def _failed(self, row_id: int, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        await self._db.write(partial(self._record_failure, row_id, error, self._random()))

    def _record_failure(self, row_id: int, error: str, jitter: float, conn: Connection) -> None:
        attempts = conn.execute(select(outbox.c.attempts).where(outbox.c.id == row_id)).scalar_one()
        attempts += 1
        statement = update(outbox).where(outbox.c.id == row_id, outbox.c.sent_at.is_(None))
        conn.execute(
            statement.values(
                attempts=attempts,
                next_attempt_at=self._clock() + backoff(attempts, jitter),
                last_error=error,
                claimed_until=None,
            )
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


@click.command(name="relay")
@click.option(
    "--database", "database", metavar="URL", help="Database URL (wins over DATABASE_URL)."
)
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option(
    "--poll", "poll_seconds", default=5.0, show_default=True, help="Seconds between passes."
)
def command(database: str | None, once: bool, poll_seconds: float) -> None:
    """Deliver queued e-mails (SMTP_URL, or .eml files in OUTBOX_DIR when unset)."""
    from bot.bootstrap import database_from, relay_from, settings_for

    settings = settings_for(database)
    logging.basicConfig(level=settings.log_level)

    async def run() -> Any:
        db = database_from(settings)
        relay = relay_from(settings, db)
        try:
            if once:
                click.echo(f"Sent {await relay.run_once()} e-mail(s).")
            else:
                await relay.run_forever(poll_seconds)
        finally:
            await db.aclose()

    asyncio.run(run())
