"""Breakdown bars: labelled values as horizontal bars, largest first, with optional highlights."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from icp_assistant.tools.core.errors import OptionError

from .style import (
    BLUE,
    HEIGHT_IN,
    INK,
    NOTE_PT,
    TICK_PT,
    VERMILLION,
    WIDTH_IN,
    axis_labels,
    empty_panel,
    new_figure,
    plain,
    save,
    short,
    style_axes,
)


def _breakdown_rows(labels: Sequence[str], values: Sequence[float], keep_order: bool) -> list[tuple[str, float]]:
    if len(labels) != len(values):
        raise OptionError(f"bar_breakdown needs one value per label: {len(labels)} labels, {len(values)} values.")
    rows = [(str(label), float(v)) for label, v in zip(labels, values, strict=True) if math.isfinite(v)]
    return rows if keep_order else sorted(rows, key=lambda row: (-row[1], row[0]))


def _breakdown_limits(ax: Axes, vals: Sequence[float]) -> None:
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - (0.2 * span if lo < 0 else 0), hi + (0.2 * span if hi > 0 else 0.02 * span))


def _formatter(value_format: str) -> Callable[[float], str]:
    def fmt(v: float) -> str:
        try:
            return plain(value_format.format(v))
        except (ValueError, IndexError, KeyError):
            return f"{v:,.4g}"

    return fmt


def bar_breakdown(
    labels: Sequence[str],
    values: Sequence[float],
    path: Path,
    *,
    title: str,
    value_format: str = "{:,.0f}",
    highlight: Sequence[str] = (),
    subtitle: str | None = None,
    value_label: str | None = None,
    colours: Mapping[str, str] | None = None,
    keep_order: bool = False,
    size: tuple[float, float] = (WIDTH_IN, HEIGHT_IN),
) -> Path:
    """Horizontal bars sorted largest first (at the top), each labelled with ``value_format``.

    Bars whose label is in ``highlight`` take the accent colour and the others turn a quiet grey;
    with no highlight every bar is blue. ``colours`` (label -> colour) overrides both, e.g. tiers in
    their own colours; ``keep_order`` keeps the bars in the order given (green, yellow, red). Non-finite
    values are dropped; nothing left draws a "Nothing to chart" panel. ``value_label`` (optional) names
    the x axis, with its unit. ``size`` is the figure's in inches (the slide size unless given).
    """
    rows = _breakdown_rows(labels, values, keep_order)
    fig, ax = new_figure(title, subtitle, size)
    if not rows:
        empty_panel(ax, "Nothing to chart", "There are no values to compare.")
        return save(fig, path)
    style_axes(ax, grid="x")
    fmt, marked = _formatter(value_format), set(highlight)
    base = "#A9B4BF" if marked else BLUE
    vals = [v for _, v in rows]
    fills = [(colours or {}).get(label, VERMILLION if label in marked else base) for label, _ in rows]
    bars = ax.barh(range(len(rows)), vals, height=0.66 if len(rows) > 4 else 0.5, color=fills, zorder=2)
    small = len(rows) > 15
    ax.bar_label(bars, labels=[fmt(v) for v in vals], padding=3, fontsize=7 if small else NOTE_PT + 0.5, color=INK)
    ax.set_yticks(range(len(rows)), labels=[plain(short(label, 40)) for label, _ in rows])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.tick_params(axis="y", length=0, labelsize=7 if small else TICK_PT)
    ax.spines["left"].set_visible(False)
    _breakdown_limits(ax, vals)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt(v)))
    ax.axvline(0, color="#9E9E9E", linewidth=0.8, zorder=1)
    if value_label:
        axis_labels(ax, value_label)
    return save(fig, path)
