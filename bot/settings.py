"""Typed settings from the environment (and an optional ``.env``). Read once, at the root.

Names are the same everywhere: DATABASE_URL, TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL,
SMTP_URL, SUPPORT_CHAT_ID, TELEGRAM_WEBHOOK_SECRET, plus a few tuning knobs with sensible
defaults.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.handoff.hours import parse_windows, public_holidays


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///bot.db"
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    smtp_url: SecretStr | None = None  # smtp://user:pass@host:port, smtps://… for TLS
    smtp_from: str = "Aspel <no-reply@aspel.example>"
    support_chat_id: int | None = None
    outbox_dir: Path = Path("outbox")
    idle_timeout_minutes: float = 30.0
    handoff_reminder_minutes: float = 10.0  # a customer waiting for an advisor is reminded
    business_hours: str = "mon-fri 09:00-18:00"
    timezone: str = "America/Mexico_City"
    # public holidays (closed days) from the ``holidays`` package: ISO country code ("" for
    # none) and optional subdivision code
    holidays_country: str = "MX"
    holidays_subdivision: str | None = None
    log_level: str = "INFO"
    # ``aspel-bot serve``: the secret Telegram sends in X-Telegram-Bot-Api-Secret-Token
    telegram_webhook_secret: SecretStr | None = None
    # Argon2 cost for new password hashes (library defaults when unset); tune to the hardware
    argon2_time_cost: int | None = None
    argon2_memory_kib: int | None = None
    # threads (each with one connection) running turns on PostgreSQL; SQLite always uses one
    db_threads: int | None = None
    # the reply sender: how long a reply is retried (429, 5xx, network) before it is parked,
    # and how many Bot API messages per second the whole bot may send
    delivery_retry_minutes: float = 15.0
    send_rate: float = 30.0
    # Fernet keys that seal stored updates (comma-separated; the first seals). See
    # bot/storage/sealed.py; unset with SQLite: a key file beside the database.
    data_keys: SecretStr | None = None

    @field_validator("business_hours")
    @classmethod
    def _business_hours(cls, spec: str) -> str:
        parse_windows(spec)  # ValueError names the spec and what is wrong
        return spec

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {name!r} (e.g. America/Mexico_City)") from error
        return name

    @model_validator(mode="after")
    def _holidays(self) -> Self:
        public_holidays(self.holidays_country, self.holidays_subdivision)
        return self

    @property
    def delivery_retry(self) -> timedelta:
        return timedelta(minutes=self.delivery_retry_minutes)

    def with_database(self, url: str | None) -> Settings:
        """``--database URL`` wins over DATABASE_URL."""
        return self.model_copy(update={"database_url": url}) if url else self
