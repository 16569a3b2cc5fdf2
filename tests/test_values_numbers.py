"""Tests for the number cell parsers: parse_number (numbers, money, ranges) and parse_percent."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from icp_assistant.tools.core.errors import OptionError
from icp_assistant.tools.core.values import (
    ParsedNumber,
    is_placeholder,
    parse_bool,
    parse_number,
    parse_number_series,
    parse_percent,
    split_multi,
)

# --------------------------------------------------------------------------------------------------
# parse_number: examples
# --------------------------------------------------------------------------------------------------

NUMBER_EXAMPLES: list[tuple[str, float, float | None, float | None]] = [
    # text, value, low, high
    ("1234", 1234, 1234, 1234),
    ("1,234,567", 1_234_567, 1_234_567, 1_234_567),
    ("1.234.567", 1_234_567, 1_234_567, 1_234_567),
    ("1.234,56", 1234.56, 1234.56, 1234.56),
    ("1,234.56", 1234.56, 1234.56, 1234.56),
    ("1,234", 1234, 1234, 1234),
    ("1,5", 1.5, 1.5, 1.5),
    ("1,25", 1.25, 1.25, 1.25),
    ("0,5", 0.5, 0.5, 0.5),
    ("12.5", 12.5, 12.5, 12.5),
    ("-3", -3, -3, -3),
    ("−3", -3, -3, -3),
    ("(1,234)", -1234, -1234, -1234),
    ("($1,234.50)", -1234.5, -1234.5, -1234.5),
    ("-$1,234", -1234, -1234, -1234),
    ("$1.2M", 1_200_000, 1_200_000, 1_200_000),
    ("1.2M", 1_200_000, 1_200_000, 1_200_000),
    ("1,2 Mio", 1_200_000, 1_200_000, 1_200_000),
    ("€5 Mio", 5_000_000, 5_000_000, 5_000_000),
    ("5 Mio €", 5_000_000, 5_000_000, 5_000_000),
    ("EUR 5m", 5_000_000, 5_000_000, 5_000_000),
    ("5MM", 5_000_000, 5_000_000, 5_000_000),
    ("5 million", 5_000_000, 5_000_000, 5_000_000),
    ("£300k", 300_000, 300_000, 300_000),
    ("10k", 10_000, 10_000, 10_000),
    ("10K", 10_000, 10_000, 10_000),
    ("2.5bn", 2_500_000_000, 2_500_000_000, 2_500_000_000),
    ("3B", 3_000_000_000, 3_000_000_000, 3_000_000_000),
    ("1 Mrd", 1_000_000_000, 1_000_000_000, 1_000_000_000),
    ("2 billion", 2_000_000_000, 2_000_000_000, 2_000_000_000),
    ("$1,200,000.00", 1_200_000, 1_200_000, 1_200_000),
    ("USD 1200", 1200, 1200, 1200),
    ("1200 USD", 1200, 1200, 1200),
    ("R$ 1.500,00", 1500, 1500, 1500),
    ("BRL 10", 10, 10, 10),
    ("CAD 1,000", 1000, 1000, 1000),
    ("AUD 2k", 2000, 2000, 2000),
    ("GBP 7", 7, 7, 7),
    ("¥500", 500, 500, 500),
    ("1 200 000", 1_200_000, 1_200_000, 1_200_000),
    ("1\u00a0200\u00a0000", 1_200_000, 1_200_000, 1_200_000),
    ("1\u202f200\u202f000", 1_200_000, 1_200_000, 1_200_000),
    ("1 234,5", 1234.5, 1234.5, 1234.5),
    ("1'234'567", 1_234_567, 1_234_567, 1_234_567),
    ("~5000", 5000, 5000, 5000),
    ("1e6", 1_000_000, 1_000_000, 1_000_000),
    ("1.5E-3", 0.0015, 0.0015, 0.0015),
    ("12%", 0.12, 0.12, 0.12),
    ("12.5 %", 0.125, 0.125, 0.125),
    ("51-200", 125.5, 51, 200),
    ("51 - 200", 125.5, 51, 200),
    ("51–200", 125.5, 51, 200),
    ("51 to 200", 125.5, 51, 200),
    ("1k-5k", 3000, 1000, 5000),
    ("1-5M", 3_000_000, 1_000_000, 5_000_000),
    ("500-1k", 750, 500, 1000),
    ("$1M - $5M", 3_000_000, 1_000_000, 5_000_000),
    ("10-20%", 0.15, 0.1, 0.2),
    ("10,000+", 10_000, 10_000, None),
    ("10000+", 10_000, 10_000, None),
    (">10000", 10_000, 10_000, None),
    (">= 5k", 5000, 5000, None),
    ("more than 500", 500, 500, None),
    ("<50", 25, 0, 50),
    ("less than 50", 25, 0, 50),
    ("under 1M", 500_000, 0, 1_000_000),
]


@pytest.mark.parametrize(("text", "value", "low", "high"), NUMBER_EXAMPLES)
def test_a_messy_number_is_read_with_its_bounds(text: str, value: float, low: float | None, high: float | None) -> None:
    parsed = parse_number(text)
    assert parsed is not None
    assert parsed.value == pytest.approx(value)
    assert parsed.low == (None if low is None else pytest.approx(low))
    assert parsed.high == (None if high is None else pytest.approx(high))


def test_a_plain_number_is_neither_a_range_nor_open_ended() -> None:
    assert parse_number("1,234") == ParsedNumber(1234.0, 1234.0, 1234.0, False, False)


def test_a_range_is_flagged_as_a_range() -> None:
    parsed = parse_number("51-200")
    assert parsed is not None
    assert parsed.is_range
    assert not parsed.open_ended


def test_an_open_ended_value_has_no_upper_bound_and_uses_its_lower_bound() -> None:
    assert parse_number("10,000+") == ParsedNumber(10_000.0, 10_000.0, None, True, True)


def test_an_upper_bounded_value_runs_from_zero() -> None:
    assert parse_number("<50") == ParsedNumber(25.0, 0.0, 50.0, True, False)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,5", 1.5), ("1,25", 1.25), ("1.234", 1234), ("1.234,56", 1234.56), ("12.5", 12.5), ("5", 5)],
)
def test_a_european_decimal_comma_is_read_as_a_decimal(text: str, value: float) -> None:
    parsed = parse_number(text, decimal=",")
    assert parsed is not None
    assert parsed.value == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [("1,234", 1234), ("1.234", 1.234), ("1,5", 1.5)])
def test_an_explicit_decimal_point_settles_ambiguous_separators(text: str, value: float) -> None:
    parsed = parse_number(text, decimal=".")
    assert parsed is not None
    assert parsed.value == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    ["abc", "", "N/A", "-", "#####", "1.2.3", "12 34", "2021-03-25", "25.03.2021", "1e999", "200-51",
     "1-2-3", "+49 30 1234567", "12abc", "$", "k", "10-20+", "Q1"],
)  # fmt: skip
def test_unreadable_text_gives_none(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("value", [True, False, np.bool_(True), None, float("nan"), float("inf"), pd.NA, [1]])
def test_booleans_missing_and_non_numbers_give_none(value: object) -> None:
    assert parse_number(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5.0), (2.5, 2.5), (np.int64(7), 7.0), (np.float32(1.5), 1.5), (Decimal("2.25"), 2.25), (-1, -1.0)],
)
def test_numbers_that_are_already_numbers_are_taken_as_they_are(value: object, expected: float) -> None:
    assert parse_number(value) == ParsedNumber(expected, expected, expected, False, False)


def test_an_unknown_decimal_mark_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="decimal"):
        parse_number("1,5", decimal=";")  # type: ignore[arg-type]
    with pytest.raises(OptionError):
        parse_number_series(pd.Series(["1"]), decimal="x")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# parse_percent
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12%", 0.12), ("12.5 %", 0.125), ("0.12", 0.12), ("12", 0.12), ("-5%", -0.05), ("1", 1.0),
     ("100%", 1.0), ("12,5%", 0.125), (12, 0.12), (0.3, 0.3), ("0%", 0.0)],
)  # fmt: skip
def test_a_percentage_is_read_as_a_fraction(text: object, expected: float) -> None:
    assert parse_percent(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["N/A", "", None, "abc", True, float("nan")])
def test_an_unreadable_percentage_gives_none(text: object) -> None:
    assert parse_percent(text) is None


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------

money_amounts = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 2))
_SWAP = str.maketrans({",": ".", ".": ","})


@given(money_amounts)
def test_thousands_formatted_numbers_round_trip(x: float) -> None:
    parsed = parse_number(f"{x:,.2f}")
    assert parsed is not None
    assert math.isclose(parsed.value, x, rel_tol=1e-6, abs_tol=1e-9)


@given(money_amounts)
def test_european_formatted_numbers_round_trip_with_a_decimal_comma(x: float) -> None:
    parsed = parse_number(f"{x:,.2f}".translate(_SWAP), decimal=",")
    assert parsed is not None
    assert math.isclose(parsed.value, x, rel_tol=1e-6, abs_tol=1e-9)


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_a_non_negative_integer_range_reads_its_bounds_and_midpoint(a: int, b: int) -> None:
    low, high = sorted((a, b))
    parsed = parse_number(f"{low}-{high}")
    assert parsed is not None
    assert (parsed.low, parsed.high, parsed.value) == (low, high, (low + high) / 2)
    assert parsed.is_range


@given(st.text())
def test_parsers_never_raise_on_arbitrary_text(text: str) -> None:
    parse_number(text)
    parse_number(text, decimal=",")
    parse_percent(text)
    parse_bool(text)
    split_multi(text)
    is_placeholder(text)


@given(st.text(alphabet="0123456789.,-+ kKmMbB$€%()<>eE'~", max_size=20))
def test_number_like_text_never_raises_and_gives_finite_values(text: str) -> None:
    parsed = parse_number(text)
    if parsed is not None:
        assert math.isfinite(parsed.value)
        assert parsed.low is None or parsed.high is None or parsed.low <= parsed.high


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_percent_sign_divides_by_one_hundred(x: float) -> None:
    assert parse_percent(f"{x}%") == x / 100
