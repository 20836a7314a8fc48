"""Process memory while serving a fixed workload, with 1k, 10k, 100k… stored conversations.

Each size runs in a fresh process (``python -m bench.memory URL CHATS WINDOW``, which prints
JSON), on a clone of the bench dataset where that many conversations were inserted directly.
The workload is the same at every size, so memory that grows with the stored rows shows.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench import variants
from bench.dataset import Databases, insert_conversations
from bench.driver import drive, live
from bench.measure import peak_rss_mb, rss_mb
from bot.domain.passwords import Argon2Hasher


async def serve(url: str, chats: int, window: int) -> dict[str, float]:
    before = rss_mb()
    target = await variants.ours(url, Argon2Hasher.cheap())
    try:
        run = await drive(target, live(target.api, range(chats)), window)
    finally:
        await target.aclose()
    gc.collect()
    return {"before": before, "after": rss_mb(), "peak": peak_rss_mb(), "updates": run.updates}


def measure_one(url: str, chats: int, window: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.memory", url, str(chats), str(window)]
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=root).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


async def measure(
    dbs: Databases,
    template: str,
    chats: int,
    sizes: tuple[int, ...],
    reps: int,
    window: int,
    log: Callable[[str], None] = print,
) -> dict[int, list[dict[str, float]]]:
    results: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    for rep in range(reps):
        for size in sizes:
            url = dbs.clone(template)
            try:
                await insert_conversations(url, size)
                result = await asyncio.to_thread(measure_one, url, chats, window)
            finally:
                dbs.drop(url)
            results[size].append(result)
            log(f"  memory rep {rep + 1}/{reps}, {size:,} stored: {result['peak']:.0f} MB peak")
    return results


if __name__ == "__main__":
    database, chat_count, chat_window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(asyncio.run(serve(database, chat_count, chat_window))))
