"""Business hours of the advisors, e.g. ``"mon-fri 09:00-18:00"`` in America/Mexico_City.

A spec is one or more ``DAYS HH:MM-HH:MM`` windows separated by ``;``. DAYS is a day
(``sat``), a range (``mon-fri``) or a comma list (``mon,wed``). Times are local to the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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


@dataclass(frozen=True, slots=True)
class BusinessHours:
    windows: tuple[Window, ...]
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, timezone: str) -> BusinessHours:
        try:
            windows = _window_specs(spec)
        except ValueError as error:
            raise ValueError(f"business hours {spec!r}: {error}") from error
        if not windows:
            raise ValueError(f"business hours {spec!r}: no window")
        return cls(tuple(windows), ZoneInfo(timezone))

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        return any(
            w.weekday == local.weekday() and w.opens <= local.time() < w.closes
            for w in self.windows
        )

    def next_opening(self, at: datetime) -> Opening:
        """The first opening after ``at`` (which is outside business hours)."""
        local = at.astimezone(self.zone)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
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
        raise ValueError("business hours have no opening in a week")
