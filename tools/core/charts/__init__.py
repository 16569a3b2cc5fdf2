"""Headless PNG charts for the analysis tools: lift bars, segment bubbles, value concentration, breakdowns.

Every chart takes plain inputs (numbers, strings and the small dataclasses :class:`LiftBar` and
:class:`SegmentPoint`), writes one PNG atomically (a temporary file in the target folder, then
:func:`os.replace`) and returns its path. The style is meant to be pasted into a slide deck as is: a
bold title and a grey subtitle on the left, axis labels with units, value labels where they help, the
Okabe-Ito colour-blind-safe palette, 8 x 4.5 inches at 150 dpi (1200 x 675 pixels).

Only the object-oriented matplotlib API is used (:class:`~matplotlib.figure.Figure` with the Agg
canvas); nothing touches pyplot's global figure list or the global rcParams, so charts can be drawn
from several worker threads at once. The same input gives the same PNG bytes: the file carries no
software version or timestamp.

Modules: ``palette`` (colours, sizes, ``money`` and ``png_base64``: no matplotlib), ``style`` (fonts, the figure
and its title block, the atomic save), ``lift`` (:func:`lift_bars`), ``bubbles`` (:func:`segment_bubbles`),
``concentration`` (:func:`value_concentration`) and ``breakdown`` (:func:`bar_breakdown`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .breakdown import bar_breakdown
    from .bubbles import SegmentPoint, segment_bubbles
    from .concentration import value_concentration
    from .lift import LiftBar, lift_bars

from .palette import money, png_base64

# matplotlib is imported on first use of a chart (PEP 562), not when the server starts.
_LAZY = {
    "LiftBar": "lift",
    "lift_bars": "lift",
    "SegmentPoint": "bubbles",
    "segment_bubbles": "bubbles",
    "value_concentration": "concentration",
    "bar_breakdown": "breakdown",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


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
