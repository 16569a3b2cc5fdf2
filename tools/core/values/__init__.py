"""Parse the values of messy CRM export cells: numbers, money, percentages, dates, booleans and lists.

The scalar parsers return ``None`` for anything they cannot read rather than raising; the series
parsers return NaN / NaT and work on the unique values of a column only. Decimal marks and day/month
order are decided once per column (:func:`guess_decimal`, :func:`guess_dayfirst`) so a column is read
consistently.

Modules: ``cells`` (placeholders, booleans, multi-valued cells), ``numbers`` (one cell as a number),
``guesses`` (column-level guesses), ``number_series`` and ``dates`` (whole columns), ``matching`` (regex tests on
a column), ``date_shapes`` (date regexes) and ``kinds`` (what a column holds).
"""

from __future__ import annotations

from .cells import PLACEHOLDERS, is_placeholder, parse_bool, split_multi
from .dates import parse_date_series, parse_distinct_dates
from .guesses import guess_dayfirst, guess_decimal
from .kinds import ValueKind, infer_kind
from .number_series import parse_distinct_numbers, parse_number_series
from .numbers import DecimalMark, ParsedNumber, parse_number, parse_percent

__all__ = [
    "PLACEHOLDERS",
    "DecimalMark",
    "ParsedNumber",
    "ValueKind",
    "guess_dayfirst",
    "guess_decimal",
    "infer_kind",
    "is_placeholder",
    "parse_bool",
    "parse_date_series",
    "parse_distinct_dates",
    "parse_distinct_numbers",
    "parse_number",
    "parse_number_series",
    "parse_percent",
    "split_multi",
]
