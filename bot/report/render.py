"""The funnel report as text, CSV or HTML: one table per funnel, same rows in each format."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.i18n import Translator
from bot.report import labels
from bot.report.funnel import Funnel, Reason

Cell = str | int


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    notes: list[str]


def period(t: Translator, since: datetime | None) -> str:
    if since is None:
        return t("report-period-all")
    return t("report-period-since", since=since.strftime("%Y-%m-%d %H:%M"))


def duration(t: Translator, value: timedelta | None) -> str:
    if value is None:
        return t("report-median-none")
    total = value.total_seconds()
    if total < 60:
        text = t("report-duration-seconds", seconds=f"{total:.1f}")
    else:
        minutes, seconds = divmod(round(total), 60)
        text = t("report-duration", minutes=minutes, seconds=seconds)
    return t("report-median", duration=text)


def summary(t: Translator, f: Funnel) -> str:
    def part(count: int) -> str:
        return f"{count} ({labels.percent(f.share(count))})"

    return t(
        "report-summary",
        completed=part(f.completed),
        abandoned=part(f.abandoned()),
        advisor=part(f.advisor),
        in_progress=part(f.in_progress),
    )


def table(t: Translator, f: Funnel) -> Table:
    rows: list[list[Cell]] = [_row(t(labels.STARTED), f.started, f)]
    for s in f.steps:
        abandoned = [s.abandoned[reason] for reason in Reason]
        rows.append(
            _row(labels.step(t, s.step), s.reached, f, *abandoned, s.advisor, s.in_progress)
        )
    rows.append(_row(t(labels.COMPLETED), f.completed, f))
    totals = [f.abandoned(reason) for reason in Reason]
    rows.append([t(labels.TOTAL), "", "", *totals, f.advisor, f.in_progress])
    headers = [t(key) for key in labels.COLUMN_KEYS]
    notes = [summary(t, f), duration(t, f.median_to_complete)]
    return Table(labels.funnel_title(t, f), headers, rows, notes)


def _row(label: str, count: int, f: Funnel, *rest: int) -> list[Cell]:
    padding: list[Cell] = [""] * (len(labels.COLUMN_KEYS) - 3 - len(rest))
    return [label, count, labels.percent(f.share(count)), *rest, *padding]


# --- formats -----------------------------------------------------------------------------


def as_text(t: Translator, funnels: list[Funnel], since: datetime | None) -> str:
    out = [t("report-title"), period(t, since), "", *t("report-legend").splitlines(), ""]
    if not funnels:
        return "\n".join([*out, t("report-no-data"), ""])
    for f in funnels:
        out += _text_table(table(t, f))
    return "\n".join(out)


def _text_table(tb: Table) -> list[str]:
    cells = [tb.headers, *[[str(c) for c in row] for row in tb.rows]]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(tb.headers))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        cells = (c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))
        return "  ".join([first, *cells]).rstrip()

    rule = "-" * len(line(tb.headers))
    body = [line([str(c) for c in row]) for row in tb.rows]
    return [tb.title, rule, line(tb.headers), rule, *body[:-1], rule, body[-1], *tb.notes, ""]


def as_csv(t: Translator, funnels: list[Funnel]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    head = [t("report-col-journey"), t("report-col-product")]
    writer.writerow([*head, *(t(key) for key in labels.COLUMN_KEYS), t("report-col-median")])
    for f in funnels:
        product = f.product or t("report-all-products")
        median = round(f.median_to_complete.total_seconds()) if f.median_to_complete else ""
        for row in table(t, f).rows:
            writer.writerow([labels.journey(t, f.journey), product, *row, median])
    return buffer.getvalue()


def as_html(t: Translator, funnels: list[Funnel], since: datetime | None) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="es"><head><meta charset="utf-8">',
        f"<title>{e(t('report-title'))}</title>",
        "<style>table{border-collapse:collapse;margin-bottom:.5em}"
        "td,th{border:1px solid #bbb;padding:.2em .6em}td+td{text-align:right}</style>",
        "</head><body>",
        f"<h1>{e(t('report-title'))}</h1>",
        f"<p>{e(period(t, since))}</p>",
        f"<p>{e(t('report-legend'))}</p>",
    ]
    if not funnels:
        parts.append(f"<p>{e(t('report-no-data'))}</p>")
    for f in funnels:
        parts += _html_table(table(t, f))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_table(tb: Table) -> list[str]:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in tb.headers)
    rows = ["<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in tb.rows]
    return [
        f"<h2>{e(tb.title)}</h2>",
        "<table>",
        f"<tr>{head}</tr>",
        *rows,
        "</table>",
        *(f"<p>{e(note)}</p>" for note in tb.notes),
    ]
