"""The benchmark harness runs end to end on a tiny workload and prints its figures.

No timing is asserted: speed is what ``python -m bench`` measures, not what a test on a busy
machine can judge. The full benchmark never runs in the test suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench import abuse, journey
from bench.dataset import SqliteDatabases
from bench.report import abuse_rows
from bot.domain.passwords import Argon2Hasher

ROOT = Path(__file__).resolve().parents[2]
TINY = [
    "--quick",
    "--chats", "4",
    "--reps", "1",
    "--peer-budget", "0.5",
    "--memory-sizes", "10,100",
    "--memory-chats", "2",
    "--logins", "2",
    "--only", "throughput,logins,memory",
    "--no-write",
]  # fmt: skip
FIGURE = re.compile(r"^\| (?P<name>[^|]+) \| (?P<value>[^|]+) \|", re.MULTILINE)


def test_the_quickest_run_prints_every_figure(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", *TINY, "--workdir", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = {m["name"].strip(): m["value"].strip() for m in FIGURE.finditer(done.stdout)}
    for name in (
        "ours, updates/s",
        "floor (PTB, reply only), updates/s",
        "peer, PicklePersistence on its interval, updates/s",
        "ours / floor",
        "honest floor (our calls + one raw durable transaction), updates/s",
        "ours / honest floor",
        "CPU µs/update: ours above the floor",
        "2 concurrent logins, logins/s",
        "other chats' turns while hashing: p50 / p99, ms",
        "RSS after serving, 100 stored conversations, MB",
    ):
        assert re.search(r"\d", figures.get(name, "")), (name, done.stdout)
    # the honest floor makes ours's calls of the workload (2.0 per update; ours may add a typing
    # indicator when a turn is slow, which depends on the machine, so it is not compared here)
    calls = figures["Bot API calls/update: ours / floor / honest floor / peer"].split(" / ")
    assert float(calls[2]) == 2.0, calls


async def test_the_login_abuse_part_runs_and_the_owner_always_gets_in(tmp_path: Path) -> None:
    """``--only login-abuse`` with cheap Argon2: the owner logs in every time (or it raises)."""
    cheap = Argon2Hasher.cheap()
    dbs = SqliteDatabases(tmp_path)
    await dbs.template("abuse", abuse.OWNER + 1, cheap.hash(journey.PASSWORD))
    [run] = await abuse.measure(dbs, "abuse", cheap, 1, 0.3, 1.5, log=lambda _: None)
    assert run.owner and run.failed_owner_logins == 0
    assert run.verified <= run.attempts  # how many attackers got through depends on the box
    figures = {name: value for name, value, _ in abuse_rows([run])}
    assert re.search(r"\d", figures["owner's login p50 / p99, ms"])
    assert re.search(r"\d", figures["p99 / p50 under attack"])
