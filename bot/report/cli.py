"""``aspel-bot report``: the funnel of each journey, as text, CSV or HTML, and as a chart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from bot.i18n import translator
from bot.report import render, store
from bot.report.funnel import JOURNEYS, Funnel, funnels, instances
from bot.settings import Settings

PERIOD = re.compile(r"^(\d+)([hd])$")


def parse_since(value: str, now: datetime) -> datetime | None:
    """``7d``, ``24h``, ``30d`` -> that long before ``now``; ``all`` -> None (no limit)."""
    if value == "all":
        return None
    match = PERIOD.match(value)
    if match is None:
        raise click.BadParameter("use a number of hours or days (24h, 7d, 30d) or 'all'")
    amount, unit = int(match[1]), match[2]
    return now - (timedelta(hours=amount) if unit == "h" else timedelta(days=amount))


@dataclass(frozen=True, slots=True)
class Query:
    since: datetime | None
    journey: str | None
    product: str | None
    now: datetime


def compute(settings: Settings, q: Query) -> list[Funnel]:
    from bot.bootstrap import database_from

    db = database_from(settings)
    try:
        rows = store.read(db, q.since)
    finally:
        db.dispose()
    idle = timedelta(minutes=settings.idle_timeout_minutes)
    found = instances(rows, now=q.now, idle=idle, since=q.since)
    return funnels(found, journey=q.journey, product=q.product)


@click.command("report")
@click.option("--since", default="7d", show_default=True, help="Period: 24h, 7d, 30d… or all.")
@click.option("--journey", type=click.Choice(list(JOURNEYS)), help="Only this journey.")
@click.option("--product", metavar="CODE", help="Only this product (e.g. COI).")
@click.option(
    "--format", "fmt", type=click.Choice(["txt", "csv", "html"]), default="txt", show_default=True
)
@click.option("--chart", "chart_path", type=click.Path(path_type=Path), help="Write a PNG here.")
@click.option("--database", metavar="URL", help="Database URL (wins over DATABASE_URL).")
def command(
    since: str,
    journey: str | None,
    product: str | None,
    fmt: str,
    chart_path: Path | None,
    database: str | None,
) -> None:
    """Where customers drop off: a funnel per journey (and per product) from the flow events."""
    now = datetime.now(UTC)
    q = Query(parse_since(since, now), journey, product.upper() if product else None, now)
    from bot.bootstrap import settings_for

    result = compute(settings_for(database), q)
    t = translator()
    if fmt == "csv":
        click.echo(render.as_csv(t, result), nl=False)
    elif fmt == "html":
        click.echo(render.as_html(t, result, q.since), nl=False)
    else:
        click.echo(render.as_text(t, result, q.since))
    if chart_path is not None:
        from bot.report import chart  # matplotlib only when a chart is asked for

        chart.draw(t, result, chart_path, render.period(t, q.since))
        click.echo(f"Chart written to {chart_path}", err=True)
