"""``python -m bench``: every benchmark, a table of figures, and docs/PERFORMANCE.md.

    python -m bench                          # 1,000 and 10,000 chats, 3 repetitions, SQLite
    python -m bench --postgres URL           # … and PostgreSQL (CREATE DATABASE allowed)
    python -m bench --quick                  # a small run that takes about a minute
    python -m bench --chats 200 --reps 5 --only throughput,logins --no-write
    python -m bench --only login-abuse       # wrong passwords flooding while the owner logs in
    python -m bench --postgres URL --only serve --serve-chats 100   # the webhook path

Every figure is the median of the repetitions with their minimum and maximum; ratios are taken
within one repetition. Not part of the test suite: tests/bench only checks that it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import abuse, journey, logins, memory, serve, throughput, workers
from bench.dataset import Databases, PostgresDatabases, SqliteDatabases
from bench.profile import profile
from bench.report import (
    abuse_rows,
    login_rows,
    machine,
    memory_rows,
    table,
    throughput_rows,
    workers_rows,
)
from bot.domain.passwords import Argon2Hasher

PARTS = ("throughput", "logins", "login-abuse", "memory", "workers", "profile", "serve")
ANALYSIS = Path(__file__).with_name("ANALYSIS.md")


@dataclass
class Options:
    chats: list[int]
    reps: int
    window: int
    peer_budget: float
    postgres: str | None
    postgres_chats: list[int]
    parts: tuple[str, ...]
    memory_sizes: tuple[int, ...]
    memory_chats: int
    logins: int
    abuse_seconds: float
    quiet: float
    serve_chats: int
    hold_back_ms: float
    out: Path | None
    workdir: Path


def parse(argv: list[str]) -> Options:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--chats", help="workload sizes, comma-separated (default 1000,10000)")
    p.add_argument("--reps", type=int, help="repetitions of every figure (default 3)")
    p.add_argument("--window", type=int, default=8, help="chats served at once")
    p.add_argument("--peer-budget", type=float, help="seconds per durable-peer run (default 20)")
    p.add_argument("--postgres", metavar="URL", help="also measure on PostgreSQL")
    p.add_argument("--postgres-chats", help="workload sizes on PostgreSQL (default: --chats)")
    p.add_argument("--only", default=",".join(PARTS), help=f"parts to run: {','.join(PARTS)}")
    p.add_argument("--memory-sizes", help="stored conversations (default 1000,10000,100000)")
    p.add_argument("--memory-chats", type=int, help="chats served per memory run (default 1000)")
    p.add_argument("--logins", type=int, help="concurrent logins (default 50)")
    p.add_argument("--abuse-seconds", type=float, help="length of the login attack (default 20)")
    p.add_argument("--serve-chats", type=int, help="chats of the serve part (default 100)")
    p.add_argument(
        "--hold-back-ms", type=float, default=150.0, help="serve's --hold-back-ms (default 150)"
    )
    p.add_argument("--quick", action="store_true", help="small defaults, 2 repetitions")
    p.add_argument("--out", default="docs/PERFORMANCE.md", help="report file ('-': none)")
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--workdir", help="where SQLite files go (default: a temporary directory)")
    a = p.parse_args(argv)
    quick = a.quick
    chats = a.chats or ("100" if quick else "1000,10000")
    sizes = a.memory_sizes or ("1000,10000" if quick else "1000,10000,100000")
    return Options(
        chats=_ints(chats),
        reps=a.reps or (2 if quick else 3),
        window=a.window,
        peer_budget=a.peer_budget or (3.0 if quick else 20.0),
        postgres=a.postgres,
        postgres_chats=_ints(a.postgres_chats or chats),
        parts=tuple(part for part in a.only.split(",") if part),
        memory_sizes=tuple(_ints(sizes)),
        memory_chats=a.memory_chats or (100 if quick else 1000),
        logins=a.logins or (20 if quick else 50),
        abuse_seconds=a.abuse_seconds or (6.0 if quick else 20.0),
        quiet=1.0 if quick else 3.0,
        serve_chats=a.serve_chats or (30 if quick else 100),
        hold_back_ms=a.hold_back_ms,
        out=None if a.no_write or a.out == "-" else Path(a.out),
        workdir=Path(a.workdir or tempfile.mkdtemp(prefix="aspel-bench-")),
    )


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def backend_parts(name: str, dbs: Databases, o: Options, sizes: list[int]) -> list[str]:
    cheap = Argon2Hasher.cheap()
    cheap_hash = cheap.hash(journey.PASSWORD)  # hashed once, reused by every account
    lines: list[str] = []
    needs_cheap = {"throughput", "profile", "workers"} & set(o.parts)
    for chats in sizes if needs_cheap else []:
        log(f"{name}: building the dataset of {chats:,} accounts")
        await dbs.template(f"cheap_{chats}", chats, cheap_hash)
        setup = throughput.Setup(
            dbs, name, chats, f"cheap_{chats}", cheap, cheap_hash, o.window, o.peer_budget
        )
        if "throughput" in o.parts:
            section = await throughput.measure(setup, o.reps, log=log)
            title = (
                f"{name}: {chats:,} chats × {journey.TURNS_PER_CHAT} updates, {o.window} at once"
            )
            lines += table(title, throughput_rows(section))
        if "profile" in o.parts and name == "sqlite" and chats == sizes[0]:
            lines += await profile_part(setup, o)
    if "workers" in o.parts and name == "postgresql":
        lines += await workers_part(dbs, o, sizes[0])
    if "serve" in o.parts and isinstance(dbs, PostgresDatabases):
        lines += await serve_part(dbs, o, cheap_hash)
    if "logins" in o.parts:
        lines += await logins_part(name, dbs, o)
    if "login-abuse" in o.parts:
        lines += await abuse_part(name, dbs, o)
    if "memory" in o.parts and name == "sqlite":
        lines += await memory_part(dbs, o, cheap_hash)
    return lines


async def logins_part(name: str, dbs: Databases, o: Options) -> list[str]:
    hasher = Argon2Hasher()  # the production parameters
    log(f"{name}: {o.logins} logins with production Argon2")
    await dbs.template("argon2", logins.OTHERS + o.logins, hasher.hash(journey.PASSWORD))
    runs = await logins.measure(dbs, "argon2", hasher, o.reps, o.quiet, o.logins, log=log)
    title = f"{name}: {o.logins} logins at once (Argon2 defaults), {logins.OTHERS} chats browsing"
    return table(title, login_rows(runs, o.logins))


async def abuse_part(name: str, dbs: Databases, o: Options) -> list[str]:
    hasher = Argon2Hasher()  # the production parameters
    log(f"{name}: {abuse.ATTACKERS} chats flooding wrong passwords for {o.abuse_seconds:g} s")
    await dbs.template("abuse", abuse.OWNER + 1, hasher.hash(journey.PASSWORD))
    runs = await abuse.measure(dbs, "abuse", hasher, o.reps, o.quiet, o.abuse_seconds, log=log)
    title = (
        f"{name}: login under abuse — {abuse.ATTACKERS} untrusted chats sending wrong passwords "
        f"without pause for {o.abuse_seconds:g} s, the owner logging in from a trusted chat, "
        f"{logins.OTHERS} chats browsing (Argon2 defaults)"
    )
    return table(title, abuse_rows(runs))


async def workers_part(dbs: Databases, o: Options, chats: int) -> list[str]:
    log(f"postgresql: 1 and 2 worker processes, {chats:,} chats")
    runs = await workers.measure(dbs, f"cheap_{chats}", chats, o.reps, o.window, log=log)
    title = f"postgresql: {chats:,} chats split over 1 or 2 processes (in-process Application)"
    return table(title, workers_rows(runs))


async def serve_part(dbs: PostgresDatabases, o: Options, cheap_hash: str) -> list[str]:
    chats = o.serve_chats
    log(f"postgresql: aspel-bot serve over HTTP, 1 and 2 workers, {chats:,} chats")
    await dbs.template(f"cheap_{chats}", chats, cheap_hash)
    runs = await serve.measure(dbs, f"cheap_{chats}", chats, o.reps, o.window, o.hold_back_ms, log)
    title = (
        f"postgresql: the webhook path, {chats:,} chats × {journey.TURNS_PER_CHAT} updates"
        f" POSTed over HTTP, {o.window} at once, hold-back {o.hold_back_ms:g} ms"
    )
    return table(title, serve.rows(runs))


async def memory_part(dbs: Databases, o: Options, cheap_hash: str) -> list[str]:
    template = f"cheap_{o.memory_chats}"
    await dbs.template(template, o.memory_chats, cheap_hash)
    results = await memory.measure(
        dbs, template, o.memory_chats, o.memory_sizes, o.reps, o.window, log=log
    )
    title = f"sqlite: process memory serving {o.memory_chats:,} chats (a fresh process per run)"
    return table(title, memory_rows(results))


async def profile_part(setup: throughput.Setup, o: Options) -> list[str]:
    log("profiling one run (pyinstrument)")
    text, html = await profile(setup, await throughput.record(setup))
    (o.workdir / "profile.html").write_text(html, "utf-8")
    (o.workdir / "profile.txt").write_text(text, "utf-8")
    log(f"profile written to {o.workdir}/profile.html and profile.txt")
    return []


async def main(o: Options) -> list[str]:
    lines = await backend_parts("sqlite", SqliteDatabases(o.workdir), o, o.chats)
    if o.postgres:
        own = make_url(o.postgres).database  # the clones are named after it: theirs apart
        dbs = PostgresDatabases(o.postgres, prefix=f"{own}_bench" if own else "aspel_bench")
        lines += await backend_parts("postgresql", dbs, o, o.postgres_chats)
    return lines


def document(figures: list[str], argv: list[str]) -> str:
    command = " ".join(["python -m bench", *map(shlex.quote, argv)])
    head = ["# Performance", "", *machine(), f"- Command: `{command}`", ""]
    analysis = ANALYSIS.read_text("utf-8") if ANALYSIS.exists() else ""
    return "\n".join(head + ["## Figures", "", *figures, analysis])


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    arguments = sys.argv[1:]
    options = parse(arguments)
    figures = asyncio.run(main(options))
    print("\n".join(figures))
    if options.out is not None:
        options.out.write_text(document(figures, arguments), "utf-8")
        log(f"written: {options.out}")
