"""PostgreSQL with 1 and 2 worker processes, each serving its share of the chats.

Each worker (``python -m bench.workers URL FIRST LAST WINDOW``) builds our bot over the same
database, says ``ready``, waits for ``go`` on stdin, walks its chats' journeys and prints its
figures as JSON. The parent times from ``go`` to the last worker's answer. This is the in-process
Application of the other benchmarks split over processes, not the webhook server of
``bot.server`` (its inbox, advisory locks and HTTP hops are not measured here).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import journey, variants
from bench.dataset import Databases
from bench.driver import drive, live
from bench.throughput import count_done
from bot.domain.passwords import Argon2Hasher

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class WorkersRun:
    workers: int
    updates: int
    seconds: float
    cpu: float  # seconds, all workers

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds


async def _worker(url: str, first: int, last: int, window: int) -> None:
    target = await variants.ours(url, Argon2Hasher.cheap())
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        cpu = time.process_time()
        run = await drive(target, live(target.api, range(first, last)), window)
        print(json.dumps({"updates": run.updates, "cpu": time.process_time() - cpu}), flush=True)
    finally:
        await target.aclose()


async def _spawn(url: str, first: int, last: int, window: int) -> asyncio.subprocess.Process:
    command = [sys.executable, "-m", "bench.workers", url, str(first), str(last), str(window)]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = await process.stdout.readline()
    if line.strip() != b"ready":
        raise RuntimeError(f"worker did not start: {line!r}")
    return process


async def _result(process: asyncio.subprocess.Process) -> dict[str, float]:
    assert process.stdout is not None
    line = await process.stdout.readline()
    await process.wait()
    return dict(json.loads(line))


async def one_run(url: str, chats: int, workers: int, window: int) -> WorkersRun:
    shares = [(chats * k // workers, chats * (k + 1) // workers) for k in range(workers)]
    processes = [await _spawn(url, first, last, window) for first, last in shares]
    began = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
    results = [await _result(process) for process in processes]
    seconds = time.perf_counter() - began
    emails, finished = await count_done(url)
    if (emails, finished) != (chats * journey.EMAILS_PER_CHAT, chats):
        raise RuntimeError(f"{workers} workers left {emails} e-mails, {finished} finished")
    updates = int(sum(r["updates"] for r in results))
    return WorkersRun(workers, updates, seconds, sum(r["cpu"] for r in results))


async def measure(
    dbs: Databases,
    template: str,
    chats: int,
    reps: int,
    window: int,
    log: Callable[[str], None] = print,
) -> dict[int, list[WorkersRun]]:
    runs: dict[int, list[WorkersRun]] = {1: [], 2: []}
    for rep in range(reps):
        for workers in (1, 2) if rep % 2 == 0 else (2, 1):
            url = dbs.clone(template)
            try:
                run = await one_run(url, chats, workers, window)
            finally:
                dbs.drop(url)
            runs[workers].append(run)
            log(f"  {workers} worker(s), rep {rep + 1}/{reps}: {run.per_second:,.0f} updates/s")
    return runs


if __name__ == "__main__":
    database, first_chat, last_chat, chat_window = sys.argv[1:5]
    asyncio.run(_worker(database, int(first_chat), int(last_chat), int(chat_window)))
