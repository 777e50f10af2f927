"""Charts of numeric answers: cities compared, sorted, with the union's median marked."""

from __future__ import annotations

import io
import statistics
import textwrap

import matplotlib

matplotlib.use("Agg")  # no screen: draw to memory

from matplotlib import pyplot as plt
from matplotlib.ticker import FuncFormatter

from bot.surveys.definition import Question

WIDTH_INCHES = 7.0  # 1 050 px at 150 dpi: sharp on a phone, readable when zoomed
ROW_INCHES = 0.32
DPI = 150


def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def chart_png(question: Question, points: list[tuple[str, float]], median_label: str) -> bytes:
    """A horizontal bar per city, largest on top, and a line at the median."""
    ordered = sorted(points, key=lambda p: p[1])
    labels = [label for label, _ in ordered]
    values = [value for _, value in ordered]
    median = statistics.median(values)
    height = max(2.5, 1.4 + ROW_INCHES * len(ordered))
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, height), dpi=DPI)
    try:
        bars = axes.barh(labels, values, color="#4C72B0")
        axes.axvline(median, color="#C44E52", linestyle="--", linewidth=1.5)
        axes.text(
            median,
            len(ordered) - 0.4,
            f" {median_label}: {_number(median)}",
            color="#C44E52",
            fontsize=9,
            va="bottom",
        )
        for bar, value in zip(bars, values, strict=True):
            axes.text(
                bar.get_width(),
                bar.get_y() + bar.get_height() / 2,
                f" {_number(value)}",
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
