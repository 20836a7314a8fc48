"""``aspel-bot understand``: run the NLU on stdin, score it on a labelled set, or train it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.nlu.model import Understanding


def as_json(got: Understanding) -> str:
    return json.dumps(
        {
            "intent": got.intent.value,
            "product": got.product,
            "serial": got.serial,
            "confidence": got.confidence,
            "faq": got.faq,
            "ranked": [[scored.intent.value, scored.probability] for scored in got.ranked],
            "also": got.also.value if got.also else None,
        },
        ensure_ascii=False,
    )


@click.command(name="understand")
@click.option(
    "--evaluate",
    "dataset",
    type=click.Path(exists=True, path_type=Path),
    help="Labelled messages (.yaml, .jsonl, or a folder of them): print precision and recall "
    "per intent, accuracy, product/serial/FAQ extraction, a confusion table and timing.",
)
@click.option("--failures", is_flag=True, help="With --evaluate: also list every mismatch.")
@click.option(
    "--train",
    "train_data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    is_flag=False,
    flag_value=Path("tests/nlu/data"),
    help="Retrain the classifier from a folder of labelled messages (default tests/nlu/data) "
    "and write bot/nlu/classifier.npz/.json (needs the 'train' extra).",
)
@click.option(
    "--cross-validate",
    "cv_data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    is_flag=False,
    flag_value=Path("tests/nlu/data"),
    help="Hold out each writer's file in turn and score the recipe on it; writes nothing.",
)
def command(
    dataset: Path | None, failures: bool, train_data: Path | None, cv_data: Path | None
) -> None:
    """Read one customer message per line from stdin; print one JSON object per line.

    Each object has intent, product, serial (null when absent), confidence (0..1), faq,
    ranked (the three likeliest intents with their probabilities) and also (a second request).
    """
    if train_data is not None or cv_data is not None:
        from bot.nlu import classifier, train

        if cv_data is not None:
            click.echo(
                train.cross_validation_table(train.cross_validate(train.load_groups(cv_data)))
            )
        if train_data is not None:
            weights = train.train(train_data)
            weights.save()
            click.echo(f"trained on {weights.meta['messages']} messages: {classifier.ARTIFACT}")
        return
    if dataset is not None:
        from bot.nlu.evaluate import evaluate, format_report, load_examples

        if failures and "blind" in dataset.resolve().parts:
            raise click.UsageError("the blind set is scored in aggregate only: no --failures")
        click.echo(format_report(evaluate(load_examples(dataset)), failures=failures))
        return
    from bot.nlu import understand

    for line in sys.stdin:
        click.echo(as_json(understand(line.rstrip("\n"))))
