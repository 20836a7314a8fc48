"""Understanding what customers type (Mexican Spanish, typos, slang, English mixed in).

``understand(text) -> Understanding(intent, product, serial, confidence, faq)``. Keyword
concepts and weighted rules live in ``lexicon.toml`` (data); the FAQ answers in
``locales/es/faq.ftl`` under the ids of ``FAQ_KEYS``.
"""

from __future__ import annotations

from bot.nlu.engine import understand
from bot.nlu.lexicon import default_lexicon
from bot.nlu.model import Intent, Understanding

FAQ_KEYS: tuple[str, ...] = default_lexicon().faq_keys

__all__ = ["FAQ_KEYS", "Intent", "Understanding", "understand"]
