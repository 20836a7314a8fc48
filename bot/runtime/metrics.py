"""Prometheus figures of the webhook server, and their exposition on ``/metrics``.

With several worker processes (``serve --workers N``) the figures are kept in
prometheus_client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``serve`` before any
worker starts), so one scrape of any worker reports the sum over all of them. The funnel
(``bot.report.metrics.FunnelCollector``) is computed from the database at scrape time.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import REGISTRY, Collector

LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30, 60)

UPDATES_RECEIVED = Counter(
    "aspel_updates_received_total",
    "Webhook deliveries, by result (accepted, duplicate, rejected, unavailable).",
    ["result"],
)
UPDATES_PROCESSED = Counter(
    "aspel_updates_processed_total",
    "Updates processed, by result (done, retry, behind, parked).",
    ["result"],
)
UPDATE_LATENCY = Histogram(
    "aspel_update_latency_seconds",
    "From an update's receipt to the end of its processing (hold-back included).",
    buckets=LATENCY_BUCKETS,
)
PROCESSING = Histogram(
    "aspel_update_processing_seconds",
    "Time to process one update (engine, replies sent).",
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter("aspel_errors_total", "Errors, by where they happened.", ["where"])
REPLAYED = Counter(
    "aspel_turns_replayed_total", "Updates re-run after their turn was saved: replies re-sent."
)
HANDOFFS = Counter("aspel_handoffs_total", "Tickets opened for an advisor.")
JOURNEYS = Counter("aspel_journeys_completed_total", "Journeys completed, by journey.", ["journey"])
TIMERS = Counter("aspel_timers_fired_total", "Stored deadlines fired, by kind.", ["kind"])


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def registry(multiprocess_dir: str | None, *extra: Collector) -> CollectorRegistry:
    """What ``/metrics`` shows: all workers' figures (or this process's), plus ``extra``."""
    shown = CollectorRegistry(auto_describe=False)
    if multiprocess_dir:
        _multiprocess.MultiProcessCollector(shown, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    else:
        shown.register(_ThisProcess())
    for collector in extra:
        shown.register(collector)
    return shown


def exposition(shown: CollectorRegistry) -> bytes:
    return generate_latest(shown)
