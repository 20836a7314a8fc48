"""A real conversation as a conversation script: ``aspel-bot script-from-transcript TICKET``.

Each customer event of the ticket's transcript becomes a turn (``user:`` for typed text,
``press:`` for a button, by its label); the bot's replies to it become ``expect`` fragments: the
first line of each reply, and each line giving a serial generated during the conversation, made
a ``re:`` pattern where they hold what changes from run to run (such a serial, a date, a count
of minutes). Replies that depend
on the clock (the after-hours notice) are left out; a session that expired gets a ``wait``.
Advisor messages cannot be replayed and are left out, as is what the bot said after them.

Passwords were never stored: a password turn becomes a placeholder that names the user, to be
filled in by hand or with ``--password USER=PASS``.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml

from bot.conversation.records import Ticket
from bot.handoff.tickets import Event
from bot.scripts import fold

Translate = Callable[..., str]
PLACEHOLDER = "<PASSWORD for {user}>"
SERIAL_IN_TEXT = re.compile(r"\b[A-Z]{2}SN[A-Z]{2}\d{6}\b")
# In a folded line (lower case, no accents): what varies from one run to the next.
VARIABLE = re.compile(
    r"(?P<date>\d{2}/\d{2}/\d{4})"
    r"|(?P<minutes>\b\d+(?= ?min))"
    r"|(?P<serial>\b[a-z]{2}sn[a-z]{2}\d{6}\b)"
)


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


class ScriptWriter:
    def __init__(self, t: Translate, passwords: dict[str, str] | None = None) -> None:
        self.passwords = passwords or {}
        self.clock_lines = {fold(first_line(self._after_hours(t)))}
        self.expired_line = fold(first_line(t("session-expired")))
        self.placeholders: list[str] = []

    @staticmethod
    def _after_hours(t: Translate) -> str:
        return t("handoff-after-hours", when="today", weekday="mon", time="9:00")

    def fragment(self, line: str, generated: set[str]) -> str:
        """The line as an ``expect`` fragment; a pattern where it holds what varies."""
        folded = fold(line)
        parts: list[str] = []
        last, varied = 0, False
        for match in VARIABLE.finditer(folded):
            if match.lastgroup == "serial" and match.group().upper() not in generated:
                continue
            parts += [re.escape(folded[last : match.start()]), PATTERNS[match.lastgroup or ""]]
            last, varied = match.end(), True
        return "re:" + "".join([*parts, re.escape(folded[last:])]) if varied else line

    def turn_for(self, event: Event, user: str | None) -> dict[str, Any]:
        if event.kind == "secret":
            password = self.passwords.get(user or "")
            if password is None:
                password = PLACEHOLDER.format(user=user or "?")
                self.placeholders.append(password)
            return {"user": password}
        if event.kind == "button":
            return {"press": event.text}
        return {"user": event.text}

    def turns(self, events: list[Event]) -> list[dict[str, Any]]:
        turns: list[dict[str, Any]] = []
        turn: dict[str, Any] | None = None
        known: set[str] = set()
        user: str | None = None
        previous_at = None
        for event in events:
            if event.who == "cliente":
                if event.state == "login_user" and event.kind == "text" and event.text.split():
                    user = event.text.split()[0]
                turn = self.turn_for(event, user)
                turn["_gap"] = (event.at - previous_at).total_seconds() if previous_at else 0
                turns.append(turn)
                known.update(SERIAL_IN_TEXT.findall(event.text))
            elif event.who == "bot" and turn is not None:
                self._expect(turn, event.text, known)
            else:  # the advisor: nothing to replay, nor what the bot said after them
                turn = None
            previous_at = event.at
        return [self._tidy(t) for t in turns]

    def _expect(self, turn: dict[str, Any], text: str, known: set[str]) -> None:
        """The reply's first line, and any line that gives a serial generated just now."""
        line = first_line(text)
        generated = set(SERIAL_IN_TEXT.findall(text)) - known
        known.update(generated)
        if fold(line) == self.expired_line:
            turn["wait"] = math.ceil(turn["_gap"] / 60) + 1
        if not line or fold(line) in self.clock_lines:
            return
        lines = [line] + [
            other.strip()
            for other in text.splitlines()[1:]
            if any(serial in other for serial in generated)
        ]
        turn.setdefault("expect", []).extend(self.fragment(one, generated) for one in lines)

    @staticmethod
    def _tidy(turn: dict[str, Any]) -> dict[str, Any]:
        turn.pop("_gap", None)
        order = ("wait", "user", "press", "expect")
        return {key: turn[key] for key in order if key in turn}

    def script(self, ticket: Ticket, events: list[Event]) -> dict[str, Any]:
        turns = self.turns(events)
        first = next((e for e in events if e.who == "cliente"), None)
        if first is not None and first.state != "menu":  # the chat was mid-way: start over
            turns.insert(0, {"user": "/start"})
        script: dict[str, Any] = {
            "name": f"Ticket #{ticket.id} ({ticket.reason}, {ticket.step})",
            "turns": turns,
            "handoff": True,
        }
        hidden = sorted(set(self.passwords.values()))
        if hidden:
            script["transcript"] = {"not_contains": hidden}
        return script

    def dump(self, ticket: Ticket, events: list[Event]) -> str:
        body = yaml.safe_dump(
            self.script(ticket, events), allow_unicode=True, sort_keys=False, width=100
        )
        header = [f"# Made by `aspel-bot script-from-transcript {ticket.id}` from a real chat."]
        if self.placeholders:
            header.append(
                "# Passwords are never stored: replace each <PASSWORD for USER> "
                "(or pass --password USER=PASS)."
            )
        return "\n".join(header) + "\n" + body


PATTERNS = {
    "date": r"\d{2}/\d{2}/\d{4}",
    "minutes": r"\d+",
    "serial": r"[a-z]{2}sn[a-z]{2}\d{6}",
}


def parse_passwords(pairs: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        user, sep, password = pair.partition("=")
        if not sep or not user:
            raise click.BadParameter(f"{pair!r}: expected USER=PASS", param_hint="--password")
        found[user] = password
    return found


@click.command("script-from-transcript")
@click.argument("ticket", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option(
    "--password",
    "passwords",
    multiple=True,
    metavar="USER=PASS",
    help="Fill the password turns of USER (repeatable). Without it, a placeholder is written.",
)
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
def command(
    ticket: int, output: Path | None, passwords: tuple[str, ...], database: str | None
) -> None:
    """Turn a ticket's conversation into a conversation script (YAML) for `test-script`."""
    from bot.bootstrap import settings_for
    from bot.handoff.transcript import load
    from bot.i18n import translator

    found = load(settings_for(database), ticket)
    if found is None:
        click.echo(f"No ticket {ticket}.", err=True)
        sys.exit(1)
    writer = ScriptWriter(translator(), parse_passwords(passwords))
    text = writer.dump(*found)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    for placeholder in sorted(set(writer.placeholders)):
        click.echo(f"Fill in {placeholder} before running the script.", err=True)
