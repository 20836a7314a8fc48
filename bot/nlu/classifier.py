"""The trained intent classifier at run time: numpy only, weights from ``classifier.npz``.

TF-IDF (sublinear term frequency, smoothed idf, l2 norm) over ``features.features``, a
linear model, then per-intent sigmoid calibration normalised to sum 1 — the same arithmetic
as the scikit-learn pipeline of ``bot/nlu/train.py``, which writes the files. No pickle: the
NPZ holds plain arrays (``allow_pickle=False``) and the JSON the metadata.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.nlu.features import Spec
from bot.nlu.model import Intent

ARTIFACT = Path(__file__).with_name("classifier.npz")
METADATA = ARTIFACT.with_suffix(".json")

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Weights:
    classes: tuple[Intent, ...]
    vocabulary: dict[str, int]
    idf: Floats  # (features,)
    coef: Floats  # (features, classes)
    intercept: Floats  # (classes,)
    calibration: Floats  # (2, classes): sigmoid a and b per intent
    spec: Spec
    meta: dict[str, object] = field(default_factory=dict)

    def probabilities(self, features: Iterable[str]) -> Floats:
        """Calibrated probability of each of ``classes`` (they sum to 1)."""
        counts = Counter(features)
        columns = np.array(list(map(self.vocabulary.get, counts, repeat(-1))), dtype=np.intp)
        known = columns >= 0
        if known.any():
            columns = columns[known]
            tf = 1.0 + np.log(np.fromiter(counts.values(), np.float64, len(counts))[known])
            values = tf * self.idf[columns]
            values /= math.sqrt(values @ values)
            scores = values @ self.coef[columns] + self.intercept
        else:
            scores = self.intercept.copy()
        a, b = self.calibration
        # sigmoid calibration: 1 / (1 + exp(a * score + b)), clipped against overflow
        proba = 1.0 / (1.0 + np.exp(np.clip(a * scores + b, -700.0, 700.0)))
        total = proba.sum()
        if total <= 0.0:
            return np.full(len(self.classes), 1.0 / len(self.classes))
        return proba / total

    def save(self, path: Path = ARTIFACT) -> None:
        names = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(
            path,
            features=np.array(names, dtype=np.str_),
            idf=self.idf.astype(np.float32),  # float32 halves the file; scores move by ~1e-7
            coef=self.coef.astype(np.float32),
            intercept=self.intercept,
            calibration=self.calibration,
        )
        meta = {
            **self.meta,
            "classes": [c.value for c in self.classes],
            "spec": self.spec.as_dict(),
        }
        text = json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        path.with_suffix(".json").write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> Weights:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(path, allow_pickle=False) as arrays:
            names = arrays["features"].tolist()
            return cls(
                classes=tuple(Intent(c) for c in meta.pop("classes")),
                vocabulary={name: i for i, name in enumerate(names)},
                idf=arrays["idf"].astype(np.float64),
                coef=arrays["coef"].astype(np.float64),
                intercept=arrays["intercept"].astype(np.float64),
                calibration=arrays["calibration"].astype(np.float64),
                spec=Spec.from_dict(meta.pop("spec")),
                meta=meta,
            )


@cache
def default_weights() -> Weights:
    return Weights.load()
