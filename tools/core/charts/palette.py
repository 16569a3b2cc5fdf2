"""The charts' palette, sizes and the money / base64 helpers, without matplotlib: a workbook or a document can
take the colours and formats without loading the plotting library (the server starts without it)."""

from __future__ import annotations

import base64
import math
from pathlib import Path

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
GREY = "#BDBDBD"

# Tier colours: green, amber, red as the scorecard names them (Okabe-Ito tones), grey when unscored.
TIER_COLOURS = {"green": GREEN, "yellow": ORANGE, "red": VERMILLION, "unscored": GREY}

INK = "#222222"
MUTED = "#666666"
FAINT = "#E6E6E6"

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 150
COMPACT = (6.4, 4.2)  # inches: charts in a document read on a phone as well as on paper
TITLE_PT, SUBTITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 14, 10, 10, 9, 8


def money(x: float, symbol: str = "$") -> str:
    """Compact amount: ``$950``, ``$12k``, ``$1.2M``, ``$3.4B``, ``-$1.2M``; ``n/a`` when not finite. ``symbol`` is
    the currency sign ("" when the file states none)."""
    if not math.isfinite(x):
        return "n/a"
    amount = abs(x)
    sign = "-" if x < 0 and round(amount) > 0 else ""
    if round(amount) < 1000:
        return f"{sign}{symbol}{amount:,.0f}"
    for scale, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
        scaled = amount / scale
        text = f"{scaled:.1f}" if scaled < 9.95 else f"{scaled:,.0f}"
        if suffix == "B" or float(text.replace(",", "")) < 1000:
            return f"{sign}{symbol}{text.removesuffix('.0')}{suffix}"
    raise AssertionError("unreachable")  # pragma: no cover


def png_base64(path: Path) -> str:
    """The file's bytes as base64 text, for MCP ``ImageContent`` or an HTML ``data:image/png`` URI."""
    return base64.b64encode(Path(path).read_bytes()).decode("ascii")
