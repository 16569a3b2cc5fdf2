"""Regex tests on a column of texts, run by Arrow's RE2 engine without pandas' look at the pattern on every call.

pandas 3 parses each pattern with Python's regex parser on every ``str.contains`` / ``str.fullmatch`` call, to
decide whether RE2 can run it: about 1.5 ms for the decimal-mark evidence, most of the cost of reading a column of
one or a few distinct cells (a prospect's 65 fields, a small file). Here each pattern is checked once: it must be
read the same by RE2 and by Python (no lookaround, back-reference, ``\\s``, ``\\d``, ``\\w``, ``\\b``, ``\\Z`` or
unicode escapes, which pandas hands to Python). The one case left to the data is ``$``, which Python also matches
before a final line break: when a pattern has one and a text holds a line break, the call goes through pandas as
before. So every result equals pandas' own (``na=False``)."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["contains", "fullmatch"]

_PYTHON_ONLY = re.compile(r"\\[sSdDwWbBZuUN1-9]|\(\?[=!<]")
_END = re.compile(r"(?<!\\)\$")


@cache
def _ends(pattern: str) -> bool:
    """Whether ``pattern`` anchors at the end (``$``); raises if RE2 and Python would read it differently."""
    if found := _PYTHON_ONLY.search(pattern):
        raise ValueError(f"{pattern!r}: {found.group()} is read differently by RE2 and Python; spell it out")
    return _END.search(pattern) is not None


def _arrow(texts: pd.Series, pattern: str) -> pa.ChunkedArray | None:
    """The texts as Arrow strings when RE2 reads ``pattern`` on them as pandas would; None: leave it to pandas."""
    dtype = texts.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None  # Python strings: pandas matches them with Python's re
    cells: pa.ChunkedArray = texts.array.__arrow_array__()  # the Arrow protocol: the column's own chunks, no copy
    if _ends(pattern) and pc.any(pc.match_substring(cells, "\n"), min_count=0).as_py():
        return None
    return cells


def _flags(matched: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(matched, False).to_numpy(zero_copy_only=False), dtype=bool)


def contains(texts: pd.Series, pattern: str) -> np.ndarray:
    """True per text in which ``pattern`` matches somewhere; a missing text is False."""
    cells = _arrow(texts, pattern)
    if cells is None:
        return texts.str.contains(pattern, regex=True, na=False).to_numpy(dtype=bool)
    return _flags(pc.match_substring_regex(cells, pattern))


def fullmatch(texts: pd.Series, pattern: str) -> np.ndarray:
    """True per text that ``pattern`` matches whole; a missing text is False."""
    cells = _arrow(texts, pattern)
    if cells is None:
        return texts.str.fullmatch(pattern, na=False).to_numpy(dtype=bool)
    return _flags(pc.match_substring_regex(cells, f"^(?:{pattern})$"))
