"""``understand(text)``: intent, product, serial, confidence, FAQ, ranked intents and a second
request, for one message.

The intent is the trained classifier's (``classifier.py``); product and serial come from the
catalogue's nicknames and the serial model (``products.py``, ``extract.py``); the FAQ answer
from the lexicon's rules. A message of several clauses is also read clause by clause, to find
a second request and to put a blocker (a forgotten password, no account) first, as
``tests/nlu/INTENTS.md`` asks.
"""

from __future__ import annotations

import re

import numpy as np

from bot.nlu.classifier import Weights, default_weights
from bot.nlu.features import Reading, features, read
from bot.nlu.lexicon import Lexicon, default_lexicon
from bot.nlu.model import Intent, Scored, Understanding
from bot.nlu.products import find_product, product_of_serial

BLOCKERS = (Intent.FORGOT_PASSWORD, Intent.NO_ACCOUNT)
REQUESTS = frozenset(
    {
        Intent.UPGRADE_SERIAL,
        Intent.RESEND_CDA,
        Intent.FORGOT_PASSWORD,
        Intent.NO_ACCOUNT,
        Intent.DOWNLOAD,
        Intent.ACTIVATION_HELP,
        Intent.HUMAN_AGENT,
    }
)
BLOCKED = frozenset({Intent.UPGRADE_SERIAL, Intent.RESEND_CDA, Intent.DOWNLOAD})
# Requests about a system: there "mi nomina" is Aspel NOI (catalogue.toml, in_requests).
ABOUT_A_SYSTEM = frozenset(
    {Intent.UPGRADE_SERIAL, Intent.RESEND_CDA, Intent.DOWNLOAD, Intent.ACTIVATION_HELP}
)
CLAUSE_MIN = 0.6  # a clause's request counts from this probability on
BLOCKER_MIN = 0.9  # a clause's blocker goes first from this probability on, when the whole
BLOCKER_WHOLE = 0.1  # message gives it at least this one (a clause alone can mislead)
MAX_CLAUSES = 4
CLAUSE_WORDS = 3  # a clause has at least this many words ("buenas tardes," is none)
_CLAUSE = re.compile(
    r"[.;:!?]+|,\s*(?=y |pero |tambien |ademas |aparte |and )|"
    r"\b(?:y ademas|ademas|y tambien|tambien|aparte|y de paso|de paso|pero primero|pero antes|"
    r"y luego|and also|also)\b",
    re.IGNORECASE,
)


class Understander:
    """Reads messages with one set of weights (the shipped ones, or a fold's in training)."""

    def __init__(self, weights: Weights, lexicon: Lexicon | None = None):
        self.weights = weights
        self.lexicon = lexicon or default_lexicon()

    def proba(self, reading: Reading) -> np.ndarray:
        return self.weights.probabilities(features(reading, self.weights.spec))

    def __call__(self, text: str) -> Understanding:
        reading = read(text, self.lexicon)
        if not reading.words:
            return Understanding(Intent.UNKNOWN, None, reading.serial, 0.0, None)
        proba = self.proba(reading)
        order = np.argsort(-proba, kind="stable")
        classes = self.weights.classes
        ranked = tuple(Scored(classes[i], round(float(proba[i]), 3)) for i in order[:3])
        intent, also = self._second_request(reading, proba)
        confidence = float(proba[classes.index(intent)])
        product = find_product(
            reading.words, reading.typed, self._anchor(reading), intent in ABOUT_A_SYSTEM
        )
        if product is None and reading.serial is not None:
            product = product_of_serial(reading.serial)
        return Understanding(
            intent,
            product,
            reading.serial,
            round(confidence, 3),
            self._faq(intent, reading),
            ranked,
            also,
        )

    def _second_request(
        self, whole_reading: Reading, whole: np.ndarray
    ) -> tuple[Intent, Intent | None]:
        """The message's intent (a blocker first) and a second request, clause by clause."""
        classes = self.weights.classes
        intent = classes[int(whole.argmax())]
        split = _CLAUSE.split(whole_reading.folded)
        clauses = [c for c in split if len(c.split()) >= CLAUSE_WORDS]
        if len(clauses) < 2:
            return intent, None
        found: list[tuple[Intent, float]] = []
        for clause in clauses[:MAX_CLAUSES]:
            proba = self.proba(read(clause, self.lexicon))
            best = int(proba.argmax())
            if proba[best] >= CLAUSE_MIN and classes[best] in REQUESTS:
                found.append((classes[best], float(proba[best])))
        blocker = next(
            (
                i
                for i, p in found
                if i in BLOCKERS and p >= BLOCKER_MIN and whole[classes.index(i)] >= BLOCKER_WHOLE
            ),
            None,
        )
        if intent in BLOCKED and blocker is not None:
            return blocker, intent
        also = next((i for i, _p in found if i != intent), None)
        return intent, also

    def _anchor(self, reading: Reading) -> int | None:
        """The word where the request starts ("quiero …"): the product named after it wins."""
        match = self.lexicon.concepts["want"].search(reading.normalized)
        return len(reading.normalized[: match.start()].split()) if match else None

    def _faq(self, intent: Intent, reading: Reading) -> str | None:
        if intent in self.lexicon.intent_faq:
            return self.lexicon.intent_faq[intent]
        return reading.faq


_DEFAULT: Understander | None = None


def understand(text: str) -> Understanding:
    """Read one customer message. Never raises for any ``str``."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Understander(default_weights())
    return _DEFAULT(text)
