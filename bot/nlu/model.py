"""The NLU's public value types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Intent(StrEnum):
    UPGRADE_SERIAL = "upgrade_serial"
    RESEND_CDA = "resend_cda"
    FORGOT_PASSWORD = "forgot_password"
    NO_ACCOUNT = "no_account"
    DOWNLOAD = "download"
    ACTIVATION_HELP = "activation_help"
    HUMAN_AGENT = "human_agent"
    GREETING = "greeting"
    THANKS = "thanks"
    CANCEL = "cancel"
    HELP = "help"
    UNKNOWN = "unknown"


class Scored(NamedTuple):
    intent: Intent
    probability: float  # calibrated: over many messages, about this share is right


@dataclass(frozen=True, slots=True)
class Understanding:
    """What one customer message means.

    ``product`` is a catalogue code, ``serial`` a normalized serial, ``faq`` the Fluent id of
    the one answer (in ``locales/es/faq.ftl``) that covers the message, when there is one.
    ``confidence`` (0..1) is the classifier's calibrated probability of ``intent``;
    ``ranked`` the three likeliest intents with theirs, best first. ``also`` is a second
    request found in the same message ("no puedo entrar y ademas necesito el CDA": intent
    ``forgot_password``, the blocker, also ``resend_cda``), else ``None``.
    """

    intent: Intent
    product: str | None
    serial: str | None
    confidence: float
    faq: str | None
    ranked: tuple[Scored, ...] = ()
    also: Intent | None = None
