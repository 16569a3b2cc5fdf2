"""Headless PNG charts for the analysis tools: lift bars, segment bubbles, value concentration, breakdowns.

Every chart takes plain inputs (numbers, strings and the small dataclasses below), writes one PNG
atomically (a temporary file in the target folder, then :func:`os.replace`) and returns its path.
The style is meant to be pasted into a slide deck as is: a bold title and a grey subtitle on the
left, axis labels with units, value labels where they help, the Okabe-Ito colour-blind-safe
palette, 8 x 4.5 inches at 150 dpi (1200 x 675 pixels).

Only the object-oriented matplotlib API is used (:class:`~matplotlib.figure.Figure` with the Agg
canvas); nothing touches pyplot's global figure list or the global rcParams, so charts can be drawn
from several worker threads at once. The same input gives the same PNG bytes: the file carries no
software version or timestamp.
"""

from __future__ import annotations

import base64
import math
import os
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.ticker import (
    FixedLocator,
    Formatter,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    PercentFormatter,
)
from matplotlib.transforms import Bbox

from .errors import OptionError

__all__ = [
    "LiftBar",
    "SegmentPoint",
    "bar_breakdown",
    "lift_bars",
    "money",
    "png_base64",
    "segment_bubbles",
    "value_concentration",
]

# --------------------------------------------------------------------------------------------------
# Style
# --------------------------------------------------------------------------------------------------

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
GREY = "#BDBDBD"

INK = "#222222"
MUTED = "#666666"
FAINT = "#E6E6E6"

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 150
TITLE_PT, SUBTITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 14, 10, 10, 9, 8

_MAX_LIFT_LOG2 = 4.0  # bars are clamped to [1/16, 16] so a zero ratio still draws (its label stays true)


def money(x: float) -> str:
    """Compact amount: ``$950``, ``$12k``, ``$1.2M``, ``$3.4B``, ``-$1.2M``; ``n/a`` when not finite."""
    if not math.isfinite(x):
        return "n/a"
    amount = abs(x)
    sign = "-" if x < 0 and round(amount) > 0 else ""
    if round(amount) < 1000:
        return f"{sign}${amount:,.0f}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
        scaled = amount / scale
        text = f"{scaled:.1f}" if scaled < 9.95 else f"{scaled:,.0f}"
        if suffix == "B" or float(text.replace(",", "")) < 1000:
            return f"{sign}${text.removesuffix('.0')}{suffix}"
    raise AssertionError("unreachable")  # pragma: no cover


def png_base64(path: Path) -> str:
    """The file's bytes as base64 text, for MCP ``ImageContent`` or an HTML ``data:image/png`` URI."""
    return base64.b64encode(Path(path).read_bytes()).decode("ascii")


class _MoneyTicks(Formatter):
    """Tick labels in :func:`money` style, falling back to whole dollars when compact labels repeat."""

    def __init__(self, hide_negative: bool) -> None:
        self.hide_negative = hide_negative

    def __call__(self, x: float, pos: int | None = None) -> str:
        return "" if self.hide_negative and x < 0 else money(x)

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        labels = [self(v) for v in values]
        shown = [label for label in labels if label]
        if len(set(shown)) < len(shown):
            labels = ["" if not label else _plain_money(v) for v, label in zip(values, labels, strict=True)]
        return labels


def _plain_money(x: float) -> str:
    return f"-${abs(x):,.0f}" if x < 0 else f"${x:,.0f}"


def _plain(text: str) -> str:
    """Escape ``$`` so matplotlib never reads ``$1M-$5M`` as mathtext."""
    return text.replace("$", r"\$")


def _short(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _new_figure(title: str, subtitle: str | None) -> tuple[Figure, Axes]:
    """A figure with the title block at the top left and one axes laid out below it."""
    lines = textwrap.wrap(subtitle or "", 100)[:2]
    header = 0.14 + 0.34 + 0.22 * len(lines) + 0.08  # inches: top pad, title, subtitle lines, gap
    engine = ConstrainedLayoutEngine(rect=(0.0, 0.0, 1.0, 1 - header / HEIGHT_IN), w_pad=0.08, h_pad=0.08)
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout=engine, facecolor="white")
    FigureCanvasAgg(fig)
    left = 0.1 / WIDTH_IN
    style: dict[str, Any] = {"ha": "left", "va": "top"}
    fig.text(
        left,
        1 - 0.14 / HEIGHT_IN,
        _plain(_short(title, 90)),
        fontsize=TITLE_PT,
        fontweight="bold",
        color=INK,
        **style,
    )
    if lines:
        fig.text(
            left,
            1 - 0.48 / HEIGHT_IN,
            _plain("\n".join(lines)),
            fontsize=SUBTITLE_PT,
            color=MUTED,
            linespacing=1.35,
            **style,
        )
    ax = fig.add_subplot()
    _style_axes(ax)
    return fig, ax


