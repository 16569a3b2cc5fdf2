"""Cell-level readers that need no column context: placeholders ("N/A", "--", "#N/A"), checkbox
booleans and multi-valued cells (``"Salesforce; HubSpot"``, ``"['a', 'b']"``).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from numbers import Real

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------------------
# Placeholders
# --------------------------------------------------------------------------------------------------

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "-",
        "--",
        "---",
        "–",
        "—",
        "none",
        "null",
        "nil",
        "nan",
        "nat",
        "<na>",
        "unknown",
        "select",
        "please select",
        "--none--",
        "(none)",
        "(blank)",
        "(empty)",
        "#n/a",
        "#name?",
        "#value!",
        "#ref!",
        "#div/0!",
        "#null!",
        "#num!",
        "#####",
        "?",
        "??",
        "???",
        "tbd",
        "not available",
        "not applicable",
    }
)
_HASH_RUN = re.compile(r"#{3,}")


def is_placeholder(value: object) -> bool:
    """True for a cell that means "missing": None, NaN, NA, NaT, or a placeholder string."""
    if isinstance(value, str):
        text = value.strip().lower()
        return text in PLACEHOLDERS or _HASH_RUN.fullmatch(text) is not None
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


# --------------------------------------------------------------------------------------------------
# Booleans
# --------------------------------------------------------------------------------------------------

_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0", "x", "checked", "on", "✓", "✔", "☑"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0", "unchecked", "off", "✗", "✘", "☐"})


def parse_bool(text: object) -> bool | None:
    """Read a checkbox: true/false, yes/no, y/n, t/f, 1/0, x, checked/unchecked, on/off; else None."""
    if isinstance(text, bool | np.bool_):
        return bool(text)
    if isinstance(text, Real) and not is_placeholder(text):
        text = str(float(text))
    if not isinstance(text, str):
        return None
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    return False if lowered in _FALSE else None


# --------------------------------------------------------------------------------------------------
# Multi-valued cells
# --------------------------------------------------------------------------------------------------

_MULTI_SPLIT = re.compile(r"\s*(?:[;|,\n\r]|\s/\s|\s\+\s)\s*")
_PART_STRIP = " \t\"'“”‘’`[]{}"
_MAX_LITERAL = 10_000


def split_multi(text: object) -> list[str]:
    """Split a multi-valued cell (``"Salesforce; HubSpot"``, ``"['a', 'b']"``) into distinct parts.

    Splits on ``;`` ``|`` ``,`` newlines, `` / `` and `` + ``; strips quotes and brackets; drops
    placeholders; keeps the first spelling of case-insensitive duplicates, in order.
    """
    if isinstance(text, list | tuple):
        raw = [str(item) for item in text if not is_placeholder(item)]
    elif is_placeholder(text):
        return []
    else:
        raw = _raw_parts(str(text).strip())
    return _distinct(part.strip().strip(_PART_STRIP).strip() for part in raw)


def _raw_parts(text: str) -> list[str]:
    listed = _literal_list(text)
    if listed is not None:
        return [str(item) for item in listed if not is_placeholder(item)]
    if text[:1] in "[{" and text[-1:] in "]}":
        text = text[1:-1]
    return _MULTI_SPLIT.split(text)


def _literal_list(text: str) -> list[object] | None:
    """The items of a JSON or Python list literal of scalars, else None."""
    if not (text.startswith("[") and text.endswith("]")) or len(text) > _MAX_LITERAL:
        return None
    for loader in (json.loads, ast.literal_eval):
        try:
            items = loader(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(items, list) and all(isinstance(i, str | int | float) for i in items):
            return items
    return None


def _distinct(parts: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for part in parts:
        key = part.casefold()
        if part and key not in seen and not is_placeholder(part):
            seen.add(key)
            kept.append(part)
    return kept
