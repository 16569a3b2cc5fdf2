"""Value concentration: a Lorenz-style curve of how much value the top accounts hold."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, PercentFormatter

from icp_assistant.tools.core.errors import OptionError

from .style import (
    BLUE,
    INK,
    LABEL_PT,
    MUTED,
    NOTE_PT,
    SKY,
    VERMILLION,
    axis_labels,
    empty_panel,
    new_figure,
    plain,
    save,
    style_axes,
)


def _cumulative_share(values: Sequence[float]) -> tuple[np.ndarray, np.ndarray] | None:
    """x = share of accounts (highest value first), y = cumulative share of value; None if no value."""
    arr = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    arr = np.sort(np.clip(arr, 0.0, None))[::-1]
    total = float(arr.sum())
    if arr.size == 0 or total <= 0:
        return None
    x = np.arange(arr.size + 1) / arr.size
    y = np.concatenate([[0.0], np.cumsum(arr) / total])
    return x, y


def _percent_axes(ax: Axes) -> None:
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axis.set_major_locator(FixedLocator([0, 0.2, 0.4, 0.6, 0.8, 1.0]))
    ax.set_xlim(0, 1.0)
    ax.set_ylim(0, 1.03)


def _mark_top_share(ax: Axes, top_share: float, held: float, value_label: str) -> None:
    guide: dict[str, Any] = {"color": VERMILLION, "linestyle": ":", "linewidth": 1.2, "zorder": 3}
    ax.plot([top_share, top_share], [0, held], **guide)
    ax.plot([0, top_share], [held, held], **guide)
    ax.plot([top_share], [held], marker="o", markersize=7, color=VERMILLION, zorder=4)
    text = f"Top {top_share:.0%} of accounts hold\n{held:.0%} of {value_label}"
    ax.annotate(
        plain(text),
        (top_share, held),
        xytext=(0.52, 0.30),
        textcoords="axes fraction",
        fontsize=LABEL_PT + 1,
        fontweight="bold",
        color=INK,
        ha="left",
        va="center",
        arrowprops={
            "arrowstyle": "-|>",
            "color": VERMILLION,
            "linewidth": 1.2,
            "connectionstyle": "arc3,rad=-0.2",
            "shrinkB": 6,
        },
    )


def value_concentration(
    values: Sequence[float],
    path: Path,
    *,
    title: str,
    top_share: float = 0.2,
    value_label: str = "value",
    subtitle: str | None = None,
) -> Path:
    """Lorenz-style curve: share of accounts ranked by value (x) against cumulative share of value (y).

    The ``top_share`` point is marked and annotated ("Top 20% of accounts hold 64% of value"); the
    diagonal is the even spread. Non-finite values are ignored and negative ones count as zero; with
    no positive total a "No value to chart" panel is drawn.
    """
    if not 0 < top_share < 1:
        raise OptionError(f"top_share must be between 0 and 1 (exclusive), got {top_share!r}.")
    curve = _cumulative_share(values)
    n = 0 if curve is None else len(curve[0]) - 1
    default = f"{n:,} accounts ranked by {value_label}, highest first; the more the curve bows, the more concentrated"
    fig, ax = new_figure(title, subtitle or default)
    if curve is None:
        empty_panel(ax, "No value to chart", f"No account has a positive {value_label}.")
        return save(fig, path)
    style_axes(ax, grid="both")
    x, y = curve
    ax.plot([0, 1], [0, 1], color="#9E9E9E", linestyle="--", linewidth=1.0, zorder=2)
    ax.annotate(
        "Even spread",
        (0.8, 0.8),
        xytext=(8, -4),
        textcoords="offset points",
        fontsize=NOTE_PT,
        color=MUTED,
        ha="left",
        va="top",
    )
    ax.fill_between(x, x, y, color=SKY, alpha=0.25, linewidth=0, zorder=1)
    ax.plot(x, y, color=BLUE, linewidth=2.2, zorder=3)
    _mark_top_share(ax, top_share, float(np.interp(top_share, x, y)), value_label)
    _percent_axes(ax)
    axis_labels(ax, "Share of accounts, highest value first (%)", f"Cumulative share of {value_label} (%)")
    return save(fig, path)