def _style_axes(ax: Axes, grid: str = "x") -> None:
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9E9E9E")
    ax.tick_params(colors=MUTED, labelcolor=INK, labelsize=TICK_PT, length=3)
    ax.set_axisbelow(True)
    if grid in ("x", "y", "both"):
        ax.grid(True, axis=grid, color=FAINT, linewidth=0.8)  # type: ignore[arg-type]


def _axis_labels(ax: Axes, xlabel: str, ylabel: str = "") -> None:
    ax.set_xlabel(_plain(xlabel), fontsize=LABEL_PT, color=INK, labelpad=6)
    ax.set_ylabel(_plain(ylabel), fontsize=LABEL_PT, color=INK, labelpad=6)


def _empty_panel(ax: Axes, message: str, detail: str) -> None:
    """Replace the plot with a calm message, so a chart request on thin data still yields an image."""
    ax.set_axis_off()
    ax.text(
        0.5,
        0.56,
        _plain(message),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=16,
        fontweight="bold",
        color="#8A8A8A",
    )
    ax.text(
        0.5,
        0.42,
        _plain(detail),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=SUBTITLE_PT,
        color=MUTED,
    )


def _save(fig: Figure, path: Path) -> Path:
    """Write the PNG atomically: a temporary file beside the target, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            fig.savefig(handle, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------------------------------
# Lift bars
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiftBar:
    """One trait's lift: how much more (or less) common it is in the group than in the comparison."""

    label: str  # "industry = Fintech"
    lift: float  # ratio, 1.0 = no difference
    low: float | None  # interval on the lift, when known
    high: float | None
    n: int  # accounts with the trait in the group
    significant: bool


def _clamp_lift(x: float) -> float:
    bound = 2.0**_MAX_LIFT_LOG2
    return min(max(x, 1 / bound), bound)


def _interval(bar: LiftBar) -> tuple[float, float] | None:
    if not (_finite(bar.low) and _finite(bar.high)):
        return None
    assert bar.low is not None and bar.high is not None
    return _clamp_lift(min(bar.low, bar.lift)), _clamp_lift(max(bar.high, bar.lift))


def _lift_colour(bar: LiftBar) -> str:
    if not bar.significant:
        return GREY
    return BLUE if bar.lift >= 1 else VERMILLION


def _lift_half_span(bars: Sequence[LiftBar]) -> float:
    """Half the x range in log2 units: symmetric around 1.0, at least 0.5x..2x, in half steps."""
    logs = [abs(math.log2(_clamp_lift(b.lift))) for b in bars]
    logs += [abs(math.log2(v)) for b in bars if (iv := _interval(b)) for v in iv]
    return max(1.0, math.ceil(max(logs) * 2 - 1e-9) / 2)


def _lift_axis(ax: Axes, half: float) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xlim(2 ** -(half + 0.6), 2 ** (half + 0.6))  # refined by _fit_lift_labels
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}×" if v >= 1 else f"1/{1 / v:g}×"))
    ax.xaxis.set_minor_locator(FixedLocator([]))
    ax.axvline(1.0, color="#555555", linewidth=1.0, zorder=1)


def _lift_ticks(ax: Axes, reach: float) -> None:
    top = math.floor(reach + 1e-9)
    step = 1 if top <= 4 else 2
    ax.xaxis.set_major_locator(FixedLocator([2.0**p for p in range(-top, top + 1) if p % step == 0]))


def _fit_lift_labels(fig: Figure, ax: Axes, half: float, notes: Sequence[tuple[float, Annotation]]) -> None:
    """Widen the symmetric log range just enough that every ``lift · n`` label fits inside the axes.

    With ``H`` the half range in log2 units and ``W`` the axes width in pixels, a label of width
    ``w`` starting ``a`` log units from 1.0 fits when ``a + 2Hw/W <= H``, i.e. ``H >= a / (1 - 2w/W)``.
    """
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    fig.draw_without_rendering()  # settle the layout before measuring
    renderer = canvas.get_renderer()
    width = ax.get_window_extent(renderer).width
    reach = half + 0.15
    for start, note in notes:
        share = (note.get_window_extent(renderer).width + 8) / width
        reach = max(reach, abs(start) / max(1 - 2 * share, 0.2))
    reach *= 1.04  # the final layout may shave a few pixels off the axes
    ax.set_xlim(2**-reach, 2**reach)
    _lift_ticks(ax, reach)


