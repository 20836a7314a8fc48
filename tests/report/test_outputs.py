"""Text, CSV, HTML and PNG outputs: they parse, carry the figures, and speak Spanish."""

from __future__ import annotations

import csv
import io
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.report import chart, render
from bot.report.funnel import Funnel, funnels, instances
from tests.report.population import IDLE, NOW, SINCE, build


@pytest.fixture(scope="module")
def result() -> list[Funnel]:
    return funnels(instances(build().rows, now=NOW, idle=IDLE, since=SINCE))


@pytest.fixture(scope="module")
def t() -> Translator:
    return Translator()


def test_text_has_spanish_steps_and_figures(t: Translator, result: list[Funnel]) -> None:
    text = render.as_text(t, result, SINCE)
    assert "Actualizar número de serie · todos los productos" in text
    assert "Actualizar número de serie · COI" in text and "Reenviar CDA · PROD" in text
    assert "Aceptar términos de actualización" in text
    assert "Completaron 8 (40.0%)" in text
    assert "Tiempo mediano para completar: 2 min 5 s" in text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_text_without_data(t: Translator) -> None:
    assert t("report-no-data") in render.as_text(t, [], None)


def test_csv_parses_with_one_row_per_step(t: Translator, result: list[Funnel]) -> None:
    rows = list(csv.DictReader(io.StringIO(render.as_csv(t, result))))
    step, reached = t("report-col-step"), t("report-col-reached")
    upgrade = [
        r
        for r in rows
        if r[t("report-col-product")] == t("report-all-products")
        and r[t("report-col-journey")] == t("report-journey-upgrade")
    ]
    by_step = {r[step]: r for r in upgrade}
    assert by_step[t("report-step-started")][reached] == "20"
    assert by_step[t("report-step-login-password")][t("report-col-inactivity")] == "2"
    assert by_step[t("report-step-upgrade-terms")][t("report-col-declined")] == "3"
    assert by_step[t("report-step-completed")][reached] == "8"
    assert by_step[t("report-step-completed")][t("report-col-median")] == "125"
    assert len(upgrade) == 6 + 3  # the steps, started, completed, total


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_html_parses_into_one_table_per_funnel(t: Translator, result: list[Funnel]) -> None:
    page = render.as_html(t, result, SINCE)
    parser = _Tables()
    parser.feed(page)
    assert len(parser.tables) == len(result) == 7
    header, started, *_ = parser.tables[0]
    assert header[0] == t("report-col-step")
    assert started[:3] == [t("report-step-started"), "20", "100.0%"]
    assert page.startswith("<!DOCTYPE html>") and 'lang="es"' in page


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_real_png(t: Translator, result: list[Funnel], tmp_path: Path) -> None:
    path = tmp_path / "funnel.png"
    chart.draw(t, result, path, render.period(t, SINCE))
    width, height = _png_size(path)
    assert path.stat().st_size > 20_000
    assert width >= 1000 and height >= 1000  # three journeys, one bar per step


def test_chart_of_one_product_and_of_nothing(
    t: Translator, result: list[Funnel], tmp_path: Path
) -> None:
    coi = [f for f in result if f.product == "COI"]
    assert chart.charted(coi) == coi  # no journey total asked for: the product's own funnel
    assert [f.product for f in chart.charted(result)] == [None, None, None]
    chart.draw(t, coi, tmp_path / "coi.png", "x")
    chart.draw(t, [], tmp_path / "empty.png", "x")
    assert 300 < _png_size(tmp_path / "coi.png")[1] < 1000  # one subplot
    assert (tmp_path / "empty.png").stat().st_size > 1000
