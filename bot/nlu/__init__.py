"""Understanding what customers type (Mexican Spanish, typos, slang, English mixed in).

``understand(text) -> Understanding(intent, product, serial, confidence, faq, ranked, also)``:
a trained classifier decides the intent (``classifier.py``, trained by ``train.py``); product
nicknames are catalogue data (``bot/domain/catalogue.toml``); slang, keyword concepts and FAQ
rules live in ``lexicon.toml``; the FAQ answers in ``locales/es/faq.ftl`` under the ids of
``FAQ_KEYS``. At the engine's questions, ``yes_no`` reads a loose confirmation and ``choose``
picks one of the offered options (``replies.py``, data in ``replies.toml``).
"""

from __future__ import annotations

from bot.nlu.engine import understand
from bot.nlu.lexicon import default_lexicon
from bot.nlu.model import Intent, Scored, Understanding
from bot.nlu.replies import choose, options, yes_no

FAQ_KEYS: tuple[str, ...] = default_lexicon().faq_keys

__all__ = [
    "FAQ_KEYS",
    "Intent",
    "Scored",
    "Understanding",
    "choose",
    "options",
    "understand",
    "yes_no",
]
