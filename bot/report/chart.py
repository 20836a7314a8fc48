"""The funnel as a PNG: one subplot per journey, one horizontal bar per step, top to bottom.

Drawn on a bare ``matplotlib.figure.Figure`` (Agg canvas): no screen, no pyplot global state.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.i18n import Translator
from bot.report import labels
from bot.report.funnel import Funnel

BAR = "#2f6db5"
ENDS = "#7a8ca3"
DONE = "#2e8b57"
INCH_PER_BAR = 0.42


def charted(funnels: list[Funnel]) -> list[Funnel]:
    """The journey totals; or, when only one product was asked for, its funnels."""
    return [f for f in funnels if f.product is None] or funnels


def draw(t: Translator, funnels: list[Funnel], path: Path, period: str) -> None:
    shown = charted(funnels)
    bars = [len(f.steps) + 2 for f in shown] or [1]
    figure = Figure(figsize=(11, 1.4 + INCH_PER_BAR * sum(bars) + 0.9 * len(bars)), dpi=110)
    figure.suptitle(t("report-chart-title", period=period), fontsize=14, fontweight="bold")
    if not shown:
        figure.text(0.5, 0.5, t("report-no-data"), ha="center", fontsize=12)
    else:
        axes = figure.subplots(len(shown), 1, squeeze=False, height_ratios=bars)
        for ax, f in zip(axes[:, 0], shown, strict=True):
            _funnel(ax, t, f)
    figure.tight_layout()
    figure.savefig(path, format="png")


def _funnel(ax: Axes, t: Translator, f: Funnel) -> None:
    names = [t(labels.STARTED), *(labels.step(t, s.step) for s in f.steps), t(labels.COMPLETED)]
    counts = [f.started, *(s.reached for s in f.steps), f.completed]
    colours = [ENDS, *[BAR] * len(f.steps), DONE]
    positions = list(range(len(names)))
    ax.barh(positions, counts, color=colours, height=0.7)
    ax.set_yticks(positions, names, fontsize=10)
    ax.invert_yaxis()  # the journey reads from the top down
    ax.set_title(labels.funnel_title(t, f), loc="left", fontsize=12)
    ax.set_xlabel(t("report-chart-axis"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(max(counts), 1) * 1.25)  # room for the figures after the longest bar
    for y, count in zip(positions, counts, strict=True):
        text = t("report-chart-bar", count=count, share=labels.percent(f.share(count)))
        ax.text(count, y, f"  {text}", va="center", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
