"""Scores ``understand`` against labelled messages (YAML list or JSON lines)."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.nlu.engine import understand
from bot.nlu.model import Intent, Understanding


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: Intent
    product: str | None = None
    serial: str | None = None
    faq: str | None = None


@dataclass
class Report:
    total: int = 0
    intent_ok: int = 0
    product_ok: int = 0
    serial_ok: int = 0
    faq_ok: int = 0
    per_intent: Counter[str] = field(default_factory=Counter)
    per_intent_ok: Counter[str] = field(default_factory=Counter)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (expected, got)
    failures: list[tuple[Example, Understanding]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def ratio(self, hits: int) -> float:
        return hits / self.total if self.total else 0.0

    @property
    def intent_accuracy(self) -> float:
        return self.ratio(self.intent_ok)

    @property
    def product_accuracy(self) -> float:
        return self.ratio(self.product_ok)

    @property
    def serial_accuracy(self) -> float:
        return self.ratio(self.serial_ok)

    @property
    def faq_accuracy(self) -> float:
        return self.ratio(self.faq_ok)


def _example(raw: dict[str, object]) -> Example:
    def opt(key: str) -> str | None:
        value = raw.get(key)
        return None if value is None else str(value)

    return Example(
        str(raw["text"]), Intent(str(raw["intent"])), opt("product"), opt("serial"), opt("faq")
    )


def load_examples(path: Path) -> list[Example]:
    """A ``.yaml`` file, a ``.jsonl`` file, or a directory of them."""
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.jsonl")])
        return [example for file in files for example in load_examples(file)]
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        rows = yaml.safe_load(text) or []
    return [_example(row) for row in rows]


def _record(report: Report, example: Example, got: Understanding) -> None:
    report.total += 1
    report.per_intent[example.intent] += 1
    report.confusion[(example.intent, got.intent)] += 1
    intent_ok = got.intent == example.intent
    report.intent_ok += intent_ok
    report.per_intent_ok[example.intent] += intent_ok
    report.product_ok += got.product == example.product
    report.serial_ok += got.serial == example.serial
    report.faq_ok += got.faq == example.faq
    if not (
        intent_ok
        and got.product == example.product
        and got.serial == example.serial
        and got.faq == example.faq
    ):
        report.failures.append((example, got))


def evaluate(examples: list[Example]) -> Report:
    report = Report()
    for example in examples:
        start = time.perf_counter()
        got = understand(example.text)
        report.seconds.append(time.perf_counter() - start)
        _record(report, example, got)
    return report


def _percent(value: float) -> str:
    return f"{100 * value:5.1f}%"


def _timing(seconds: list[float]) -> str:
    if not seconds:
        return "timing: no messages"
    ordered = sorted(seconds)
    mean = sum(ordered) / len(ordered)
    p50, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95)]
    return (
        f"timing per message: mean {mean * 1e6:.0f} µs, median {p50 * 1e6:.0f} µs, "
        f"p95 {p95 * 1e6:.0f} µs, max {ordered[-1] * 1e6:.0f} µs"
    )


def _confusion(report: Report) -> list[str]:
    labels = [i.value for i in Intent]
    short = {label: label[:6] for label in labels}
    lines = [
        "confusion (rows expected, columns predicted):",
        " " * 16 + " ".join(f"{short[label]:>6}" for label in labels),
    ]
    for expected in labels:
        if report.per_intent[expected]:
            cells = " ".join(f"{report.confusion[(expected, got)] or '.':>6}" for got in labels)
            lines.append(f"{expected:<16}{cells}")
    return lines


def format_report(report: Report, failures: bool = False) -> str:
    lines = [f"messages: {report.total}", "intent accuracy per intent:"]
    for intent in Intent:
        if n := report.per_intent[intent]:
            ok = report.per_intent_ok[intent]
            lines.append(f"  {intent.value:<16}{_percent(ok / n)}  ({ok}/{n})")
    lines += [
        f"intent accuracy:  {_percent(report.intent_accuracy)}"
        f"  ({report.intent_ok}/{report.total})",
        f"product accuracy: {_percent(report.product_accuracy)}",
        f"serial accuracy:  {_percent(report.serial_accuracy)}",
        f"faq accuracy:     {_percent(report.faq_accuracy)}",
        _timing(report.seconds),
        *_confusion(report),
    ]
    if failures:
        lines.append("mismatches (expected -> got):")
        for example, got in report.failures:
            lines.append(f"  {example.text!r}\n    {_brief(example)} -> {_brief(got)}")
    return "\n".join(lines)


def _brief(item: Example | Understanding) -> str:
    return f"{item.intent.value} {item.product} {item.serial} {item.faq}"
