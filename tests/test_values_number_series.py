"""Tests for the number column parsers: guess_decimal and parse_number_series."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icp_assistant.tools.core.values import guess_decimal, parse_number, parse_number_series

# --------------------------------------------------------------------------------------------------
# guess_decimal
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1.234,56", "12,5", "100"], ","),
        (["1.234.567", "3"], ","),
        (["12,5", "7,25", "1,234"], ","),
        (["0,125"], ","),
        (["1,234.56", "12.5"], "."),
        (["1,234,567", "1,234"], "."),
        (["1,234", "1.234"], "."),
        (["1.2M", "$300k"], "."),
        ([], "."),
        (["N/A", "abc"], "."),
    ],
)
def test_the_decimal_mark_of_a_column_is_guessed_from_unambiguous_values(values: list[str], expected: str) -> None:
    assert guess_decimal(values) == expected


# --------------------------------------------------------------------------------------------------
# parse_number_series
# --------------------------------------------------------------------------------------------------


def test_a_large_string_column_is_parsed_correctly() -> None:
    rng = np.random.default_rng(7)
    numbers = rng.integers(0, 5_000_000, 100_000)
    cells = [f"{n:,}" for n in numbers]
    cells[::10] = ["N/A"] * len(cells[::10])
    cells[1::10] = ["51-200"] * len(cells[1::10])
    cells[2::10] = ["$1.2M"] * len(cells[2::10])
    series = pd.Series(cells, index=pd.RangeIndex(5, 100_005), name="revenue")
    frame = parse_number_series(series)

    assert list(frame.columns) == ["value", "low", "high", "parsed"]
    assert frame.index.equals(series.index)
    assert frame.dtypes.to_dict() == {
        "value": np.dtype("float64"),
        "low": np.dtype("float64"),
        "high": np.dtype("float64"),
        "parsed": np.dtype("bool"),
    }
    plain = np.ones(len(cells), dtype=bool)
    plain[::10] = plain[1::10] = plain[2::10] = False
    np.testing.assert_array_equal(frame["value"].to_numpy()[plain], numbers[plain].astype(float))
    assert frame["value"].iloc[::10].isna().all()
    assert not frame["parsed"].iloc[::10].any()
    assert (frame["value"].iloc[1::10] == 125.5).all()
    assert (frame["low"].iloc[1::10] == 51).all()
    assert (frame["high"].iloc[1::10] == 200).all()
    assert (frame["value"].iloc[2::10] == 1_200_000).all()
    assert int(frame["parsed"].sum()) == 90_000


def test_a_numeric_column_is_taken_as_it_is() -> None:
    series = pd.Series([1, 2.5, np.nan, -4, np.inf], index=list("abcde"))
    frame = parse_number_series(series)
    assert frame.index.equals(series.index)
    for column in ("value", "low", "high"):
        np.testing.assert_array_equal(frame[column].to_numpy(), [1, 2.5, np.nan, -4, np.nan])
    assert frame["parsed"].tolist() == [True, True, False, True, False]


def test_a_nullable_integer_column_is_taken_as_it_is() -> None:
    frame = parse_number_series(pd.Series([1, None, 3], dtype="Int64"))
    np.testing.assert_array_equal(frame["value"].to_numpy(), [1, np.nan, 3])
    assert frame["parsed"].tolist() == [True, False, True]


def test_a_european_column_is_read_with_one_decimal_mark() -> None:
    series = pd.Series(["1.234", "1.234,5", "12,5", "2.000.000"])
    frame = parse_number_series(series)
    assert frame["value"].tolist() == [1234, 1234.5, 12.5, 2_000_000]


def test_an_american_column_is_read_with_one_decimal_mark() -> None:
    series = pd.Series(["1.234", "1,234.5", "12.5", "2,000,000"])
    frame = parse_number_series(series)
    assert frame["value"].tolist() == [1.234, 1234.5, 12.5, 2_000_000]


def test_an_open_ended_cell_has_a_missing_high_but_is_parsed() -> None:
    frame = parse_number_series(pd.Series(["10,000+", None, "", "<50"]))
    assert frame["value"].tolist()[0] == 10_000
    assert math.isnan(frame["high"].iloc[0])
    assert frame["parsed"].tolist() == [True, False, False, True]
    assert frame.loc[3, ["value", "low", "high"]].tolist() == [25, 0, 50]


def test_an_object_column_mixing_numbers_and_text_is_parsed_cell_by_cell() -> None:
    series = pd.Series([5, "1,234", 2.5, None, "abc", True], dtype=object)
    frame = parse_number_series(series)
    np.testing.assert_array_equal(frame["value"].to_numpy(), [5, 1234, 2.5, np.nan, np.nan, np.nan])


def test_a_boolean_column_has_no_numbers() -> None:
    frame = parse_number_series(pd.Series([True, False]))
    assert not frame["parsed"].any()


def test_an_empty_column_gives_an_empty_frame() -> None:
    frame = parse_number_series(pd.Series([], dtype="str"))
    assert frame.empty
    assert list(frame.columns) == ["value", "low", "high", "parsed"]


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------

money_amounts = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 2))
_SWAP = str.maketrans({",": ".", ".": ","})


_number_cell = st.one_of(
    st.integers(-(10**9), 10**9).map(str),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.integers(0, 10**9).map(lambda n: f"{n:,}".replace(",", ".")),
    money_amounts.map(lambda x: f"{x:,.2f}"),
    money_amounts.map(lambda x: f"{x:,.2f}".translate(_SWAP)),
    st.floats(-1e6, 1e6, allow_nan=False).map(str),
    st.sampled_from(["N/A", "", "51-200", "10,000+", "$1.2M", "1,5", "0,25", "abc", "1.234", "0.234"]),
)


@settings(deadline=None, max_examples=60)
@given(st.lists(_number_cell, min_size=1, max_size=30))
def test_the_column_parser_agrees_with_the_cell_parser(cells: list[str]) -> None:
    frame = parse_number_series(pd.Series(cells, dtype="str"))
    mark = guess_decimal(cells)
    for cell, value, parsed in zip(cells, frame["value"], frame["parsed"], strict=True):
        expected = parse_number(cell, decimal=mark)
        assert parsed == (expected is not None)
        if expected is not None:
            assert value == expected.value
