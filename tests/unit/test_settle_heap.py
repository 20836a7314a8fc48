"""``settle_heap``: start-up's objects are frozen out of the collector's sight, once."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json
from bot.bootstrap import settle_heap
from bot.nlu.classifier import default_weights
import bot.conversation.engine  # what ``build`` imports
before = len(gc.get_objects())
settle_heap()
weights = default_weights.cache_info().currsize
frozen = gc.get_freeze_count()
tracked = len(gc.get_objects())
model_seen = any(o is default_weights() for o in gc.get_objects())
later = [[i] for i in range(1000)]  # a turn's allocations, after start-up
settle_heap()
print(json.dumps({"before": before, "frozen": frozen, "tracked": tracked, "weights": weights,
    "model_seen": model_seen, "frozen_again": gc.get_freeze_count(),
    "later_seen": any(o is later for o in gc.get_objects())}))
"""


def test_start_up_objects_are_frozen_and_later_ones_are_not() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    seen = json.loads(probe.stdout.splitlines()[-1])
    assert seen["weights"] == 1  # the NLU model was loaded before the freeze
    assert not seen["model_seen"]  # … and is frozen with the rest
    assert seen["frozen"] >= seen["before"] > 50_000  # the modules' objects, all of them
    assert seen["tracked"] < seen["before"] / 20  # what a full collection still walks
    assert seen["frozen_again"] == seen["frozen"]  # once per process: later objects stay
    assert seen["later_seen"]  # … collectable as before
