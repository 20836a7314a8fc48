"""Support staff's commands for what the runtime could not finish by itself.

- ``aspel-bot deliveries [--parked] [--chat tg:123]`` lists replies not sent (waiting for a retry,
  or parked with the reason); ``aspel-bot deliveries retry ID… | --all`` puts parked ones back
  (the running bot sends them within a minute, in each chat's order).
- ``aspel-bot inbox`` lists parked updates (dead letters: turns that kept failing, with the
  reason; the update itself stays sealed); ``aspel-bot inbox retry ID… | --all`` puts them back.
- ``aspel-bot keys new`` prints a new key for DATA_KEYS; ``aspel-bot keys rotate`` re-seals what is
  stored with the first key (run it after putting a new key first).
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy import Connection, or_, select, update

from bot.runtime.inbox import requeue
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.schema import dead_letters, deliveries, inbox, outbox
from bot.storage.sealed import new_key, sealer_for


def _db(database: str | None) -> tuple[Settings, Database]:
    from bot.bootstrap import database_from, settings_for

    settings = settings_for(database)
    return settings, database_from(settings)


def _table(header: tuple[str, ...], rows: list[list[str]]) -> str:
    widths = [max(len(c) for c in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in [list(header), *rows]
    )


def _at(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@click.group("deliveries", invoke_without_command=True)
@click.option("--parked", is_flag=True, help="Only parked ones.")
@click.option("--chat", metavar="KEY", help="Only this chat (tg:123).")
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
@click.pass_context
def deliveries_command(
    ctx: click.Context, parked: bool, chat: str | None, database: str | None
) -> None:
    """Replies not sent yet: waiting for a retry, or parked (with the reason)."""
    ctx.obj = database
    if ctx.invoked_subcommand is not None:
        return
    _, db = _db(database)
    c = deliveries.c
    query = select(deliveries).where(c.sent_at.is_(None)).order_by(c.chat_id, c.seq)
    if parked:
        query = query.where(c.parked_at.is_not(None))
    if chat:
        query = query.where(c.chat_id == chat)
    try:
        with db.reading() as conn:
            rows = conn.execute(query).all()
    finally:
        db.dispose()
    if not rows:
        click.echo("No parked replies." if parked else "Every reply was sent.")
        return
    header = ("ID", "CHAT", "OP", "CREATED", "ATTEMPTS", "STATE", "REASON")
    click.echo(
        _table(
            header,
            [
                [
                    f"{r.chat_id}/{r.seq}",
                    r.chat_id,
                    r.op,
                    _at(r.created_at),
                    str(r.attempts),
                    "parked" if r.parked_at else "pending",
                    r.last_error or "",
                ]
                for r in rows
            ],
        )
    )


@deliveries_command.command("retry")
@click.argument("ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every parked reply.")
@click.pass_obj
def deliveries_retry(database: str | None, ids: tuple[str, ...], everything: bool) -> None:
    """Put parked replies back: IDs as listed (tg:123/4567), or --all."""
    if not ids and not everything:
        raise click.UsageError("give the IDs to retry, or --all")
    _, db = _db(database)
    c = deliveries.c
    now = datetime.now(UTC)
    statement = update(deliveries).where(c.parked_at.is_not(None), c.sent_at.is_(None))
    if not everything:
        keys = [_key(i) for i in ids]
        statement = statement.where(or_(*((c.chat_id == k) & (c.seq == s) for k, s in keys)))
    try:
        with db.begin() as conn:
            done = conn.execute(statement.values(parked_at=None, next_attempt_at=now)).rowcount
    finally:
        db.dispose()
    click.echo(f"{done} repl{'y' if done == 1 else 'ies'} back in the queue.")


def _key(text: str) -> tuple[str, int]:
    chat, _, seq = text.rpartition("/")
    if not chat or not seq.isdigit():
        raise click.BadParameter(f"{text!r}: expected CHAT/SEQ, e.g. tg:123/4567")
    return chat, int(seq)


@click.group("inbox", invoke_without_command=True)
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
@click.pass_context
def inbox_command(ctx: click.Context, database: str | None) -> None:
    """Parked updates: turns that kept failing (the reason; the update stays sealed)."""
    ctx.obj = database
    if ctx.invoked_subcommand is not None:
        return
    _, db = _db(database)
    query = select(dead_letters).order_by(dead_letters.c.failed_at)
    try:
        with db.reading() as conn:
            rows = conn.execute(query).all()
            waiting = conn.execute(
                select(inbox.c.update_id).where(inbox.c.processed_at.is_(None))
            ).all()
    finally:
        db.dispose()
    click.echo(f"Updates waiting to be processed: {len(waiting)}.")
    if not rows:
        click.echo("No parked updates.")
        return
    header = ("UPDATE", "CHAT", "FAILED", "ATTEMPTS", "RETRIED", "REASON")
    cells = [
        [
            str(r.update_id),
            r.chat_key,
            _at(r.failed_at),
            str(r.attempts),
            _at(r.retried_at),
            r.reason,
        ]
        for r in rows
    ]
    click.echo(_table(header, cells))


@inbox_command.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "everything", is_flag=True, help="Every parked update.")
@click.pass_obj
def inbox_retry(database: str | None, ids: tuple[int, ...], everything: bool) -> None:
    """Put parked updates back in the inbox: their turn runs again."""
    if not ids and not everything:
        raise click.UsageError("give the update IDs to retry, or --all")
    _, db = _db(database)
    try:
        with db.begin() as conn:
            done = requeue(conn, None if everything else ids, datetime.now(UTC))
    finally:
        db.dispose()
    click.echo(f"{len(done)} update(s) back in the inbox: {', '.join(map(str, done)) or '-'}.")


@click.group("keys")
def keys_command() -> None:
    """Keys that seal stored updates (DATA_KEYS)."""


@keys_command.command("new")
def keys_new() -> None:
    """Print a new key: put it first in DATA_KEYS (comma-separated, old ones after it)."""
    click.echo(new_key())


@keys_command.command("rotate")
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
def keys_rotate(database: str | None) -> None:
    """Re-seal every stored update and unsent e-mail with the first key of DATA_KEYS."""
    settings, db = _db(database)
    keys = settings.data_keys.get_secret_value() if settings.data_keys else None
    sealer = sealer_for(keys, settings.database_url)

    def rotate(conn: Connection) -> int:
        count = 0
        stored = (
            (inbox.c.update_id, inbox.c.payload),
            (dead_letters.c.update_id, dead_letters.c.payload),
            (outbox.c.id, outbox.c.body),  # e-mails not sent yet
        )
        for key, column in stored:
            for row in conn.execute(select(key, column).where(column != "")):
                statement = update(key.table).where(key == row[0])
                conn.execute(statement.values({column.name: sealer.reseal(row[1])}))
                count += 1
        return count

    try:
        with db.begin() as conn:
            count = rotate(conn)
    finally:
        db.dispose()
    click.echo(f"{count} stored update(s) and e-mail(s) sealed with the first key.")
