"""A ticket's conversation for people (plain text, JSON, HTML), and ``aspel-bot transcript``.

Times are shown in the business time zone (America/Mexico_City by default). Every label and
marker comes from the locale; a hidden password shows as the locale's marker, never as text
(the store never had it). The same text is posted as a file to the support group.
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.conversation.records import Ticket
from bot.handoff.tickets import Event, TicketQueries
from bot.settings import Settings

Translate = Callable[..., str]
FORMATS = ("txt", "json", "html")
STAMP = "%d/%m/%Y %H:%M:%S"


class Renderer:
    def __init__(self, t: Translate, zone: ZoneInfo) -> None:
        self.t = t
        self.zone = zone

    def stamp(self, ticket_time: Any) -> str:
        return str(ticket_time.astimezone(self.zone).strftime(STAMP))

    def value(self, text: str | None) -> str:
        return text or self.t("ticket-unknown")

    def header(self, ticket: Ticket) -> dict[str, str]:
        return {
            "chat": ticket.chat_id,
            "account": self.value(ticket.username),
            "product": self.value(ticket.product),
            "serial": self.value(ticket.serial),
            "reason": self.t("ticket-reason", reason=ticket.reason),
            "step": self.t("ticket-step", step=ticket.step),
            "opened": self.stamp(ticket.opened_at),
            "status": self.t("ticket-status", status=ticket.status),
        }

    def summary(self, ticket: Ticket) -> str:
        """The ticket as posted to the support group."""
        h = self.header(ticket)
        return self.t(
            "ticket-summary",
            id=ticket.id,
            reason=h["reason"],
            customer=ticket.chat_id,
            account=h["account"],
            product=h["product"],
            serial=h["serial"],
            step=h["step"],
            opened=h["opened"],
        )

    def text_of(self, event: Event) -> str:
        """What an event said, with redactions shown as the locale's markers."""
        if event.kind == "secret":
            return self.t("transcript-hidden-password")
        if event.kind == "button":
            return self.t("transcript-pressed", label=event.text)
        return event.text

    def txt(self, ticket: Ticket, events: list[Event]) -> str:
        lines = [self.t("transcript-title", id=ticket.id), ""]
        lines += [self.t("transcript-header", **self.header(ticket)), ""]
        for e in events:
            who = self.t("transcript-who", who=e.who)
            body = self.text_of(e).replace("\n", "\n    ")
            lines.append(f"[{self.stamp(e.at)}] {who}: {body}")
        if not events:
            lines.append(self.t("transcript-empty"))
        return "\n".join(lines) + "\n"

    def json(self, ticket: Ticket, events: list[Event]) -> str:
        document = {
            "ticket": ticket.id,
            "title": self.t("transcript-title", id=ticket.id),
            "timezone": str(self.zone),
            **self.header(ticket),
            "events": [
                {
                    "at": e.at.astimezone(self.zone).isoformat(),
                    "who": e.who,
                    "who_label": self.t("transcript-who", who=e.who),
                    "kind": e.kind,
                    "text": self.text_of(e),
                    "redacted": e.kind == "secret",
                    "button": e.button,
                    "state": e.state,
                }
                for e in events
            ],
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    def html(self, ticket: Ticket, events: list[Event]) -> str:
        title = html.escape(self.t("transcript-title", id=ticket.id))
        header = html.escape(self.t("transcript-header", **self.header(ticket)))
        rows = "\n".join(
            f'<tr class="{html.escape(e.who)} {html.escape(e.kind)}">'
            f"<td>{html.escape(self.stamp(e.at))}</td>"
            f"<th>{html.escape(self.t('transcript-who', who=e.who))}</th>"
            f"<td>{html.escape(self.text_of(e))}</td></tr>"
            for e in events
        )
        return (
            '<!doctype html>\n<html lang="es"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{CSS}</style></head><body>\n"
            f"<h1>{title}</h1>\n<pre>{header}</pre>\n<table>\n{rows}\n</table>\n</body></html>\n"
        )

    def render(self, ticket: Ticket, events: list[Event], fmt: str) -> str:
        renderers = {"txt": self.txt, "json": self.json, "html": self.html}
        return renderers[fmt](ticket, events)


CSS = (
    "body{font-family:sans-serif;max-width:60em;margin:auto}"
    "td,th{vertical-align:top;padding:.2em .5em;text-align:left;white-space:pre-wrap}"
    "tr.cliente{background:#eef6ff}tr.asesor{background:#fff6e0}tr.secret td{font-style:italic}"
)


def load(settings: Settings, ticket_id: int) -> tuple[Ticket, list[Event]] | None:
    from bot.bootstrap import database_from

    db = database_from(settings)
    try:
        with db.reading() as conn:
            ticket = TicketQueries.get(conn, ticket_id)
            return None if ticket is None else (ticket, TicketQueries.transcript(conn, ticket))
    finally:
        db.dispose()


@click.command("transcript")
@click.argument("ticket", type=int)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="txt", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
def command(ticket: int, fmt: str, output: Path | None, database: str | None) -> None:
    """Show a ticket's conversation (passwords never appear; they were never stored)."""
    from bot.bootstrap import settings_for
    from bot.i18n import translator

    settings = settings_for(database)
    found = load(settings, ticket)
    if found is None:
        click.echo(f"No ticket {ticket}.", err=True)
        sys.exit(1)
    text = Renderer(translator(), ZoneInfo(settings.timezone)).render(*found, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