def _lift_label(ax: Axes, bar: LiftBar, y: int, colour: str) -> tuple[float, Annotation]:
    """Print ``lift · n`` just past the bar (or its interval); returns the log2 start and the label."""
    interval = _interval(bar)
    lift = _clamp_lift(bar.lift)
    right = bar.lift >= 1
    end = (max(lift, interval[1]) if right else min(lift, interval[0])) if interval else lift
    note = ax.annotate(
        f"{bar.lift:.2g}× · n={bar.n:,}",
        (end, y),
        xytext=(4 if right else -4, 0),
        textcoords="offset points",
        ha="left" if right else "right",
        va="center",
        fontsize=NOTE_PT,
        color=INK if colour != GREY else MUTED,
    )
    return math.log2(end), note


def _lift_legend(fig: Figure, bars: Sequence[LiftBar]) -> None:
    present = {_lift_colour(b) for b in bars}
    handles: list[Patch | Line2D] = [
        Patch(facecolor=colour, label=label)
        for colour, label in (
            (BLUE, "Over-represented"),
            (VERMILLION, "Under-represented"),
            (GREY, "Not significant (may be chance)"),
        )
        if colour in present
    ]
    if any(_interval(b) for b in bars):
        handles.append(
            Line2D([], [], color="#333333", marker="|", markersize=8, linewidth=1, label="Uncertainty interval")
        )
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        frameon=False,
        fontsize=NOTE_PT,
        handlelength=1.4,
        columnspacing=1.6,
    )


def _draw_lift_bar(ax: Axes, bar: LiftBar, y: int) -> tuple[float, Annotation]:
    """One bar from 1.0 to the lift, its interval and its label; returns what _fit_lift_labels needs."""
    lift, colour = _clamp_lift(bar.lift), _lift_colour(bar)
    ax.barh(y, abs(lift - 1.0), left=min(lift, 1.0), height=0.62, color=colour, zorder=2)
    if interval := _interval(bar):
        ax.errorbar(
            lift,
            y,
            xerr=[[lift - interval[0]], [interval[1] - lift]],
            fmt="none",
            ecolor="#333333",
            elinewidth=1.0,
            capsize=2.5,
            zorder=3,
        )
    return _lift_label(ax, bar, y, colour)


def lift_bars(bars: Sequence[LiftBar], path: Path, *, title: str, subtitle: str | None = None) -> Path:
    """Horizontal lift bars on a log2 axis centred on 1.0, first bar at the top (the caller caps at ~15).

    Bars grow right for traits over-represented in the group and left for under-represented ones;
    the interval is drawn as an error bar, ``lift · n`` is printed at the bar end and non-significant
    bars are grey. An empty list (or no finite lift) draws a "No reliable pattern" panel instead.
    """
    drawable = [b for b in bars if math.isfinite(b.lift)]
    fig, ax = _new_figure(title, subtitle)
    if not drawable:
        _empty_panel(ax, "No reliable pattern", "No trait differs enough between the groups to chart.")
        return _save(fig, path)
    _style_axes(ax, grid="x")
    half = _lift_half_span(drawable)
    _lift_axis(ax, half)
    notes = [_draw_lift_bar(ax, bar, y) for y, bar in enumerate(drawable)]
    ax.set_yticks(range(len(drawable)), labels=[_plain(_short(b.label, 44)) for b in drawable])
    ax.set_ylim(len(drawable) - 0.4, -0.6)
    ax.tick_params(axis="y", length=0, labelsize=TICK_PT if len(drawable) <= 12 else 8)
    ax.spines["left"].set_visible(False)
    _axis_labels(ax, "Lift vs the comparison group (× as common, log scale)")
    _lift_legend(fig, drawable)
    _fit_lift_labels(fig, ax, half, notes)
    return _save(fig, path)


# --------------------------------------------------------------------------------------------------
# Segment bubbles
# --------------------------------------------------------------------------------------------------


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


