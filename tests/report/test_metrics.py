"""The Prometheus collector exposes the same figures as the report."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.report.metrics import FunnelCollector
from tests.report.population import IDLE, NOW, build


def scrape() -> tuple[dict[tuple[str, frozenset[tuple[str, str]]], float], list]:
    rows = build().rows
    asked: list = []

    def read(since):  # type: ignore[no-untyped-def]
        asked.append(since)
        return rows

    registry = CollectorRegistry()
    registry.register(FunnelCollector(read, idle=IDLE, clock=lambda: NOW))
    assert asked == []  # registering does not read the database
    text = generate_latest(registry).decode()
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return samples, asked


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_figures_per_journey_and_product() -> None:
    samples, asked = scrape()
    assert asked == [NOW - timedelta(days=7)]
    assert value(samples, "aspel_funnel_started", journey="upgrade", product="COI") == 11
    done = {"journey": "upgrade", "product": "COI", "outcome": "completed"}
    assert value(samples, "aspel_funnel_outcome", **done) == 5
    declined = {"journey": "upgrade", "product": "COI", "step": "upgrade_terms"}
    assert value(samples, "aspel_funnel_step_abandoned", reason="declined", **declined) == 3
    median = value(samples, "aspel_funnel_median_completion_seconds", journey="cda", product="PROD")
    assert median == 150


def test_products_add_up_to_the_journey() -> None:
    samples, _ = scrape()
    started = [v for (name, labels), v in samples.items() if name == "aspel_funnel_started"]
    upgrade = sum(
        v
        for (name, labels), v in samples.items()
        if name == "aspel_funnel_started" and ("journey", "upgrade") in labels
    )
    assert upgrade == 20 and sum(started) == 20 + 5 + 5
    reached = {
        dict(labels)["product"]: v
        for (name, labels), v in samples.items()
        if name == "aspel_funnel_step_reached"
        and {("journey", "upgrade"), ("step", "login_password")} <= labels
    }
    assert sum(reached.values()) == 17 and reached[""] == 6  # left before choosing a serial
