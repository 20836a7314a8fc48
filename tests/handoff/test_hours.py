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
        ("2026-03-07T01:00", "later", "mon"),  # Friday 19:00: after the weekend
        ("2026-03-08T18:00", "tomorrow", "mon"),  # Sunday noon
        ("2026-03-14T01:00", "later", "tue"),  # Friday 19:00; Monday 16 is Benito Juárez's day
        ("2026-03-15T18:00", "later", "tue"),  # Sunday noon, the same long weekend
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


@pytest.mark.parametrize(
    "at",
    [
        "2026-09-16T17:00",  # Wednesday 11:00, Independence Day
        "2026-03-16T17:00",  # Monday 11:00, Benito Juárez's birthday (third Monday of March)
        "2026-11-16T17:00",  # Monday 11:00, Revolution Day (third Monday of November)
        "2026-12-25T17:00",  # Friday 11:00, Christmas
        "2027-01-01T17:00",  # Friday 11:00, New Year's Day (any year)
    ],
)
def test_closed_on_mexican_federal_holidays(at: str) -> None:
    assert not HOURS.is_open(utc(at))
    no_holidays = BusinessHours.parse("mon-fri 09:00-18:00", "America/Mexico_City", country="")
    assert no_holidays.is_open(utc(at))


def test_the_day_after_a_holiday_opens_as_usual() -> None:
    assert HOURS.is_open(utc("2026-09-17T17:00"))  # Thursday 11:00
    opening = HOURS.next_opening(utc("2026-09-16T02:00"))  # Tuesday 20:00, the eve
    assert (opening.when, opening.weekday) == ("later", "thu")


def test_a_subdivision_brings_its_own_holidays() -> None:
    # Texas observes Texas Independence Day, 2 March; the federal US calendar does not.
    texas = BusinessHours.parse("mon-fri 09:00-18:00", "America/Chicago", "US", "TX")
    federal = BusinessHours.parse("mon-fri 09:00-18:00", "America/Chicago", "US")
    monday_noon = utc("2026-03-02T18:00")
    assert not texas.is_open(monday_noon) and federal.is_open(monday_noon)


@pytest.mark.parametrize(("country", "subdivision"), [("ZZ", None), ("MX", "XX")])
def test_an_unknown_calendar_is_refused(country: str, subdivision: str | None) -> None:
    with pytest.raises(ValueError):
        BusinessHours.parse("mon-fri 09:00-18:00", "America/Mexico_City", country, subdivision)