def _value_axis(ax: Axes, xs: Sequence[float], value_label: str) -> None:
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
    ax.xaxis.set_major_formatter(_MoneyTicks(hide_negative=lo >= 0))
    ax.set_xlabel(_plain(label), fontsize=LABEL_PT, color=INK, labelpad=6)


def _rate_axis(ax: Axes, points: Sequence[SegmentPoint], rates: bool) -> None:
    if not rates:
        ys = [float(p.accounts) for p in points]
        ax.set_ylim(*_padded(min(0.0, min(ys)), max(ys), 0.14))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}" if v >= 0 else ""))
        ax.set_ylabel("Accounts (number)", fontsize=LABEL_PT, color=INK, labelpad=6)
        return
    tops = [p.win_high if _finite(p.win_high) else p.win_rate for p in points]
    top = min(1.0, max(float(t) for t in tops if t is not None))
    ax.set_ylim(-0.06 * top - 0.02, top * 1.12 + 0.04)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: "" if v < -1e-9 or v > 1 + 1e-9 else f"{v:.0%}"))
    ax.set_ylabel("Win rate (%)", fontsize=LABEL_PT, color=INK, labelpad=6)


def _win_errorbars(ax: Axes, points: Sequence[SegmentPoint]) -> None:
    for p in points:
        if _finite(p.win_low) and _finite(p.win_high) and p.win_rate is not None:
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
    for p, area in zip(points, areas, strict=True):
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


_OFFSETS = ((1, 0), (-1, 0), (0, 1), (0, -1), (0.8, 0.8), (-0.8, 0.8), (0.8, -0.8), (-0.8, -0.8))


def _overlap(box: Bbox, others: Sequence[Bbox]) -> float:
    total = 0.0
    for other in others:
        w = min(box.x1, other.x1) - max(box.x0, other.x0)
        h = min(box.y1, other.y1) - max(box.y0, other.y0)
        total += max(w, 0) * max(h, 0)
    return total


def _outside(box: Bbox, frame: Bbox) -> float:
    inner = Bbox.intersection(box, frame)
    inside = inner.width * inner.height if inner is not None else 0.0
    return box.width * box.height - inside


def _place_label(
    ax: Axes, renderer: RendererBase, xy: tuple[float, float], radius_pt: float, name: str, taken: list[Bbox]
) -> None:
    """Try eight spots around the bubble; keep the first free one, else the least crowded."""
    best: tuple[float, Annotation, Bbox] | None = None
    frame = ax.get_window_extent(renderer)
    for dx, dy in _OFFSETS:
        offset = (dx * (radius_pt + 3), dy * (radius_pt + 2))
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
        note = ax.annotate(
            _plain(_short(name, 28)),
            xy,
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=NOTE_PT + 0.5,
            color=INK,
            zorder=5,
        )
        box = note.get_window_extent(renderer).padded(2)
        cost = _overlap(box, taken) + 4 * _outside(box, frame)
        if best is None or cost < best[0]:
            if best is not None:
                best[1].remove()
            best = (cost, note, box)
        else:
            note.remove()
        if cost == 0:
            break
    assert best is not None
    taken.append(best[2])


def _label_bubbles(fig: Figure, ax: Axes, points: Sequence[SegmentPoint], areas: Sequence[float], rates: bool) -> None:
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    fig.draw_without_rendering()  # settle the layout so label boxes can be measured in pixels
    renderer = canvas.get_renderer()
    scale = fig.dpi / 72
    taken: list[Bbox] = []
    for p, area in zip(points, areas, strict=True):
        cx, cy = ax.transData.transform((float(p.value or 0.0), _bubble_y(p, rates)))
        r = math.sqrt(area) / 2 * scale
        taken.append(Bbox.from_extents(cx - r, cy - r, cx + r, cy + r))
    order = sorted(range(len(points)), key=lambda i: -areas[i])
    for i in order:
        p = points[i]
        _place_label(ax, renderer, (float(p.value or 0.0), _bubble_y(p, rates)), math.sqrt(areas[i]) / 2, p.name, taken)
    fig.set_layout_engine("none")  # keep the measured positions


