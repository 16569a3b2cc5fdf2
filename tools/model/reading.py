"""The one reading of a cell, at build time and at every scoring: trimmed and case-folded; yes / y / true / t / 1
are one level ("yes"), and so are no / n / false / f / 0; 1, 1.0 and "1" are one number; placeholders are not
recorded. A column typed text in one file and boolean or number in another scores the same (:class:`Reader`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import MULTI_SEPARATOR, split_cells
from icp_assistant.tools.core.distinct import spread
from icp_assistant.tools.core.values import PLACEHOLDERS, is_placeholder
from icp_assistant.tools.core.values.number_series import parse_number_series

if TYPE_CHECKING:
    from .scorecard import Criterion

NOT_RECORDED = "not recorded"
YES_WORDS = ("yes", "y", "true", "t", "1")
NO_WORDS = ("no", "n", "false", "f", "0")
RULE = "trim + casefold; yes/y/true/t/1 = yes; no/n/false/f/0 = no; 1.0 = 1; placeholders = not recorded"


def canonical(value: object) -> str | None:
    """The one reading of a cell used at build time and at every later scoring: None when not recorded."""
    if value is None or is_placeholder(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        if number in (0.0, 1.0):
            return "yes" if number else "no"
        return str(int(number)) if number.is_integer() else repr(number)
    text = str(value).strip().casefold()
    if not text:
        return None
    if text in YES_WORDS or text in NO_WORDS:
        return "yes" if text in YES_WORDS else "no"
    try:
        number = float(text)
    except ValueError:
        return text
    return canonical(number) if math.isfinite(number) and (text[0].isdigit() or text[0] in "+-.") else text


class Reader:
    """One column read by the scoring rule: each distinct cell is read once, however many rows hold it."""

    def __init__(self, series: pd.Series) -> None:
        # only the numbers' type is kept, not the column: a fit holds a reader per column (codes as int32: half)
        self._typed_numbers = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        self.codes = codes.astype(np.int32) if len(uniques) < 2**31 - 1 else codes
        self.uniques = np.asarray(uniques, dtype=object)
        self._tokens: np.ndarray | None = None
        self._parts: tuple[np.ndarray, np.ndarray, dict[str, int]] | None = None
        self._numbers: np.ndarray | None = None
        self._cell_rows: tuple[np.ndarray, int] | None = None

    def cell_rows(self, among: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """Rows per distinct cell and rows with no cell (only the rows the 0/1 ``among`` marks, when given)."""
        if among is None and self._cell_rows is not None:
            return self._cell_rows
        marked = np.ones(len(self.codes), dtype=bool) if among is None else among.astype(bool)
        known = self.codes >= 0
        counted = np.bincount(self.codes[known & marked], minlength=len(self.uniques)), int((~known & marked).sum())
        if among is None:
            self._cell_rows = counted
        return counted

    def count(self, criterion: Criterion, cells: tuple[np.ndarray, int]) -> int:
        """Rows the criterion matches, from :meth:`cell_rows` (no mask of rows)."""
        hit, missing = self.hits(criterion)
        per_cell, empty = cells
        return int(per_cell[hit].sum()) + (empty if missing else 0)

    def tokens(self) -> np.ndarray:
        if self._tokens is None:
            self._tokens = np.array([canonical(v) for v in self.uniques], dtype=object)
        return self._tokens

    def numbers(self) -> np.ndarray:
        if self._numbers is None:
            if self._typed_numbers:
                values = pd.to_numeric(pd.Series(self.uniques), errors="coerce")
            else:  # booleans read as 1 / 0 (a one-row file may type a 0/1 count as a flag); text by the number parser
                text = pd.Series(self.uniques, dtype=object).map(_number_text)
                values = parse_number_series(text)["value"]
            self._numbers = values.to_numpy(dtype=float)
        return self._numbers

    def parts(self) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """The distinct cells split into their listed values, each value read once: per part, the number of its
        reading and the cell it is in, and the number of each reading (parts that read as not recorded have none)."""
        if self._parts is None:
            text = pd.Series(self.uniques, dtype=object).map(lambda v: "" if v is None else str(v))
            parts = split_cells(text, MULTI_SEPARATOR.strip())
            codes, raws = pd.factorize(parts)  # each distinct part read once
            readings = pd.Series([canonical(raw) for raw in raws], dtype=object)
            reading_of, distinct = pd.factorize(readings)  # parts that read alike: one number
            part_of = np.append(reading_of, -1)[codes]  # a missing part or one not recorded: -1
            known = {str(reading): number for number, reading in enumerate(distinct)}
            self._parts = part_of, np.asarray(parts.index, dtype=np.int64), known
        return self._parts

    def match(self, criterion: Criterion) -> np.ndarray:
        """The rows the criterion matches."""
        hit, missing = self.hits(criterion)
        return spread(hit, self.codes, missing)

    def hits(self, criterion: Criterion) -> tuple[np.ndarray, bool]:
        """Which distinct cells the criterion matches, and whether it matches the empty ones."""
        if criterion.kind == "missing":
            return pd.isna(self.tokens()).astype(bool), True
        if criterion.kind == "range":
            numbers = self.numbers()
            low = -np.inf if criterion.low is None else criterion.low
            high = np.inf if criterion.high is None else criterion.high
            with np.errstate(invalid="ignore"):
                return (numbers >= low) & (numbers < high), False
        if criterion.kind == "multi":
            part_of, cell_of, known = self.parts()
            hit = np.zeros(len(self.uniques), dtype=bool)
            if isinstance(criterion.value, str) and criterion.value in known:
                hit[cell_of[part_of == known[criterion.value]]] = True
            return hit, False
        return self.tokens() == criterion.value, False


def _number_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    return str(value)


def placeholders_sql() -> list[str]:
    """The placeholder spellings that read as 'not recorded' (for the exported SQL)."""
    return sorted(PLACEHOLDERS)
