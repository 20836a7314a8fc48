"""Scores a reader of messages against labelled ones (YAML lists or JSON lines).

The report holds aggregate figures only (per-intent precision and recall, accuracy, product,
serial and FAQ extraction, a confusion table of counts, timing); the mismatches are kept apart
and printed only when asked for.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.nlu.model import Intent, Understanding

Reader = Callable[[str], Understanding]


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: Intent
    product: str | None = None
    serial: str | None = None
    faq: str | None = None
    source: str = ""  # the file it came from (its stem): the writer, for grouped folds
    faq_labelled: bool = False  # whether its file labels FAQ answers at all


@dataclass
class Report:
    total: int = 0
    intent_ok: int = 0
    product_ok: int = 0
    serial_ok: int = 0
    faq_total: int = 0
    faq_ok: int = 0
    per_intent: Counter[str] = field(default_factory=Counter)
    per_intent_ok: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
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
        return self.faq_ok / self.faq_total if self.faq_total else 0.0

    def recall(self, intent: str) -> float:
        n = self.per_intent[intent]
        return self.per_intent_ok[intent] / n if n else 0.0

    def precision(self, intent: str) -> float:
        n = self.predicted[intent]
        return self.confusion[(intent, intent)] / n if n else 0.0

    def merge(self, other: Report) -> Report:
        """The two reports as one (for cross-validation: the folds added up)."""
        merged = Report()
        for name in ("total", "intent_ok", "product_ok", "serial_ok", "faq_total", "faq_ok"):
            setattr(merged, name, getattr(self, name) + getattr(other, name))
        for name in ("per_intent", "per_intent_ok", "predicted", "confusion"):
            setattr(merged, name, getattr(self, name) + getattr(other, name))
        merged.failures = self.failures + other.failures
        merged.seconds = self.seconds + other.seconds
        return merged


def _example(raw: dict[str, object], source: str, faq_labelled: bool) -> Example:
    def opt(key: str) -> str | None:
        value = raw.get(key)
        return None if value is None else str(value)

    return Example(
        str(raw["text"]),
        Intent(str(raw["intent"])),
        opt("product"),
        opt("serial"),
        opt("faq"),
        source,
        faq_labelled,
    )


def data_files(path: Path) -> list[Path]:
    """``path`` itself, or every ``.yaml``/``.jsonl`` file under it (sub-folders too), sorted."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".jsonl") and p.is_file())


def load_file(path: Path) -> list[Example]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        rows = yaml.safe_load(text) or []
    faq_labelled = any("faq" in row for row in rows)
    return [_example(row, path.stem, faq_labelled) for row in rows]


def load_examples(path: Path) -> list[Example]:
    """A ``.yaml`` file, a ``.jsonl`` file, or a directory of them (recursively)."""
    return [example for file in data_files(path) for example in load_file(file)]


def _record(report: Report, example: Example, got: Understanding) -> None:
    report.total += 1
    report.per_intent[example.intent] += 1
    report.predicted[got.intent] += 1
    report.confusion[(example.intent, got.intent)] += 1
    intent_ok = got.intent == example.intent
    report.intent_ok += intent_ok
    report.per_intent_ok[example.intent] += intent_ok
    report.product_ok += got.product == example.product
    report.serial_ok += got.serial == example.serial
    faq_ok = got.faq == example.faq or not example.faq_labelled
    if example.faq_labelled:
        report.faq_total += 1
        report.faq_ok += faq_ok
    extracted = (got.product, got.serial) == (example.product, example.serial)
    if not (intent_ok and faq_ok and extracted):
        report.failures.append((example, got))


def evaluate(examples: Iterable[Example], reader: Reader | None = None) -> Report:
    """Each example read by ``reader`` (default: ``bot.nlu.understand``), timed."""
    if reader is None:
        from bot.nlu.engine import understand

        reader = understand
    report = Report()
    for example in examples:
        start = time.perf_counter()
        got = reader(example.text)
        report.seconds.append(time.perf_counter() - start)
        _record(report, example, got)
    return report


def _percent(value: float) -> str:
    return f"{100 * value:5.1f}%"


def timing(seconds: list[float]) -> str:
    if not seconds:
        return "timing: no messages"
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1e6

    mean = sum(ordered) / len(ordered) * 1e6
    return (
        f"timing per message: median {at(0.5):.0f} µs, p99 {at(0.99):.0f} µs, "
        f"mean {mean:.0f} µs, max {ordered[-1] * 1e6:.0f} µs"
    )


_SHORT = {
    "upgrade_serial": "upgrad",
    "resend_cda": "cda",
    "forgot_password": "passwd",
    "no_account": "noacct",
    "download": "downld",
    "activation_help": "activ",
    "human_agent": "human",
    "greeting": "greet",
    "thanks": "thanks",
    "cancel": "cancel",
    "help": "help",
    "unknown": "unknwn",
}


def _confusion(report: Report) -> list[str]:
    labels = [i.value for i in Intent]
    lines = [
        "confusion (rows expected, columns predicted):",
        " " * 16 + " ".join(f"{_SHORT[label]:>6}" for label in labels),
    ]
    for expected in labels:
        if report.per_intent[expected]:
            cells = " ".join(f"{report.confusion[(expected, got)] or '.':>6}" for got in labels)
            lines.append(f"{expected:<16}{cells}")
    return lines


def format_report(report: Report, failures: bool = False, timed: bool = True) -> str:
    lines = [
        f"messages: {report.total}",
        f"{'intent':<16}{'precision':>10}{'recall':>9}  (right/expected)",
    ]
    for intent in Intent:
        if report.per_intent[intent] or report.predicted[intent]:
            lines.append(
                f"  {intent.value:<14}{_percent(report.precision(intent)):>10}"
                f"{_percent(report.recall(intent)):>9}"
                f"  ({report.per_intent_ok[intent]}/{report.per_intent[intent]})"
            )
    faq = (
        f"{_percent(report.faq_accuracy)}  (on {report.faq_total} with FAQ labels)"
        if report.faq_total
        else "  not labelled"
    )
    lines += [
        f"intent accuracy:  {_percent(report.intent_accuracy)}"
        f"  ({report.intent_ok}/{report.total})",
        f"product accuracy: {_percent(report.product_accuracy)}",
        f"serial accuracy:  {_percent(report.serial_accuracy)}",
        f"faq accuracy:     {faq}",
        *([timing(report.seconds)] if timed else []),
        *_confusion(report),
    ]
    if failures:
        lines.append("mismatches (expected -> got):")
        for example, got in report.failures:
            lines.append(f"  {example.text!r}\n    {_brief(example)} -> {_brief(got)}")
    return "\n".join(lines)


def _brief(item: Example | Understanding) -> str:
    return f"{item.intent.value} {item.product} {item.serial} {item.faq}"
