"""Chart style shared by every chart: palette, sizes and fonts, the figure with its title block, axes
styling, the empty-data panel, the atomic PNG write, and the money and base64 helpers.
"""

from __future__ import annotations

import math
import os
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import Formatter

from .palette import (  # noqa: F401  (re-exported: the chart modules take the palette from here)
    BLUE,
    COMPACT,
    DPI,
    FAINT,
    GREEN,
    GREY,
    HEIGHT_IN,
    INK,
    LABEL_PT,
    MUTED,
    NOTE_PT,
    ORANGE,
    SKY,
    SUBTITLE_PT,
    TICK_PT,
    TIER_COLOURS,
    TITLE_PT,
    VERMILLION,
    WIDTH_IN,
    money,
    png_base64,
)


class MoneyTicks(Formatter):
    """Tick labels in :func:`money` style, falling back to whole dollars when compact labels repeat."""

    def __init__(self, hide_negative: bool, symbol: str = "$") -> None:
        self.hide_negative = hide_negative
        self.symbol = symbol

    def __call__(self, x: float, pos: int | None = None) -> str:
        return "" if self.hide_negative and x < 0 else money(x, self.symbol)

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        labels = [self(v) for v in values]
        shown = [label for label in labels if label]
        if len(set(shown)) < len(shown):
            pairs = zip(values, labels, strict=True)
            labels = ["" if not label else _plain_money(v, self.symbol) for v, label in pairs]
        return labels


def _plain_money(x: float, symbol: str = "$") -> str:
    return f"-{symbol}{abs(x):,.0f}" if x < 0 else f"{symbol}{x:,.0f}"


def plain(text: str) -> str:
    """Escape ``$`` so matplotlib never reads ``$1M-$5M`` as mathtext."""
    return text.replace("$", r"\$")


def short(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def new_figure(
    title: str, subtitle: str | None, size: tuple[float, float] = (WIDTH_IN, HEIGHT_IN)
) -> tuple[Figure, Axes]:
    """A figure with the title block at the top left and one axes laid out below it; ``size`` in inches (a
    document for phones passes a narrower one, so its text is larger once scaled to the screen)."""
    width, height = size
    lines = textwrap.wrap(subtitle or "", round(100 * width / WIDTH_IN))[:2]
    header = 0.14 + 0.34 + 0.22 * len(lines) + 0.08  # inches: top pad, title, subtitle lines, gap
    engine = ConstrainedLayoutEngine(rect=(0.0, 0.0, 1.0, 1 - header / height), w_pad=0.08, h_pad=0.08)
    fig = Figure(figsize=(width, height), dpi=DPI, layout=engine, facecolor="white")
    FigureCanvasAgg(fig)
    left = 0.1 / width
    style: dict[str, Any] = {"ha": "left", "va": "top"}
    fig.text(
        left,
        1 - 0.14 / height,
        plain(short(title, round(90 * width / WIDTH_IN))),
        fontsize=TITLE_PT,
        fontweight="bold",
        color=INK,
        **style,
    )
    if lines:
        fig.text(
            left,
            1 - 0.48 / height,
            plain("\n".join(lines)),
            fontsize=SUBTITLE_PT,
            color=MUTED,
            linespacing=1.35,
            **style,
        )
    ax = fig.add_subplot()
    style_axes(ax)
    return fig, ax


def style_axes(ax: Axes, grid: str = "x") -> None:
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9E9E9E")
    ax.tick_params(colors=MUTED, labelcolor=INK, labelsize=TICK_PT, length=3)
    ax.set_axisbelow(True)
    if grid in ("x", "y", "both"):
        ax.grid(True, axis=grid, color=FAINT, linewidth=0.8)  # type: ignore[arg-type]


def axis_labels(ax: Axes, xlabel: str, ylabel: str = "") -> None:
    ax.set_xlabel(plain(xlabel), fontsize=LABEL_PT, color=INK, labelpad=6)
    ax.set_ylabel(plain(ylabel), fontsize=LABEL_PT, color=INK, labelpad=6)


def empty_panel(ax: Axes, message: str, detail: str) -> None:
    """Replace the plot with a calm message, so a chart request on thin data still yields an image."""
    ax.set_axis_off()
    ax.text(
        0.5,
        0.56,
        plain(message),
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
        plain(detail),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=SUBTITLE_PT,
        color=MUTED,
    )


def save(fig: Figure, path: Path) -> Path:
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
