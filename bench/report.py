"""The figures as Markdown tables (printed, and written to docs/PERFORMANCE.md)."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench.abuse import AbuseRun
from bench.driver import Run
from bench.logins import LoginRun
from bench.measure import Figure, percentile
from bench.throughput import FLOOR, HONEST, MAX_CHATS_FOR_SAVE, OURS, PEER, PEER_DURABLE, Section
from bench.workers import WorkersRun

PACKAGES = (
    "python-telegram-bot",
    "transitions",
    "SQLAlchemy",
    "psycopg",
    "argon2-cffi",
)
Row = tuple[str, str, str]  # figure, value, goal


def _fig(values: Sequence[float], digits: int = 0, unit: str = "") -> str:
    return Figure.of(values).show(digits, unit)


def _ratio(a: list[Run], b: list[Run]) -> list[float]:
    return [x.per_second / y.per_second for x, y in zip(a, b, strict=True)]


def _ms(runs: list[Run], q: float, pick: Callable[[Run], list[float]]) -> list[float]:
    return [percentile(pick(run), q) * 1000 for run in runs if pick(run)]


def _goal(values: list[float], ok: Callable[[float], bool], text: str) -> str:
    if not values:
        return text
    return f"{text}: {'met' if ok(Figure.of(values).median) else '**missed**'}"


def _pair(a: Sequence[float], b: Sequence[float], digits: int = 0) -> str:
    return f"{_fig(a, digits)} / {_fig(b, digits)}"


def throughput_rows(s: Section) -> list[Row]:
    ours, floor, peer, durable = (s.runs[n] for n in (OURS, FLOOR, PEER, PEER_DURABLE))
    honest = s.runs[HONEST]
    vs_floor, vs_durable, vs_peer = _ratio(ours, floor), _ratio(ours, durable), _ratio(ours, peer)
    vs_honest = _ratio(ours, honest)
    partial = "" if all(r.complete for r in durable) else f" (first {durable[0].updates:,})"
    above = [o.cpu_us - f.cpu_us for o, f in zip(ours, floor, strict=True)]
    turns, logins = (lambda r: r.turns), (lambda r: r.logins)
    calls = " / ".join(f"{_calls(r):.2f}" for r in (ours, floor, honest, peer))
    return [
        ("ours, updates/s", _speed(ours), ""),
        ("floor (PTB, reply only), updates/s", _speed(floor), ""),
        ("honest floor (our calls + one raw durable transaction), updates/s", _speed(honest), ""),
        ("peer, PicklePersistence on its interval, updates/s", _speed(peer), ""),
        ("peer, persistence flushed every update, updates/s" + partial, _speed(durable), ""),
        ("ours / floor", _fig(vs_floor, 3), _goal(vs_floor, lambda v: v >= 0.35, "≥ 0.35")),
        ("ours / honest floor", _fig(vs_honest, 3), _goal(vs_honest, lambda v: v >= 0.8, "≥ 0.8")),
        ("ours / durable peer", _fig(vs_durable, 1), _goal(vs_durable, lambda v: v >= 5, "≥ 5")),
        ("ours / non-durable peer", _fig(vs_peer, 2), _goal(vs_peer, lambda v: v >= 1, "≥ 1")),
        ("CPU µs/update: ours", _cpu(ours), ""),
        ("CPU µs/update: floor", _cpu(floor), ""),
        ("CPU µs/update: honest floor", _cpu(honest), ""),
        ("CPU µs/update: ours above the floor", _fig(above), ""),
        ("CPU µs/update: peer (interval) / peer (durable)", f"{_cpu(peer)} / {_cpu(durable)}", ""),
        ("non-login update latency p50 / p99, ms", _pair(*_p50_p99(ours, turns), 1), ""),
        ("login update (cheap Argon2) p50 / p99, ms", _pair(*_p50_p99(ours, logins), 1), ""),
        ("Bot API calls/update: ours / floor / honest floor / peer", calls, ""),
        ("peer: one periodic save of every chat blocks the loop, s", _save(peer), ""),
    ]


def _save(runs: list[Run]) -> str:
    saves = [r.save_seconds for r in runs if r.save_seconds is not None]
    return _fig(saves, 2) if saves else f"not measured above {MAX_CHATS_FOR_SAVE:,} chats"


def _speed(runs: list[Run]) -> str:
    return _fig([r.per_second for r in runs])


def _cpu(runs: list[Run]) -> str:
    return _fig([r.cpu_us for r in runs])


def _p50_p99(
    runs: list[Run], pick: Callable[[Run], list[float]]
) -> tuple[list[float], list[float]]:
    return _ms(runs, 50, pick), _ms(runs, 99, pick)


def _calls(runs: list[Run]) -> float:
    return sum(runs[0].calls.values()) / runs[0].updates if runs else float("nan")


def _pcts(samples: list[list[float]], q: float) -> list[float]:
    return [percentile(s, q) * 1000 for s in samples]


def login_rows(runs: list[LoginRun], logins: int) -> list[Row]:
    quiet, hashing = [r.quiet for r in runs], [r.hashing for r in runs]
    quiet50, hash50, hash99 = _pcts(quiet, 50), _pcts(hashing, 50), _pcts(hashing, 99)
    vs_quiet = [h / q for h, q in zip(hash99, quiet50, strict=True)]
    within = [h / m for h, m in zip(hash99, hash50, strict=True)]
    login_ms = [r.logins for r in runs]
    return [
        (f"{logins} concurrent logins, logins/s", _fig([r.per_second for r in runs], 1), ""),
        ("login latency p50 / p99, ms", _pair(_pcts(login_ms, 50), _pcts(login_ms, 99)), ""),
        ("other chats' turns, quiet: p50 / p99, ms", _pair(quiet50, _pcts(quiet, 99), 1), ""),
        ("other chats' turns while hashing: p50 / p99, ms", _pair(hash50, hash99, 1), ""),
        ("p99 while hashing / quiet p50", _fig(vs_quiet, 1), _goal(vs_quiet, _le5, "≤ 5")),
        ("p99 while hashing / p50 while hashing", _fig(within, 1), _goal(within, _le5, "≤ 5")),
    ]


def abuse_rows(runs: list[AbuseRun]) -> list[Row]:
    owner, quiet, attacked = (
        [r.owner for r in runs],
        [r.quiet for r in runs],
        [r.attacked for r in runs],
    )
    owner99 = _pcts(owner, 99)
    hit50, hit99 = _pcts(attacked, 50), _pcts(attacked, 99)
    within = [h / m for h, m in zip(hit99, hit50, strict=True)]
    verified = [100 * r.verified / r.attempts for r in runs if r.attempts]
    alone = [r.alone * 1000 for r in runs]
    return [
        ("one Argon2 verification alone (the box's speed), ms", _fig(alone), ""),
        ("owner's logins (all succeeded)", _fig([len(r.owner) for r in runs]), ""),
        ("owner's login p50 / p99, ms", _pair(_pcts(owner, 50), owner99), ""),
        (
            "owner's login p99, s",
            _fig([v / 1000 for v in owner99], 2),
            _goal(owner99, _le3s, "≤ 3 s"),
        ),
        ("attackers' wrong passwords", _fig([r.attempts for r in runs]), ""),
        ("… verified with Argon2 (the rest met a lock), %", _fig(verified, 1), ""),
        (
            "other chats' turns, quiet: p50 / p99, ms",
            _pair(_pcts(quiet, 50), _pcts(quiet, 99), 1),
            "",
        ),
        ("other chats' turns under attack: p50 / p99, ms", _pair(hit50, hit99, 1), ""),
        ("p99 / p50 under attack", _fig(within, 1), _goal(within, _le5, "≤ 5")),
    ]


def _le3s(value_ms: float) -> bool:
    return value_ms <= 3000


def _le5(value: float) -> bool:
    return value <= 5


def memory_rows(results: dict[int, list[dict[str, float]]]) -> list[Row]:
    sizes = sorted(results)
    rows: list[Row] = [
        (f"RSS after serving, {size:,} stored conversations, MB", _rss(results[size]), "")
        for size in sizes
    ]
    if len(sizes) > 1:
        low, high = results[sizes[0]], results[sizes[-1]]
        growth = [h["after"] - lo["after"] for h, lo in zip(high, low, strict=True)]
        goal = _goal(growth, lambda v: v <= 50, "≤ 50 MB")
        rows.append((f"growth {sizes[0]:,} → {sizes[-1]:,} stored, MB", _fig(growth, 1), goal))
    return rows


def _rss(results: list[dict[str, float]]) -> str:
    return _fig([r["after"] for r in results])


def workers_rows(runs: dict[int, list[WorkersRun]]) -> list[Row]:
    one, two = runs[1], runs[2]
    scale = [b.per_second / a.per_second for a, b in zip(one, two, strict=True)]
    return [
        ("1 worker process, updates/s", _fig([r.per_second for r in one]), ""),
        ("2 worker processes, updates/s", _fig([r.per_second for r in two]), ""),
        ("2 workers / 1 worker", _fig(scale, 2), ""),
        ("CPU µs/update, 1 / 2 workers", _pair(*(_cpu_us(r) for r in (one, two))), ""),
    ]


def _cpu_us(runs: list[WorkersRun]) -> list[float]:
    return [r.cpu / r.updates * 1e6 for r in runs]


def table(title: str, rows: list[Row]) -> list[str]:
    lines = [f"### {title}", "", "| figure | median (min–max) | goal |", "|---|---|---|"]
    return lines + [f"| {a} | {b} | {c} |" for a, b, c in rows] + [""]


def machine() -> list[str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    memory = next((line.split(":", 1)[1].strip() for line in _read("/proc/meminfo")), "?")
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {cpu}, {os.cpu_count()} cores, {memory} RAM, {platform.platform()}",
        f"- Python {platform.python_version()}; {versions}",
        f"- Git commit: {_commit()}",
    ]


def _read(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
        return out.stdout.strip() or "?"
    except OSError:
        return "?"
