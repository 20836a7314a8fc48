"""Business hours and the next opening, in Mexico City time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.handoff.hours import BusinessHours

HOURS = BusinessHours.parse("mon-fri 09:00-18:00", "America/Mexico_City")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        ("2026-03-10T15:00", True),  # Tuesday 09:00 in Mexico City
        ("2026-03-10T14:59", False),  # 08:59
        ("2026-03-10T23:59", True),  # 17:59
        ("2026-03-11T00:00", False),  # 18:00
        ("2026-03-14T18:00", False),  # Saturday noon
    ],
)
def test_open_or_closed(at: str, is_open: bool) -> None:
    assert HOURS.is_open(utc(at)) is is_open


@pytest.mark.parametrize(
    ("at", "when", "weekday"),
    [
        ("2026-03-10T14:00", "today", "tue"),  # 08:00: opens in an hour
        ("2026-03-11T01:00", "tomorrow", "wed"),  # Tuesday 19:00
        ("2026-03-14T01:00", "later", "mon"),  # Friday 19:00: after the weekend
        ("2026-03-15T18:00", "tomorrow", "mon"),  # Sunday noon
    ],
)
def test_next_opening(at: str, when: str, weekday: str) -> None:
    opening = HOURS.next_opening(utc(at))
    assert (opening.when, opening.weekday, opening.time) == (when, weekday, "9:00")
    assert opening.at.hour == 9 and opening.at > utc(at)


def test_several_windows_and_lists() -> None:
    hours = BusinessHours.parse("mon,wed 08:30-14:00; sat 10:00-13:00", "America/Mexico_City")
    assert hours.is_open(utc("2026-03-14T16:30"))  # Saturday 10:30
    assert not hours.is_open(utc("2026-03-10T15:00"))  # Tuesday
    assert hours.next_opening(utc("2026-03-10T15:00")).time == "8:30"


@pytest.mark.parametrize("spec", ["", "weekdays 9-18", "mon-fri 9:00"])
def test_a_bad_spec_is_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        BusinessHours.parse(spec, "America/Mexico_City")
