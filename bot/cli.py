"""The one command line: ``aspel-bot <subcommand>``.

Subcommands live beside the code they drive; each module listed in ``COMMAND_MODULES`` exposes
a click command (or group) named ``command``. Imports are lazy so that ``aspel-bot --help``
stays fast and a subcommand pays only for what it uses.
"""

from __future__ import annotations

import importlib

import click

# subcommand name -> module exposing ``command``
COMMAND_MODULES: dict[str, str] = {
    "migrate": "bot.storage.migrate",
    "demo": "bot.demo",
    "relay": "bot.mail_relay",
    "chat": "bot.channels.terminal",
    "run": "bot.channels.telegram",
    "serve": "bot.server.serve",
    "diagram": "bot.diagram",
    "report": "bot.report",
    "test-script": "bot.scripts",
    "tickets": "bot.handoff.tickets",
    "transcript": "bot.handoff.transcript",
    "script-from-transcript": "bot.handoff.scripting",
    "understand": "bot.nlu.cli",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        return importlib.import_module(module).command  # type: ignore[no-any-return]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Aspel help-desk bot: serial upgrades, CDA resends and advisor handoff."""


if __name__ == "__main__":
    main()
