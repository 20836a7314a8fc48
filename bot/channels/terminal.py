"""The terminal channel: ``aspel-bot chat``, the bot's embedded default.

Each reply is printed with its buttons as numbered options; typing a number presses that
button (typing its label, or part of it, works too: the engine matches labels). Password input
is hidden when interactive. With stdin not a terminal it reads one customer turn per line and
prints plain text, so it can be scripted: ``printf '/start\\n1\\n' | aspel-bot chat``.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from collections.abc import Callable
from typing import TextIO

import click

from bot.conversation.messages import Button, Inbound, Outcome
from bot.settings import Settings

CHAT_PREFIX = "term:"


class TerminalChat:
    def __init__(self, chat_id: str, out: TextIO, *, interactive: bool) -> None:
        self.chat_id = CHAT_PREFIX + chat_id
        self.out = out
        self.interactive = interactive
        self.buttons: list[Button] = []
        self.secret_next = False

    def inbound(self, line: str) -> Inbound:
        """A typed line as the engine sees it: a number presses the button shown with it."""
        text = line.strip()
        if not self.secret_next and text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return Inbound(self.chat_id, button=self.buttons[int(text) - 1].data)
        return Inbound(self.chat_id, text=line.rstrip("\r\n"))

    def show(self, outcome: Outcome) -> None:
        numbered = [b for reply in outcome.replies for b in reply.all_buttons()]
        if numbered:
            self.buttons = numbered
        number = 0
        for reply in outcome.replies:
            self._print(reply.text, bold=True)
            for button in reply.all_buttons():
                number += 1
                self._print(f"  [{number}] {button.label}", dim=True)
            self._print("")
        self.secret_next = any(reply.secret_prompt for reply in outcome.replies)

    def echo(self, line: str) -> None:
        """Non-interactive runs show the customer's turn, masked when it is a password."""
        if not self.interactive:
            self._print("> " + ("********" if self.secret_next else line.rstrip("\r\n")))

    def _print(self, text: str, *, bold: bool = False, dim: bool = False) -> None:
        if self.interactive and (bold or dim):
            text = click.style(text, bold=bold, dim=dim)
        self.out.write(text + "\n")
        self.out.flush()


def _reader(chat: TerminalChat, stream: TextIO) -> Callable[[], str | None]:
    def read() -> str | None:
        if chat.interactive:
            try:
                return getpass.getpass("> ") if chat.secret_next else input("> ")
            except EOFError:
                return None
        line = stream.readline()
        return line if line else None

    return read


async def run_chat(settings: Settings, chat_id: str, stdin: TextIO, stdout: TextIO) -> None:
    from bot.bootstrap import build

    app = await build(settings)
    try:
        await app.load_demo()
        chat = TerminalChat(chat_id, stdout, interactive=stdin.isatty() and stdout.isatty())
        if chat.interactive:
            chat._print(app.translate("terminal-hint"), dim=True)
        read = _reader(chat, stdin)
        while (line := await asyncio.to_thread(read)) is not None:
            if not line.strip() and chat.interactive:
                continue
            chat.echo(line)
            chat.show(await app.engine.handle(chat.inbound(line)))
            sent = await app.relay.run_once()
            if sent:
                chat._print(app.translate("terminal-mail-saved", count=sent), dim=True)
    finally:
        await app.aclose()


@click.command("chat")
@click.option("--database", metavar="URL", help="Store to use (wins over DATABASE_URL).")
@click.option("--chat-id", default="local", show_default=True, help="Which chat to be.")
def command(database: str | None, chat_id: str) -> None:
    """Chat with the bot in this terminal (loads the demo dataset on first run)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from bot.bootstrap import settings_for

    settings = settings_for(database)
    asyncio.run(run_chat(settings, chat_id, sys.stdin, sys.stdout))
