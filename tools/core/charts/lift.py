"""Lift bars: how much more (or less) common each trait is in a group than in the comparison."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.ticker import FixedLocator, FuncFormatter

from .style import (
    BLUE,
    GREY,
    INK,
    MUTED,
    NOTE_PT,
    TICK_PT,
    VERMILLION,
    axis_labels,
    empty_panel,
    finite,
    new_figure,
    plain,
    save,
    short,
    style_axes,
)

_MAX_LIFT_LOG2 = 4.0  # bars are clamped to [1/16, 16] so a zero ratio still draws (its label stays true)


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
    if not (finite(bar.low) and finite(bar.high)):
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
    fig, ax = new_figure(title, subtitle)
    if not drawable:
        empty_panel(ax, "No reliable pattern", "No trait differs enough between the groups to chart.")
        return save(fig, path)
    style_axes(ax, grid="x")
    half = _lift_half_span(drawable)
    _lift_axis(ax, half)
    notes = [_draw_lift_bar(ax, bar, y) for y, bar in enumerate(drawable)]
    ax.set_yticks(range(len(drawable)), labels=[plain(short(b.label, 44)) for b in drawable])
    ax.set_ylim(len(drawable) - 0.4, -0.6)
    ax.tick_params(axis="y", length=0, labelsize=TICK_PT if len(drawable) <= 12 else 8)
    ax.spines["left"].set_visible(False)
    axis_labels(ax, "Lift vs the comparison group (× as common, log scale)")
    _lift_legend(fig, drawable)
    _fit_lift_labels(fig, ax, half, notes)
    return save(fig, path)
