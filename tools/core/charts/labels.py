"""Bubble labels: each name goes in the first free spot around its bubble, else the least crowded one; or each
bubble carries its number (a key beside the chart names them), on the bubble unless another number sits there."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence

from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

from .style import INK, NOTE_PT, plain, short

_OFFSETS = ((1, 0), (-1, 0), (0, 1), (0, -1), (0.8, 0.8), (-0.8, 0.8), (0.8, -0.8), (-0.8, -0.8))
LINE_CHARS, MAX_LINES = 24, 3


def wrapped(name: str) -> str:
    """A label on up to three short lines, so it is never cut mid-word by the chart edge."""
    lines = textwrap.wrap(" ".join(name.split()), LINE_CHARS) or [""]
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], short(" ".join(lines[MAX_LINES - 1 :]), LINE_CHARS)]
    return "\n".join(lines)


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


def place_label(
    ax: Axes, renderer: RendererBase, xy: tuple[float, float], radius_pt: float, name: str, taken: list[Bbox]
) -> None:
    """Try eight spots around the bubble; keep the first free one, else the least crowded."""
    taken.append(_cheapest(_label_spots(ax, renderer, xy, radius_pt, name, taken)))


def _label_spots(
    ax: Axes, renderer: RendererBase, xy: tuple[float, float], radius_pt: float, name: str, taken: list[Bbox]
) -> Iterator[tuple[float, Annotation, Bbox]]:
    frame = ax.get_window_extent(renderer)
    for dx, dy in _OFFSETS:
        offset = (dx * (radius_pt + 3), dy * (radius_pt + 2))
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
        note = ax.annotate(
            plain(wrapped(name)),
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
        yield _overlap(box, taken) + 4 * _outside(box, frame), note, box


def place_number(
    ax: Axes,
    renderer: RendererBase,
    xy: tuple[float, float],
    radius_pt: float,
    number: int,
    taken: list[Bbox],
    bubbles: Sequence[Bbox] = (),
) -> None:
    """The bubble's number on its centre, or beside it (with a thin leader line) when another number or another
    bubble sits there; ``bubbles`` are the other bubbles' boxes."""
    taken.append(_cheapest(_number_spots(ax, renderer, xy, radius_pt, number, taken, bubbles)))


def _number_spots(
    ax: Axes,
    renderer: RendererBase,
    xy: tuple[float, float],
    radius_pt: float,
    number: int,
    taken: list[Bbox],
    bubbles: Sequence[Bbox],
) -> Iterator[tuple[float, Annotation, Bbox]]:
    frame = ax.get_window_extent(renderer)
    for dx, dy in ((0.0, 0.0), *_OFFSETS):
        offset = (dx * (radius_pt + 6), dy * (radius_pt + 6))
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
        leader = {"arrowstyle": "-", "color": "#555555", "linewidth": 0.8, "shrinkA": 1, "shrinkB": 0}
        note = ax.annotate(str(number), xy, xytext=offset, textcoords="offset points", ha=ha, va=va,
                           fontsize=NOTE_PT + 2, fontweight="bold", color=INK, zorder=6,
                           arrowprops=leader if (dx, dy) != (0.0, 0.0) else None)  # fmt: skip
        box = note.get_window_extent(renderer).padded(1.5)
        yield 10 * _overlap(box, taken) + _overlap(box, bubbles) + 4 * _outside(box, frame), note, box


def _cheapest(spots: Iterator[tuple[float, Annotation, Bbox]]) -> Bbox:
    """Of the spots tried (each note drawn as it is tried), keep the note of the cheapest and remove the others;
    the first free spot (cost 0) ends the search. Returns the kept note's box."""
    best: tuple[float, Annotation, Bbox] | None = None
    for cost, note, box in spots:
        if best is None or cost < best[0]:
            if best is not None:
                best[1].remove()
            best = (cost, note, box)
        else:
            note.remove()
        if cost == 0:
            break
    assert best is not None
    return best[2]
