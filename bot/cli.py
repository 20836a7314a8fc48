"""The one command line: ``aspel-bot <subcommand>``.

Subcommands live beside the code they drive; each entry of ``COMMAND_MODULES`` names a module
and the click command (or group) in it (``command`` unless ``module:name`` says otherwise).
Imports are lazy so that ``aspel-bot --help`` stays fast and a subcommand pays only for what it
uses.
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
    "run": "bot.channels.telegram.run",
    "serve": "bot.server.serve",
    "diagram": "bot.diagram",
    "report": "bot.report",
    "test-script": "bot.scripts",
    "tickets": "bot.handoff.tickets",
    "transcript": "bot.handoff.transcript",
    "script-from-transcript": "bot.handoff.scripting",
    "understand": "bot.nlu.cli",
    "deliveries": "bot.runtime.admin:deliveries_command",
    "inbox": "bot.runtime.admin:inbox_command",
    "keys": "bot.runtime.admin:keys_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMAND_MODULES.get(cmd_name)
        if target is None:
            return None
        module, _, name = target.partition(":")
        return getattr(importlib.import_module(module), name or "command")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Aspel help-desk bot: serial upgrades, CDA resends and advisor handoff."""


if __name__ == "__main__":
    main()
