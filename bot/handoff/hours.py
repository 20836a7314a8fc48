"""Business hours of the advisors, e.g. ``"mon-fri 09:00-18:00"`` in America/Mexico_City.

A spec is one or more ``DAYS HH:MM-HH:MM`` windows separated by ``;``. DAYS is a day
(``sat``), a range (``mon-fri``) or a comma list (``mon,wed``). Times are local to the zone.

Public holidays are closed days: the ``holidays`` package's calendar for a country (Mexico's
federal holidays by default: 1 January, the Mondays of the Constitution, Juarez's birthday and
the Revolution, 1 May, 16 September, 25 December, the presidential inauguration) and, optionally,
one of its subdivisions. An empty country means no holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Enough for a one-day-a-week schedule whose day falls on holidays two weeks running.
LOOK_AHEAD_DAYS = 22


@dataclass(frozen=True, slots=True)
class Window:
    weekday: int  # Monday = 0
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class Opening:
    """When advisors are next available, as the customer is told."""

    at: datetime  # local time in the business zone
    when: str  # "today" | "tomorrow" | "later"
    weekday: str  # "mon" … "sun"
    time: str  # "9:00"


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.lower().split(","):
        first, _, last = part.strip().partition("-")
        start = DAYS.index(first)
        end = DAYS.index(last) if last else start
        days += list(range(start, end + 1)) if start <= end else [*range(start, 7), *range(end + 1)]
    return days


def _window_specs(spec: str) -> list[Window]:
    windows: list[Window] = []
    for chunk in filter(None, (c.strip() for c in spec.split(";"))):
        days, _, span = chunk.partition(" ")
        opens, _, closes = span.strip().partition("-")
        windows += [
            Window(day, time.fromisoformat(opens), time.fromisoformat(closes))
            for day in _days(days)
        ]
    return windows


def parse_windows(spec: str) -> tuple[Window, ...]:
    """The windows of a spec; ``ValueError`` naming the spec when it is not one."""
    try:
        windows = _window_specs(spec)
    except ValueError as error:
        raise ValueError(f"business hours {spec!r}: {error}") from error
    if not windows:
        raise ValueError(f"business hours {spec!r}: no window")
    return tuple(windows)


def public_holidays(country: str, subdivision: str | None = None) -> holidays.HolidayBase | None:
    """The public holidays of ``country`` (ISO 3166 code) and subdivision; None when no country.
    ``ValueError`` for a country or subdivision the ``holidays`` package does not know."""
    if not country:
        return None
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError as error:
        raise ValueError(str(error)) from error


@dataclass(frozen=True, slots=True)
class BusinessHours:
    windows: tuple[Window, ...]
    zone: ZoneInfo
    closed_on: holidays.HolidayBase | None = None  # public holidays (computed per year, lazily)

    @classmethod
    def parse(
        cls, spec: str, timezone: str, country: str = "MX", subdivision: str | None = None
    ) -> BusinessHours:
        return cls(parse_windows(spec), ZoneInfo(timezone), public_holidays(country, subdivision))

    def _working(self, day: date) -> bool:
        return self.closed_on is None or day not in self.closed_on

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        return self._working(local.date()) and any(
            w.weekday == local.weekday() and w.opens <= local.time() < w.closes
            for w in self.windows
        )

    def next_opening(self, at: datetime) -> Opening:
        """The first opening after ``at`` (which is outside business hours)."""
        local = at.astimezone(self.zone)
        for ahead in range(LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=ahead)
            if not self._working(day):
                continue
            starts = sorted(w.opens for w in self.windows if w.weekday == day.weekday())
            for opens in starts:
                candidate = datetime.combine(day, opens, self.zone)
                if candidate > local:
                    return Opening(
                        at=candidate,
                        when=("today", "tomorrow")[ahead] if ahead < 2 else "later",
                        weekday=DAYS[day.weekday()],
                        time=f"{opens.hour}:{opens.minute:02d}",
                    )
        raise ValueError(f"business hours have no opening in {LOOK_AHEAD_DAYS} days")
