"""The NLU's public value types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


@dataclass(frozen=True, slots=True)
class Understanding:
    """What one customer message means.

    ``product`` is a catalogue code, ``serial`` a normalized serial, ``faq`` the Fluent id of
    the one answer (in ``locales/es/faq.ftl``) that covers the message, when there is one.
    ``confidence`` (0..1) is the classifier's confidence in its best intent; below the
    lexicon's threshold the intent is ``UNKNOWN``.
    """

    intent: Intent
    product: str | None
    serial: str | None
    confidence: float
    faq: str | None
