"""``understand(text)``: intent, product, serial, confidence and FAQ of one message."""

from __future__ import annotations

from collections import defaultdict

from bot.nlu.extract import find_product, find_serial, product_of_serial
from bot.nlu.lexicon import Lexicon, Rule, default_lexicon
from bot.nlu.model import Intent, Understanding
from bot.nlu.normalize import Corrector, normalize

_LEXICON = default_lexicon()
_CORRECTOR = Corrector(_LEXICON.slang, _LEXICON.targets, _LEXICON.known)
_SMOOTHING = 1.0  # keeps a lone weak match from claiming full confidence


def concepts_of(normalized: str, serial: str | None, lexicon: Lexicon = _LEXICON) -> set[str]:
    present = {name for name, rx in lexicon.concepts.items() if rx.search(normalized)}
    if serial:
        present.add("has_serial")
    return present


def first_faq(present: set[str], lexicon: Lexicon = _LEXICON) -> Rule | None:
    return next((rule for rule in lexicon.faq_rules if rule.holds(present)), None)


def score(present: set[str], faq: Rule | None, lexicon: Lexicon = _LEXICON) -> dict[Intent, float]:
    scores: dict[Intent, float] = defaultdict(float)
    for rule in lexicon.rules:
        if rule.holds(present):
            scores[rule.intent] += rule.weight
    if faq is not None:
        scores[faq.intent] += faq.weight
    return scores


def decide(scores: dict[Intent, float], lexicon: Lexicon = _LEXICON) -> tuple[Intent, float]:
    """Best intent and its confidence; weak intents only win alone."""
    strong = {i: s for i, s in scores.items() if i not in lexicon.weak and s > 0}
    pool = strong or {i: s for i, s in scores.items() if s > 0}
    if not pool:
        return Intent.UNKNOWN, 0.0
    ranked = sorted(pool.values(), reverse=True)
    best = max(pool, key=pool.__getitem__)
    runner_up = ranked[1] if len(ranked) > 1 else 0.0
    confidence = ranked[0] / (ranked[0] + runner_up + _SMOOTHING)
    if confidence < lexicon.threshold:
        return Intent.UNKNOWN, confidence
    return best, confidence


def _anchor(normalized: str, lexicon: Lexicon) -> int | None:
    match = lexicon.concepts["want"].search(normalized)
    return match.start() if match else None


def understand(text: str) -> Understanding:
    """Read one customer message. Never raises for any ``str``."""
    normalized = normalize(text, _CORRECTOR)
    serial = find_serial(text)
    present = concepts_of(normalized, serial)
    faq_rule = first_faq(present)
    intent, confidence = decide(score(present, faq_rule))
    product = find_product(normalized, _LEXICON.products, _anchor(normalized, _LEXICON))
    if product is None and serial is not None:
        product = product_of_serial(serial)
    faq = _LEXICON.intent_faq.get(intent) or (faq_rule.faq if faq_rule else None)
    return Understanding(intent, product, serial, round(confidence, 3), faq)
