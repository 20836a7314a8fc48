"""Settings refuse business hours, time zones and holiday calendars the bot could not use."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


def test_the_defaults_are_valid() -> None:
    s = settings()
    assert (s.business_hours, s.timezone, s.holidays_country) == (
        "mon-fri 09:00-18:00",
        "America/Mexico_City",
        "MX",
    )


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("business_hours", "weekdays 9-18", "business_hours"),
        ("business_hours", "mon-fri 9:00", "business_hours"),
        ("timezone", "Mexico/Narnia", "timezone"),
        ("holidays_country", "ZZ", "ZZ"),
        ("holidays_subdivision", "XX", "XX"),
    ],
)
def test_a_bad_value_is_refused_and_named(field: str, value: str, named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        settings(**{field: value})


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUSINESS_HOURS", "mon-sat 08:00-14:00")
    monkeypatch.setenv("HOLIDAYS_COUNTRY", "")
    s = settings()
    assert (s.business_hours, s.holidays_country) == ("mon-sat 08:00-14:00", "")
    monkeypatch.setenv("TIMEZONE", "nowhere")
    with pytest.raises(ValidationError, match="timezone"):
        settings()


def test_a_command_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import click
    from click.testing import CliRunner

    from bot.bootstrap import settings_for

    seen: list[float] = []

    @click.command()
    def command() -> None:
        seen.append(settings_for().idle_timeout_minutes)
        os.environ["IDLE_TIMEOUT_MINUTES"] = "7"  # too late for this invocation
        seen.append(settings_for("sqlite:///other.db").idle_timeout_minutes)

    monkeypatch.setenv("IDLE_TIMEOUT_MINUTES", "5")
    assert CliRunner().invoke(command, []).exit_code == 0
    assert seen == [5, 5]
    assert CliRunner().invoke(command, []).exit_code == 0  # a new invocation reads it afresh
    assert seen[2:] == [7, 7]
