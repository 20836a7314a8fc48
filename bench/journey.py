"""What every benchmark chat does: log in, upgrade a subscription, then resend another's CDA.

Chat ``i`` belongs to the bench account ``i`` (``bench.dataset``): one subscription to upgrade
(Aspel COI 8.0) and one whose CDA is resent (Aspel NOI 9.0). Eleven updates, one of them the
password; two e-mails to the outbox.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from bot.conversation import keyboards as kb

PASSWORD = "Bench-Clave-2026"
CHAT_BASE = 700_000_000  # Telegram chat id of chat 0


@dataclass(frozen=True, slots=True)
class Turn:
    kind: str  # "text" | "press"
    value: str
    login: bool = False  # the password turn: Argon2 runs here


def pair(i: int) -> str:
    letters = string.ascii_uppercase
    return letters[(i // 26) % 26] + letters[i % 26]


def username(i: int) -> str:
    return f"cliente{i:06d}"


def upgrade_serial(i: int) -> str:
    return f"CLSN{pair(i)}{i:06d}"  # Aspel COI 8.0


def cda_serial(i: int) -> str:
    return f"NMSN{pair(i)}{i:06d}"  # Aspel NOI 9.0


def chat_id(i: int) -> int:
    return CHAT_BASE + i


def journey(i: int) -> list[Turn]:
    return [
        Turn("text", "/start"),
        Turn("press", kb.UPGRADE),
        Turn("text", username(i)),
        Turn("text", PASSWORD, login=True),
        Turn("press", kb.SUBSCRIPTIONS),
        Turn("press", kb.SERIAL_PREFIX + upgrade_serial(i)),
        Turn("press", kb.ACCEPT),
        Turn("press", kb.CDA),
        Turn("press", kb.SUBSCRIPTIONS),
        Turn("press", kb.SERIAL_PREFIX + cda_serial(i)),
        Turn("press", kb.SEND_CDA),
    ]


TURNS_PER_CHAT = len(journey(0))
EMAILS_PER_CHAT = 2
