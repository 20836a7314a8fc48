"""The funnel for Prometheus: a custom collector computing the figures at scrape time.

Register it where the server runs::

    REGISTRY.register(FunnelCollector.from_url(settings.database_url,
                                               idle=timedelta(minutes=settings.idle_timeout_minutes)))

Figures are gauges over a rolling window (default 7 days), one series per journey and product
(``product=""`` when the customer left before choosing a serial), so that ``sum by (journey)``
gives a journey's totals without counting anything twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.report import store
from bot.report.funnel import JOURNEYS, FlowRow, Funnel, Instance, Reason, funnel, instances
from bot.storage.db import Database

Rows = Callable[[datetime | None], Sequence[FlowRow]]
PREFIX = "aspel_funnel"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FunnelCollector(Collector):
    def __init__(
        self,
        rows: Rows,
        *,
        idle: timedelta,
        window: timedelta | None = timedelta(days=7),
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.rows, self.idle, self.window, self.clock = rows, idle, window, clock

    @classmethod
    def from_db(cls, db: Database, *, idle: timedelta, **options: object) -> FunnelCollector:
        """Reads synchronously: a scrape runs on a thread of its own, outside the event loop."""
        return cls(lambda since: store.read(db, since), idle=idle, **options)  # type: ignore[arg-type]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        since = now - self.window if self.window else None
        found = instances(self.rows(since), now=now, idle=self.idle, since=since)
        yield from _families([f for journey in JOURNEYS for f in _per_product(found, journey)])

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from _families([])  # names only: registering does not query the database


def _per_product(found: Sequence[Instance], journey: str) -> list[Funnel]:
    products = {i.product for i in found if i.journey == journey}
    return [_funnel_of(found, journey, p) for p in sorted(products, key=lambda p: p or "")]


def _funnel_of(found: Sequence[Instance], journey: str, product: str | None) -> Funnel:
    mine = [i for i in found if i.product == product]
    result = funnel(mine, journey)
    result.product = product or ""
    return result


def _families(funnels: list[Funnel]) -> list[GaugeMetricFamily]:
    keys = ["journey", "product"]
    started = GaugeMetricFamily(
        f"{PREFIX}_started", "Journey instances started in the window.", labels=keys
    )
    outcomes = GaugeMetricFamily(
        f"{PREFIX}_outcome",
        "Journey instances by outcome (completed, abandoned, advisor, in_progress).",
        labels=[*keys, "outcome"],
    )
    reached = GaugeMetricFamily(
        f"{PREFIX}_step_reached", "Instances that reached each step.", labels=[*keys, "step"]
    )
    abandoned = GaugeMetricFamily(
        f"{PREFIX}_step_abandoned",
        "Instances abandoned at each step, by reason (inactivity, cancelled, declined, other).",
        labels=[*keys, "step", "reason"],
    )
    median = GaugeMetricFamily(
        f"{PREFIX}_median_completion_seconds",
        "Median time from start to completion of the completed instances.",
        labels=keys,
    )
    for f in funnels:
        _add(f, started, outcomes, reached, abandoned, median)
    return [started, outcomes, reached, abandoned, median]


def _add(
    f: Funnel,
    started: GaugeMetricFamily,
    outcomes: GaugeMetricFamily,
    reached: GaugeMetricFamily,
    abandoned: GaugeMetricFamily,
    median: GaugeMetricFamily,
) -> None:
    key = [f.journey, f.product or ""]
    started.add_metric(key, f.started)
    for outcome, count in (
        ("completed", f.completed),
        ("abandoned", f.abandoned()),
        ("advisor", f.advisor),
        ("in_progress", f.in_progress),
    ):
        outcomes.add_metric([*key, outcome], count)
    for s in f.steps:
        reached.add_metric([*key, s.step], s.reached)
        for reason in Reason:
            abandoned.add_metric([*key, s.step, reason.value], s.abandoned[reason])
    if f.median_to_complete is not None:
        median.add_metric(key, f.median_to_complete.total_seconds())
