"""Conversation scripts: scripted customer turns with expected replies, for support staff and CI.

A script is YAML::

    name: Actualizar COI 8.0 a 9.0
    dataset: demo                  # optional; the demo dataset, fresh for every script
    turns:
      - user: /start
        expect: ["Actualizar"]     # fragments that must appear in the bot's replies
        buttons: ["CDA"]           # fragments of labels of the buttons offered
      - press: Actualizar          # press the one button whose label contains this
      - user: mmendez
        expect_not: ["incorrect"]
      - restart: true              # rebuild the bot from the database, mid-journey
      - wait: 45                   # minutes pass (inactivity)
    emails: [{to: magdalena.mendez@example.com, contains: ["CMSN"]}]
    no_emails: true                # or: no e-mail at all was queued
    handoff: true                  # a ticket for an advisor was opened (false: none)
    transcript: {contains: [...], not_contains: [...]}

The shape is checked by ``bot/script_model.py`` (pydantic). Matching ignores case, accents and
runs of white space; a fragment starting with ``re:`` is a
regular expression. Each script runs on a throw-away copy of a database loaded once per run.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import click
import yaml
from sqlalchemy import Connection, select
from unidecode import unidecode

from bot.bootstrap import App, build, settings_for, utcnow
from bot.conversation.messages import Button, Inbound, Reply
from bot.script_model import ScriptError, load_script
from bot.settings import Settings
from bot.storage.schema import outbox, tickets, transcript_events
from bot.storage.sealed import open_stored


class Failure(Exception):
    """The bot did not say what the script expected."""


def fold(text: str) -> str:
    return " ".join(unidecode(text).lower().split())


def matches(haystack: str, fragment: str) -> bool:
    if fragment.startswith("re:"):
        return re.search(unidecode(fragment[3:]), fold(haystack), re.IGNORECASE) is not None
    return fold(fragment) in fold(haystack)


# --- channels ----------------------------------------------------------------------------


class Driver(Protocol):
    """One channel, as a script drives it: type, press, see replies."""

    async def send(self, text: str) -> list[Reply]: ...
    async def press(self, button: Button) -> list[Reply]: ...
    async def close(self) -> None: ...


class EngineDriver:
    """The engine as the terminal chat uses it."""

    chat_id = "term:script"

    def __init__(self, app: App) -> None:
        self.app = app

    async def send(self, text: str) -> list[Reply]:
        return (await self.app.engine.handle(Inbound(self.chat_id, text=text))).replies

    async def press(self, button: Button) -> list[Reply]:
        return (await self.app.engine.handle(Inbound(self.chat_id, button=button.data))).replies

    async def close(self) -> None:
        return None


DriverFactory = Callable[[App], Awaitable[Driver]]


async def _engine_driver(app: App) -> Driver:
    return EngineDriver(app)


def driver_factories() -> dict[str, DriverFactory]:
    factories: dict[str, DriverFactory] = {"terminal": _engine_driver}
    try:
        from bot.testing.chat import telegram_driver
    except ImportError:
        return factories
    factories["telegram"] = telegram_driver
    return factories


# --- scripts -----------------------------------------------------------------------------


@dataclass
class Script:
    path: Path
    name: str
    turns: list[dict[str, Any]]
    emails: list[dict[str, Any]] = field(default_factory=list)
    no_emails: bool = False
    handoff: bool | None = None
    transcript: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Script:
        parsed = load_script(path)
        return cls(
            path=path,
            name=parsed.name or path.stem,
            turns=[turn.model_dump(exclude_unset=True) for turn in parsed.turns],
            emails=[email.model_dump() for email in parsed.emails],
            no_emails=parsed.no_emails,
            handoff=parsed.handoff,
            transcript=parsed.transcript.model_dump(),
        )


def collect(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
        else:
            found.append(path)
    return found


@dataclass
class Result:
    script: str
    channel: str
    passed: bool
    report: str = ""


class Runner:
    """Runs scripts on fresh copies of one demo database, made once per runner."""

    def __init__(self, workdir: Path | None = None, *, keep_flow: str | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="aspel-scripts-")
        self.workdir = workdir or Path(self._tmp.name)
        self.template = self.workdir / "template.db"
        self.keep_flow = keep_flow  # a database URL that collects every script's flow events
        self._count = 0

    async def prepare(self) -> None:
        if self.template.exists():
            return
        app = await build(self._settings(self.template))
        await app.load_demo()
        await app.aclose()

    def _settings(self, db: Path) -> Settings:
        update = {"database_url": f"sqlite:///{db}", "outbox_dir": self.workdir / "outbox"}
        return settings_for().model_copy(update=update)

    async def run(self, path: Path, channel: str = "terminal") -> Result:
        await self.prepare()
        try:
            script = Script.load(path)
        except (ScriptError, yaml.YAMLError) as error:
            return Result(str(path), channel, False, f"invalid script: {error}")
        self._count += 1
        db = self.workdir / f"script-{self._count}.db"
        shutil.copy(self.template, db)
        try:
            await _Session(self._settings(db), script, channel).run()
        except (Failure, ScriptError) as failure:
            return Result(script.name, channel, False, str(failure))
        finally:
            if self.keep_flow:
                from bot.report.store import keep_flow

                await asyncio.to_thread(
                    keep_flow, self._settings(db).database_url, self.keep_flow, path.stem
                )
            _remove_sqlite(db)
        return Result(script.name, channel, True)

    def close(self) -> None:
        self._tmp.cleanup()


def _remove_sqlite(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


class _Session:
    def __init__(self, settings: Settings, script: Script, channel: str) -> None:
        self.settings = settings
        self.script = script
        self.channel = channel
        self.offset = timedelta()
        self.buttons: list[Button] = []
        self.secret_next = False  # the bot just asked for a password
        self.secret_turn = False  # this turn answers that: never echo it

    def now(self) -> datetime:
        return utcnow() + self.offset

    async def _open(self) -> tuple[App, Driver]:
        app = await build(self.settings, clock=self.now, migrate=False)
        factory = driver_factories().get(self.channel)
        if factory is None:
            raise ScriptError(f"unknown channel {self.channel!r}")
        return app, await factory(app)

    async def run(self) -> None:
        app, driver = await self._open()
        try:
            for number, turn in enumerate(self.script.turns, 1):
                if turn.get("restart"):
                    await driver.close()
                    await app.aclose()
                    app, driver = await self._open()
                if "wait" in turn:
                    self.offset += timedelta(minutes=float(turn["wait"]))
                replies = await self._act(driver, turn, number)
                self._check_turn(turn, number, replies)
            await self._check_end(app)
        finally:
            await driver.close()
            await app.aclose()

    async def _act(self, driver: Driver, turn: dict[str, Any], number: int) -> list[Reply]:
        self.secret_turn = self.secret_next
        if "user" in turn:
            replies = await driver.send(str(turn["user"]))
        elif "press" in turn:
            replies = await driver.press(self._button(str(turn["press"]), number))
        else:
            return []
        offered = [b for reply in replies for b in reply.all_buttons()]
        if offered:
            self.buttons = offered
        self.secret_next = any(reply.secret_prompt for reply in replies)
        return replies

    def _button(self, label: str, number: int) -> Button:
        found = [b for b in self.buttons if matches(b.label, label)]
        if len(found) != 1:
            shown = ", ".join(repr(b.label) for b in self.buttons) or "none"
            what = "no button" if not found else f"{len(found)} buttons"
            raise Failure(f"turn {number}: press {label!r}: {what} match; offered: {shown}")
        return found[0]

    def _check_turn(self, turn: dict[str, Any], number: int, replies: list[Reply]) -> None:
        said = "\n".join(reply.text for reply in replies)
        labels = [b.label for reply in replies for b in reply.all_buttons()]
        what = "********" if self.secret_turn else turn.get("user", turn.get("press", ""))
        problems = [f"expected {f!r}" for f in turn.get("expect", []) if not matches(said, f)]
        problems += [
            f"did not expect {f!r}" for f in turn.get("expect_not", []) if matches(said, f)
        ]
        problems += [
            f"expected a button {f!r}"
            for f in turn.get("buttons", [])
            if not any(matches(label, f) for label in labels)
        ]
        if problems:
            verb = "user" if "user" in turn else "press"
            shown = "\n".join("    | " + line for line in said.splitlines()) or "    | (nothing)"
            raise Failure(
                f"turn {number}: {verb} {what!r}\n  "
                + "\n  ".join(problems)
                + f"\n  the bot said:\n{shown}\n  buttons: {labels}"
            )

    async def _check_end(self, app: App) -> None:
        def read(conn: Connection) -> tuple[list[Any], list[Any], list[str]]:
            mails = conn.execute(select(outbox.c.to_addr, outbox.c.subject, outbox.c.body)).all()
            opened = conn.execute(select(tickets.c.id)).all()
            events = conn.execute(select(transcript_events.c.text)).scalars().all()
            return list(mails), list(opened), list(events)

        mails, opened, events = await app.db.read(read)
        problems: list[str] = []
        if self.script.no_emails and mails:
            problems.append(
                f"expected no e-mail, {len(mails)} queued: {[m.subject for m in mails]}"
            )
        for spec in self.script.emails:
            wanted = spec.get("contains", [])
            if not any(
                m.to_addr == spec["to"]
                and all(
                    matches(f"{m.subject}\n{open_stored(app.db.sealer, m.body)}", f) for f in wanted
                )
                for m in mails
            ):
                problems.append(
                    f"expected an e-mail to {spec['to']} with {wanted}; queued: "
                    f"{[(m.to_addr, m.subject) for m in mails]}"
                )
        if self.script.handoff is not None and bool(opened) != self.script.handoff:
            problems.append(
                f"expected handoff={self.script.handoff}, tickets opened: {len(opened)}"
            )
        whole = "\n".join(events)
        problems += [
            f"transcript lacks {f!r}"
            for f in self.script.transcript.get("contains", [])
            if not matches(whole, f)
        ]
        problems += [
            f"transcript has {f!r}"
            for f in self.script.transcript.get("not_contains", [])
            if matches(whole, f)
        ]
        if problems:
            raise Failure("at the end:\n  " + "\n  ".join(problems))


# --- the command -------------------------------------------------------------------------


async def run_all(
    paths: list[Path],
    channels: list[str],
    echo: Callable[[str], None],
    keep_flow: str | None = None,
) -> int:
    runner = Runner(keep_flow=keep_flow)
    passed = failed = 0
    try:
        for path in collect(paths):
            for channel in channels:
                result = await runner.run(path, channel)
                if result.passed:
                    passed += 1
                    echo(f"PASS [{channel}] {result.script}")
                else:
                    failed += 1
                    echo(f"FAIL [{channel}] {result.script} ({path})\n  {result.report}")
    finally:
        runner.close()
    echo(f"{passed} passed, {failed} failed")
    return failed


@click.command("test-script")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--channel",
    type=click.Choice(["terminal", "telegram", "both"]),
    default="terminal",
    show_default=True,
    help="Which channel the scripts talk through.",
)
@click.option(
    "--keep-flow",
    metavar="URL",
    help="Also copy each script's flow events into this database (for `aspel-bot report`).",
)
def command(paths: tuple[Path, ...], channel: str, keep_flow: str | None) -> None:
    """Run conversation scripts (YAML files or folders) and report N passed, N failed."""
    logging.basicConfig(level=logging.WARNING)
    channels = ["terminal", "telegram"] if channel == "both" else [channel]
    failed = asyncio.run(run_all(list(paths), channels, click.echo, keep_flow))
    sys.exit(1 if failed else 0)
