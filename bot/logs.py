"""Logging for the long-running commands: never a token, a secret or a customer's text.

``configure_logging`` sets levels (httpx logs request URLs, which hold the token; PTB logs raw
API results at DEBUG, and getUpdates results hold what customers typed; ``transitions`` logs
several lines per trigger) and puts ``RedactSecrets`` on every handler. Code never logs message
text in the first place; the filter is the second line of defence for the secrets it knows.
"""

from __future__ import annotations

import logging
import sys

from bot.settings import Settings

NOISY_LOGGERS = ("httpx", "httpcore")


class RedactSecrets(logging.Filter):
    """Replaces each secret by ``[secret]`` in a record's message and traceback."""

    def __init__(self, *secrets_: str) -> None:
        super().__init__()
        self.secrets = [s for s in secrets_ if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(settings: Settings, *more_secrets: str) -> None:
    logging.basicConfig(level=settings.log_level, stream=sys.stderr)
    level = logging.getLogger().getEffectiveLevel()
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(max(logging.INFO, level))
    logging.getLogger("transitions").setLevel(
        logging.INFO if level <= logging.DEBUG else logging.WARNING
    )
    secrets = [
        s.get_secret_value()
        for s in (settings.telegram_bot_token, settings.telegram_webhook_secret, settings.smtp_url)
        if s is not None
    ]
    redact = RedactSecrets(*secrets, *more_secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
