"""Charts of numeric answers: cities compared, sorted, with the union's median marked."""

from __future__ import annotations

import io
import statistics
import textwrap

import matplotlib

matplotlib.use("Agg")  # no screen: draw to memory

from matplotlib import pyplot as plt
from matplotlib.ticker import FuncFormatter

from bot.surveys.model import Chart
from storage.surveys import Figure

WIDTH_INCHES = 7.0  # 1 050 px at 150 dpi: sharp on a phone, readable when zoomed
ROW_INCHES = 0.32
DPI = 150


def _number(value: float, places: int | None = None) -> str:
    """1 234,5; with `places` (a number typed as 212,50) exactly that many digits."""
    text = f"{value:,.{places}f}" if places else f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def _places(value: float) -> int | None:
    return value.places if isinstance(value, Figure) else None


def chart_png(chart: Chart, median_label: str) -> bytes:
    """A horizontal bar per city, largest on top, and a line at the median; when the survey
    repeats an earlier one, each city's bar of that year in a lighter colour beside it."""
    question = chart.question
    ordered = sorted(chart.points, key=lambda p: p[1])
    labels = [label for label, _ in ordered]
    values = [value for _, value in ordered]
    before = [chart.previous.get(label) for label in labels]
    paired = any(value is not None for value in before)
    median = statistics.median(values)
    places = max((_places(v) or 0 for v in values), default=0) or None
    height = max(2.5, 1.4 + ROW_INCHES * len(ordered) * (1.6 if paired else 1))
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, height), dpi=DPI)
    try:
        rows = list(range(len(ordered)))
        thickness = 0.4 if paired else 0.8
        shift = thickness / 2 if paired else 0
        bars = axes.barh(
            [r + shift for r in rows], values, height=thickness, color="#4C72B0",
            label=str(chart.year) if paired and chart.year else None,
        )  # fmt: skip
        if paired:
            axes.barh(
                [r - shift for r in rows], [v or 0 for v in before], height=thickness,
                color="#A6BDDB", label=str(chart.previous_year or ""),
            )  # fmt: skip
            axes.legend(loc="lower right", fontsize=8, frameon=False)
        axes.set_yticks(rows, labels)
        axes.axvline(median, color="#C44E52", linestyle="--", linewidth=1.5)
        axes.text(
            median,
            len(ordered) - 0.4,
            f" {median_label}: {_number(median, places)}",
            color="#C44E52",
            fontsize=9,
            va="bottom",
        )
        for bar, value in zip(bars, values, strict=True):
            axes.text(
                bar.get_width(),
                bar.get_y() + bar.get_height() / 2,
                f" {_number(value, _places(value))}",
                va="center",
                fontsize=8,
            )
        title = question.text if not question.unit else f"{question.text}, {question.unit}"
        axes.set_title("\n".join(textwrap.wrap(title, 60)), fontsize=11, loc="left")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _number(x)))
        axes.tick_params(axis="y", labelsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        axes.margins(x=0.15)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
