"""Segment bubbles: each segment placed by value (x) and win rate (y), bubble area = accounts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator
from matplotlib.transforms import Bbox

from .labels import place_label, place_number
from .style import (
    BLUE,
    HEIGHT_IN,
    INK,
    LABEL_PT,
    NOTE_PT,
    SKY,
    WIDTH_IN,
    MoneyTicks,
    empty_panel,
    finite,
    new_figure,
    plain,
    save,
    style_axes,
)


@dataclass(frozen=True)
class SegmentPoint:
    """One segment on the value / win-rate map."""

    name: str
    value: float | None  # e.g. median contract value (x)
    win_rate: float | None  # 0-1 (y)
    win_low: float | None  # Wilson interval on the win rate (vertical error bar)
    win_high: float | None
    accounts: int  # bubble area
    low_confidence: bool  # hollow marker


_MIN_AREA, _MAX_AREA = 70.0, 1500.0  # bubble area in points², proportional to accounts


def _bubble_y(point: SegmentPoint, rates: bool) -> float:
    return float(point.win_rate) if rates and point.win_rate is not None else float(point.accounts)


def _areas(points: Sequence[SegmentPoint]) -> list[float]:
    top = max((max(p.accounts, 0) for p in points), default=0) or 1
    return [max(_MIN_AREA, _MAX_AREA * max(p.accounts, 0) / top) for p in points]


def _bubble_subtitle(rates: bool, value_label: str, dropped: int) -> str:
    if rates:
        text = "Bubble area = number of accounts; vertical bars = win-rate interval"
    else:
        text = f"No win rates available: showing {value_label.lower()} against the number of accounts instead"
    if dropped:
        text += f"; {dropped} segment{'s' if dropped != 1 else ''} without data left out"
    return text


def _padded(lo: float, hi: float, frac: float) -> tuple[float, float]:
    span = hi - lo or (abs(hi) or 1.0)
    return lo - frac * span, hi + frac * span


def _value_axis(ax: Axes, xs: Sequence[float], value_label: str, symbol: str) -> None:
    lo, hi = min(xs), max(xs)
    if lo > 0 and hi / lo >= 20:
        ax.set_xscale("log")
        ax.set_xlim(lo / (hi / lo) ** 0.12, hi * (hi / lo) ** 0.12)
        decades = math.log10(hi / lo)
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if decades < 3 else (1.0,)))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda _v, _p: ""))
        label = f"{value_label} (log scale)"
    else:
        ax.set_xlim(*_padded(lo, hi, 0.14))
        label = value_label
        ax.xaxis.set_major_locator(MaxNLocator(nbins=7, integer=True))
    # hide the tick labels left of zero that only the padding introduced
    ax.xaxis.set_major_formatter(MoneyTicks(hide_negative=lo >= 0, symbol=symbol))
    ax.set_xlabel(plain(label), fontsize=LABEL_PT, color=INK, labelpad=6)


def _rate_axis(ax: Axes, points: Sequence[SegmentPoint], rates: bool) -> None:
    if not rates:
        ys = [float(p.accounts) for p in points]
        ax.set_ylim(*_padded(min(0.0, min(ys)), max(ys), 0.14))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}" if v >= 0 else ""))
        ax.set_ylabel("Accounts (number)", fontsize=LABEL_PT, color=INK, labelpad=6)
        return
    tops = [p.win_high if finite(p.win_high) else p.win_rate for p in points]
    top = min(1.0, max(float(t) for t in tops if t is not None))
    ax.set_ylim(-0.06 * top - 0.02, top * 1.12 + 0.04)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: "" if v < -1e-9 or v > 1 + 1e-9 else f"{v:.0%}"))
    ax.set_ylabel("Win rate (%)", fontsize=LABEL_PT, color=INK, labelpad=6)


def _win_errorbars(ax: Axes, points: Sequence[SegmentPoint]) -> None:
    for p in points:
        if finite(p.win_low) and finite(p.win_high) and p.win_rate is not None:
            assert p.value is not None and p.win_low is not None and p.win_high is not None
            low, high = min(p.win_low, p.win_rate), max(p.win_high, p.win_rate)
            ax.errorbar(
                p.value,
                p.win_rate,
                yerr=[[p.win_rate - low], [high - p.win_rate]],
                fmt="none",
                ecolor="#8C8C8C",
                elinewidth=1.2,
                capsize=0,
                zorder=2,
            )


def _bubbles(ax: Axes, points: Sequence[SegmentPoint], areas: Sequence[float], rates: bool) -> None:
    """Largest first, so a small bubble is drawn over a large one instead of hidden behind it."""
    for p, area in sorted(zip(points, areas, strict=True), key=lambda pair: -pair[1]):
        hollow = p.low_confidence
        ax.scatter(
            [float(p.value or 0.0)],
            [_bubble_y(p, rates)],
            s=area,
            zorder=3,
            facecolors="white" if hollow else SKY,
            edgecolors=BLUE,
            linewidths=1.4,
            linestyles="--" if hollow else "-",
            alpha=0.9 if hollow else 0.75,
        )


def _base_rate_line(ax: Axes, base_rate: float) -> None:
    ax.axhline(base_rate, color="#555555", linestyle="--", linewidth=1.0, zorder=1)


def _bubble_legend(fig: Figure, points: Sequence[SegmentPoint], base_rate: float | None) -> None:
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=9,
            markerfacecolor=SKY,
            markeredgecolor=BLUE,
            alpha=0.8,
            label="Segment (area = accounts)",
        )
    ]
    if any(p.low_confidence for p in points):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=9,
                markerfacecolor="white",
                markeredgecolor=BLUE,
                label="Low confidence (few accounts)",
            )
        )
    if base_rate is not None:
        handles.append(
            Line2D(
                [],
                [],
                color="#555555",
                linestyle="--",
                linewidth=1.0,
                label=f"Overall win rate {base_rate:.0%}",
            )
        )
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        frameon=False,
        fontsize=NOTE_PT,
        columnspacing=1.8,
    )


def _label_bubbles(
    fig: Figure,
    ax: Axes,
    points: Sequence[SegmentPoint],
    areas: Sequence[float],
    rates: bool,
    numbers: list[int] | None,
) -> None:
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    fig.draw_without_rendering()  # settle the layout so label boxes can be measured in pixels
    renderer = canvas.get_renderer()
    scale = fig.dpi / 72
    taken: list[Bbox] = []
    boxes = []
    for p, area in zip(points, areas, strict=True):
        cx, cy = ax.transData.transform((float(p.value or 0.0), _bubble_y(p, rates)))
        r = math.sqrt(area) / 2 * scale
        boxes.append(Bbox.from_extents(cx - r, cy - r, cx + r, cy + r))
    if numbers is not None:  # a number sits on its bubble unless another bubble or number is there
        numbered: list[Bbox] = []
        cores = [box.shrunk(0.7, 0.7) for box in boxes]  # the square inside each circle
        for i in sorted(range(len(points)), key=lambda i: -areas[i]):  # large bubbles keep their centre
            xy = (float(points[i].value or 0.0), _bubble_y(points[i], rates))
            others = [core for j, core in enumerate(cores) if j != i and areas[j] >= areas[i]]
            place_number(ax, renderer, xy, math.sqrt(areas[i]) / 2, numbers[i], numbered, others)
        fig.set_layout_engine("none")
        return
    taken += boxes
    order = sorted(range(len(points)), key=lambda i: -areas[i])
    for i in order:
        p = points[i]
        place_label(ax, renderer, (float(p.value or 0.0), _bubble_y(p, rates)), math.sqrt(areas[i]) / 2, p.name, taken)
    fig.set_layout_engine("none")  # keep the measured positions


def segment_bubbles(
    points: Sequence[SegmentPoint],
    path: Path,
    *,
    title: str,
    value_label: str = "Median contract value",
    base_rate: float | None = None,
    subtitle: str | None = None,
    numbered: bool = False,
    symbol: str = "$",
    size: tuple[float, float] = (WIDTH_IN, HEIGHT_IN),
) -> Path:
    """Bubble map of segments: value (x, money) against win rate (y, %), bubble area = accounts.

    Win-rate intervals are vertical bars, low-confidence segments hollow, the base win rate a dashed
    line. When no segment has a win rate the y axis shows the number of accounts instead and the
    subtitle says so. Segments without a value (or, with rates, without a rate) are left out and
    counted in the subtitle; with none left a "No segments to chart" panel is drawn. ``numbered`` puts
    each segment's 1-based position in ``points`` on its bubble instead of its name (the caller prints
    the key); ``symbol`` is the currency sign of the value axis ("" when the file states none); ``size``
    is the figure's in inches (the slide size unless given).
    """
    rates = any(finite(p.win_rate) for p in points)
    kept = [i for i, p in enumerate(points) if finite(p.value) and (finite(p.win_rate) or not rates)]
    shown = [points[i] for i in kept]
    note = _bubble_subtitle(rates, value_label, len(points) - len(shown))
    fig, ax = new_figure(title, f"{subtitle}; {note[0].lower()}{note[1:]}" if subtitle else note, size)
    if not shown:
        empty_panel(ax, "No segments to chart", f"No segment has a {value_label.lower()} to place it on the map.")
        return save(fig, path)
    style_axes(ax, grid="both")
    areas = _areas(shown)
    _value_axis(ax, [float(p.value or 0.0) for p in shown], value_label, symbol)
    _rate_axis(ax, shown, rates)
    line = base_rate if rates and base_rate is not None and math.isfinite(base_rate) else None
    if rates:
        _win_errorbars(ax, shown)
    if line is not None:
        _base_rate_line(ax, line)
    _bubbles(ax, shown, areas, rates)
    _bubble_legend(fig, shown, line)
    numbers = [i + 1 for i in kept] if numbered else None
    _label_bubbles(fig, ax, shown, areas, rates, numbers)
    return save(fig, path)
