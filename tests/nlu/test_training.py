"""The shipped classifier is the one the repository's data trains (bot/nlu/train.py).

Retraining is deterministic, so the committed ``bot/nlu/classifier.npz`` must be exactly what
``python -m bot.nlu.train`` makes from ``tests/nlu/data`` today; when the data changes, this
fails until someone retrains and commits the result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.nlu.classifier import ARTIFACT, Weights, default_weights
from bot.nlu.features import features, read
from bot.nlu.model import Intent

sklearn = pytest.importorskip("sklearn", reason="the 'train' extra (scikit-learn)")

from bot.nlu import train  # noqa: E402  (needs scikit-learn)

PROBES = [
    "quiero actualizar mi coi",
    "no me llegó el cda",
    "hola",
    "asdfgh",
    "",
    "¿cuánto cuesta el SAE?",
    "never mind",
]


@pytest.fixture(scope="module")
def retrained(tmp_path_factory: pytest.TempPathFactory) -> Weights:
    path = tmp_path_factory.mktemp("model") / "classifier.npz"
    train.train(train.DATA).save(path)
    return Weights.load(path)


def test_the_shipped_artifact_was_trained_on_todays_data() -> None:
    assert default_weights().meta["data_fingerprint"] == train.fingerprint(train.DATA), (
        "tests/nlu/data changed: run `python -m bot.nlu.train` and commit bot/nlu/classifier.*"
    )


def test_retraining_gives_the_same_model(retrained: Weights) -> None:
    shipped = default_weights()
    assert retrained.classes == shipped.classes
    assert retrained.vocabulary == shipped.vocabulary
    assert retrained.spec == shipped.spec
    for name in ("idf", "coef", "intercept", "calibration"):
        np.testing.assert_allclose(getattr(retrained, name), getattr(shipped, name), atol=1e-6)
    texts = [e.text for group in train.load_groups().values() for e in group] + PROBES
    for text in texts:
        feats = features(read(text), shipped.spec)
        a, b = retrained.probabilities(feats), shipped.probabilities(feats)
        assert a.argmax() == b.argmax(), text
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_numpy_inference_is_the_scikit_learn_pipeline() -> None:
    examples = [e for group in train.load_groups().values() for e in group]
    vectorizer, model = train.fit_pipeline(examples)
    weights = train.weights_of(vectorizer, model, train.SPEC)
    texts = [e.text for e in examples[::7]] + PROBES
    expected = model.predict_proba(vectorizer.transform(texts))
    got = np.array([weights.probabilities(features(read(t), weights.spec)) for t in texts])
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_the_artifact_is_plain_arrays() -> None:
    with np.load(ARTIFACT, allow_pickle=False) as arrays:  # no pickled objects inside
        assert set(arrays.files) == {"features", "idf", "coef", "intercept", "calibration"}


def test_training_data_is_big_enough_and_never_the_blind_set() -> None:
    meta = default_weights().meta
    assert not any("blind" in name or name.startswith("v1_") for name in meta["per_file"])
    assert set(meta["per_intent"]) == {i.value for i in Intent}
    assert min(meta["per_intent"].values()) >= 60
    assert meta["messages"] >= 1350


def test_training_refuses_the_blind_set(tmp_path: Path) -> None:
    blind = tmp_path / "blind"
    blind.mkdir()
    (blind / "v1_a.yaml").write_text("- {text: hola, intent: greeting}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="blind"):
        train.load_groups(tmp_path)