def segment_bubbles(
    points: Sequence[SegmentPoint],
    path: Path,
    *,
    title: str,
    value_label: str = "Median contract value",
    base_rate: float | None = None,
    subtitle: str | None = None,
) -> Path:
    """Bubble map of segments: value (x, money) against win rate (y, %), bubble area = accounts.

    Win-rate intervals are vertical bars, low-confidence segments hollow, the base win rate a dashed
    line. When no segment has a win rate the y axis shows the number of accounts instead and the
    subtitle says so. Segments without a value (or, with rates, without a rate) are left out and
    counted in the subtitle; with none left a "No segments to chart" panel is drawn.
    """
    rates = any(_finite(p.win_rate) for p in points)
    shown = [p for p in points if _finite(p.value) and (_finite(p.win_rate) or not rates)]
    note = _bubble_subtitle(rates, value_label, len(points) - len(shown))
    fig, ax = _new_figure(title, f"{subtitle}; {note[0].lower()}{note[1:]}" if subtitle else note)
    if not shown:
        _empty_panel(ax, "No segments to chart", f"No segment has a {value_label.lower()} to place it on the map.")
        return _save(fig, path)
    _style_axes(ax, grid="both")
    areas = _areas(shown)
    _value_axis(ax, [float(p.value or 0.0) for p in shown], value_label)
    _rate_axis(ax, shown, rates)
    line = base_rate if rates and base_rate is not None and math.isfinite(base_rate) else None
    if rates:
        _win_errorbars(ax, shown)
    if line is not None:
        _base_rate_line(ax, line)
    _bubbles(ax, shown, areas, rates)
    _bubble_legend(fig, shown, line)
    _label_bubbles(fig, ax, shown, areas, rates)
    return _save(fig, path)


# --------------------------------------------------------------------------------------------------
# Value concentration
# --------------------------------------------------------------------------------------------------


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
        _plain(text),
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
    fig, ax = _new_figure(title, subtitle or default)
    if curve is None:
        _empty_panel(ax, "No value to chart", f"No account has a positive {value_label}.")
        return _save(fig, path)
    _style_axes(ax, grid="both")
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
    _axis_labels(ax, "Share of accounts, highest value first (%)", f"Cumulative share of {value_label} (%)")
    return _save(fig, path)


# --------------------------------------------------------------------------------------------------
# Breakdown bars
# --------------------------------------------------------------------------------------------------


def _breakdown_rows(labels: Sequence[str], values: Sequence[float]) -> list[tuple[str, float]]:
    if len(labels) != len(values):
        raise OptionError(f"bar_breakdown needs one value per label: {len(labels)} labels, {len(values)} values.")
    rows = [(str(label), float(v)) for label, v in zip(labels, values, strict=True) if math.isfinite(v)]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _breakdown_limits(ax: Axes, vals: Sequence[float]) -> None:
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - (0.2 * span if lo < 0 else 0), hi + (0.2 * span if hi > 0 else 0.02 * span))


def _formatter(value_format: str) -> Callable[[float], str]:
    def fmt(v: float) -> str:
        try:
            return _plain(value_format.format(v))
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
) -> Path:
    """Horizontal bars sorted largest first (at the top), each labelled with ``value_format``.

    Bars whose label is in ``highlight`` take the accent colour and the others turn a quiet grey;
    with no highlight every bar is blue. Non-finite values are dropped; nothing left draws a
    "Nothing to chart" panel. ``value_label`` (optional) names the x axis, with its unit.
    """
    rows = _breakdown_rows(labels, values)
    fig, ax = _new_figure(title, subtitle)
    if not rows:
        _empty_panel(ax, "Nothing to chart", "There are no values to compare.")
        return _save(fig, path)
    _style_axes(ax, grid="x")
    fmt, marked = _formatter(value_format), set(highlight)
    base = "#A9B4BF" if marked else BLUE
    vals = [v for _, v in rows]
    colours = [VERMILLION if label in marked else base for label, _ in rows]
    bars = ax.barh(range(len(rows)), vals, height=0.66 if len(rows) > 4 else 0.5, color=colours, zorder=2)
    small = len(rows) > 15
    ax.bar_label(bars, labels=[fmt(v) for v in vals], padding=3, fontsize=7 if small else NOTE_PT + 0.5, color=INK)
    ax.set_yticks(range(len(rows)), labels=[_plain(_short(label, 40)) for label, _ in rows])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.tick_params(axis="y", length=0, labelsize=7 if small else TICK_PT)
    ax.spines["left"].set_visible(False)
    _breakdown_limits(ax, vals)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt(v)))
    ax.axvline(0, color="#9E9E9E", linewidth=0.8, zorder=1)
    if value_label:
        _axis_labels(ax, value_label)
    return _save(fig, path)
