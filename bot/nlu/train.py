"""Trains the intent classifier from the labelled messages: ``python -m bot.nlu.train``.

Every ``.yaml``/``.jsonl`` file under ``tests/nlu/data`` (sub-folders too) is training data;
the blind set (``tests/nlu/blind``) never is. The result is ``bot/nlu/classifier.npz`` (plain
arrays) and ``classifier.json`` (metadata: the data's fingerprint, counts, library versions),
both committed and shipped inside the package. Training is deterministic: the same data gives
the same weights (``tests/nlu/test_training.py`` retrains and compares).

``--cross-validate`` scores the same recipe on writers it has not seen: each group of files
(every persona file under ``train/``, and the files written in one sitting directly under
``data/``) is held out in turn and predicted by a model trained on the others.

Needs the ``train`` extra (scikit-learn); the bot itself needs only numpy at run time.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np

from bot.nlu.classifier import ARTIFACT, Weights
from bot.nlu.evaluate import Example, Report, data_files, evaluate, format_report, load_file
from bot.nlu.features import Spec, features, read
from bot.nlu.model import Intent

if TYPE_CHECKING:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer

# The checkout's labelled messages (from an installed package: the working directory's).
_CHECKOUT_DATA = Path(__file__).resolve().parents[2] / "tests" / "nlu" / "data"
DATA = _CHECKOUT_DATA if _CHECKOUT_DATA.is_dir() else Path("tests/nlu/data")
SPEC = Spec()
C = 1.0  # the linear SVM's regularisation (chosen by cross-validation, see the README)
CALIBRATION_FOLDS = 5


def group_of(file: Path, root: Path) -> str:
    """Files directly in the data folder were written in one sitting: one group."""
    return root.name if file.parent == root else file.stem


def load_groups(root: Path = DATA) -> dict[str, list[Example]]:
    groups: dict[str, list[Example]] = {}
    for file in data_files(root):
        if "blind" in file.resolve().parts:
            raise ValueError(f"{file}: the blind set is never training data")
        groups.setdefault(group_of(file, root), []).extend(load_file(file))
    return groups


def fingerprint(root: Path = DATA) -> str:
    """sha256 over the training files' names and bytes: tells a stale artifact."""
    digest = hashlib.sha256()
    for file in data_files(root):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def fit_pipeline(
    examples: Sequence[Example], spec: Spec = SPEC, c: float = C
) -> tuple[TfidfVectorizer, CalibratedClassifierCV]:
    """The scikit-learn pipeline: TF-IDF over ``features``, a linear SVM, sigmoid calibration
    (one model fitted on everything; the calibration from its cross-validated scores)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(
        analyzer=lambda text: features(read(text), spec), sublinear_tf=True, lowercase=False
    )
    matrix = vectorizer.fit_transform([e.text for e in examples])
    model = CalibratedClassifierCV(
        LinearSVC(C=c, random_state=0, max_iter=20_000),
        method="sigmoid",
        cv=StratifiedKFold(CALIBRATION_FOLDS),
        ensemble=False,
    )
    model.fit(matrix, [e.intent.value for e in examples])
    return vectorizer, model


def weights_of(
    vectorizer: TfidfVectorizer, model: CalibratedClassifierCV, spec: Spec = SPEC
) -> Weights:
    """The fitted pipeline as plain arrays, for ``Weights.probabilities``."""
    (calibrated,) = model.calibrated_classifiers_
    svm = calibrated.estimator
    return Weights(
        classes=tuple(Intent(c) for c in model.classes_),
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        coef=np.ascontiguousarray(svm.coef_.T, dtype=np.float64),
        intercept=np.asarray(svm.intercept_, dtype=np.float64),
        calibration=np.array(
            [[k.a_ for k in calibrated.calibrators], [k.b_ for k in calibrated.calibrators]],
            dtype=np.float64,
        ),
        spec=spec,
    )


def fit(examples: Sequence[Example], spec: Spec = SPEC, c: float = C) -> Weights:
    return weights_of(*fit_pipeline(examples, spec, c), spec)


def train(root: Path = DATA) -> Weights:
    import sklearn

    groups = load_groups(root)
    examples = [e for group in groups.values() for e in group]
    weights = fit(examples)
    weights.meta.update(
        data_fingerprint=fingerprint(root),
        messages=len(examples),
        per_file={name: len(group) for name, group in groups.items()},
        per_intent=dict(sorted(Counter(e.intent.value for e in examples).items())),
        features=len(weights.vocabulary),
        model=f"TF-IDF + LinearSVC(C={C}) + sigmoid calibration ({CALIBRATION_FOLDS} folds)",
        scikit_learn=sklearn.__version__,
        numpy=np.__version__,
    )
    return weights


def cross_validate(
    groups: dict[str, list[Example]], spec: Spec = SPEC, c: float = C
) -> dict[str, Report]:
    """Each group predicted by a model trained on all the others."""
    from bot.nlu.engine import Understander

    reports = {}
    for name, held_out in groups.items():
        rest = [e for other, group in groups.items() if other != name for e in group]
        reports[name] = evaluate(held_out, Understander(fit(rest, spec, c)))
    return reports


def cross_validation_table(reports: dict[str, Report]) -> str:
    lines = [f"{'held out':<14}{'messages':>9}{'intent':>9}{'product':>9}{'serial':>9}"]
    total = Report()
    for name, report in reports.items():
        total = total.merge(report)
        lines.append(
            f"{name:<14}{report.total:>9}{100 * report.intent_accuracy:>8.1f}%"
            f"{100 * report.product_accuracy:>8.1f}%{100 * report.serial_accuracy:>8.1f}%"
        )
    lines.append(
        f"{'all folds':<14}{total.total:>9}{100 * total.intent_accuracy:>8.1f}%"
        f"{100 * total.product_accuracy:>8.1f}%{100 * total.serial_accuracy:>8.1f}%"
    )
    return "\n".join(lines) + "\n\n" + format_report(total, timed=False)


@click.command()
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=DATA)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=ARTIFACT)
@click.option("--cross-validate", "cv", is_flag=True, help="Score held-out groups; write nothing.")
def main(data: Path, out: Path, cv: bool) -> None:
    """Train the intent classifier (or cross-validate its recipe) from labelled messages."""
    if cv:
        click.echo(cross_validation_table(cross_validate(load_groups(data))))
        return
    weights = train(data)
    weights.save(out)
    meta = weights.meta
    click.echo(f"{out}: {meta['messages']} messages, {meta['features']} features")
    click.echo("per intent: " + ", ".join(f"{k} {v}" for k, v in meta["per_intent"].items()))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(sys.argv[1:])
