"""``aspel-bot understand``: run the NLU on stdin, or score it against a labelled set."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.nlu.engine import understand


def _as_json(text: str) -> str:
    got = understand(text)
    return json.dumps(
        {
            "intent": got.intent.value,
            "product": got.product,
            "serial": got.serial,
            "confidence": got.confidence,
            "faq": got.faq,
        },
        ensure_ascii=False,
    )


@click.command(name="understand")
@click.option(
    "--evaluate",
    "dataset",
    type=click.Path(exists=True, path_type=Path),
    help="Labelled messages (.yaml, .jsonl, or a directory of them): print accuracy per "
    "intent, overall, product/serial/FAQ extraction, a confusion table and timing.",
)
@click.option("--failures", is_flag=True, help="With --evaluate: also list every mismatch.")
def command(dataset: Path | None, failures: bool) -> None:
    """Read one customer message per line from stdin; print one JSON object per line.

    Each object has intent, product, serial (null when absent), confidence (0..1) and faq.
    """
    if dataset is not None:
        from bot.nlu.evaluate import evaluate, format_report, load_examples

        click.echo(format_report(evaluate(load_examples(dataset)), failures=failures))
        return
    for line in sys.stdin:
        click.echo(_as_json(line.rstrip("\n")))
