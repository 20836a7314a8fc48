"""Check labelled YAML files against tests/nlu/INTENTS.md.

``python tests/nlu/check_labels.py FILE...``
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

INTENTS = {
    "upgrade_serial",
    "resend_cda",
    "forgot_password",
    "no_account",
    "download",
    "activation_help",
    "human_agent",
    "greeting",
    "thanks",
    "cancel",
    "help",
    "unknown",
}
PRODUCTS = {"SAE", "COI", "NOI", "CAJA", "PROD", "FACTURE", "BANCO", "ADM"}
SERIAL = re.compile(r"^[SCNJPFBA][A-Z]SN[A-Z]{2}\d{6}$")
KEYS = {"text", "intent", "product", "serial", "faq"}


def check(path: Path) -> list[str]:
    problems = []
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(items, list):
        return [f"{path}: not a YAML list"]
    counts: Counter[str] = Counter()
    seen = set()
    for n, item in enumerate(items, 1):
        where = f"{path}: item {n}"
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            problems.append(f"{where}: needs a text string")
            continue
        if set(item) - KEYS:
            problems.append(f"{where}: unknown keys {sorted(set(item) - KEYS)}")
        if item.get("intent") not in INTENTS:
            problems.append(f"{where}: intent {item.get('intent')!r} is not one of the twelve")
        if item.get("product") is not None and item["product"] not in PRODUCTS:
            problems.append(f"{where}: product {item['product']!r} is not a catalogue code")
        if item.get("serial") is not None and not SERIAL.match(str(item["serial"])):
            problems.append(f"{where}: serial {item['serial']!r} is not normalised or not valid")
        if item["text"].strip().lower() in seen:
            problems.append(f"{where}: duplicate text {item['text']!r}")
        seen.add(item["text"].strip().lower())
        counts[item.get("intent")] += 1
    print(
        f"{path}: {len(items)} items; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return problems


if __name__ == "__main__":
    found = [p for arg in sys.argv[1:] for p in check(Path(arg))]
    print("\n".join(found) or "labels OK")
    sys.exit(1 if found else 0)
