"""Tests for the cell value parsers (numbers, money, percentages, dates, booleans, lists, kinds)."""

from __future__ import annotations

import math
import string
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icp_assistant.tools.errors import OptionError
from icp_assistant.tools.values import (
    PLACEHOLDERS,
    ParsedNumber,
    guess_dayfirst,
    guess_decimal,
    infer_kind,
    is_placeholder,
    parse_bool,
    parse_date_series,
    parse_number,
    parse_number_series,
    parse_percent,
    split_multi,
)

# --------------------------------------------------------------------------------------------------
# Placeholders
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", sorted(PLACEHOLDERS))
def test_every_listed_placeholder_means_missing(text: str) -> None:
    assert is_placeholder(text)
    assert is_placeholder(f"  {text.upper()}  ")


@pytest.mark.parametrize(
    "value",
    [None, float("nan"), np.nan, pd.NA, pd.NaT, "", "   ", "N/A", "#N/A", "#DIV/0!", "###", "########",
     "(Blank)", "Not Available", "TBD", "nan", "NULL", "--None--"],
)  # fmt: skip
def test_missing_values_and_spreadsheet_errors_are_placeholders(value: object) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["0", 0, 0.0, "Acme", "#1", "##", "no", "false", "N/A Corp", 12])
def test_real_values_are_not_placeholders(value: object) -> None:
    assert not is_placeholder(value)


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
# parse_percent and parse_bool
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("TRUE", True), ("Yes", True), ("y", True), ("1", True), ("t", True), ("X", True),
     ("checked", True), ("on", True), (True, True), (1, True), (1.0, True),
     ("false", False), ("No", False), ("n", False), ("0", False), ("F", False), ("off", False),
     ("unchecked", False), (False, False), (0, False), (0.0, False)],
)  # fmt: skip
def test_a_checkbox_value_is_read_as_a_boolean(text: object, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["won", "lost", "maybe", "2", 2, "", "N/A", None, float("nan")])
def test_anything_else_is_not_a_boolean(text: object) -> None:
    assert parse_bool(text) is None


# --------------------------------------------------------------------------------------------------
# split_multi
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cat, wolf", ["cat", "wolf"]),
        ("Salesforce; HubSpot", ["Salesforce", "HubSpot"]),
        ("Salesforce;HubSpot;", ["Salesforce", "HubSpot"]),
        ("a | b", ["a", "b"]),
        ("CRM / ERP", ["CRM", "ERP"]),
        ("CRM/ERP", ["CRM/ERP"]),
        ("Ads + Email", ["Ads", "Email"]),
        ("C++", ["C++"]),
        ("one\ntwo\r\nthree", ["one", "two", "three"]),
        ("['Salesforce', 'HubSpot']", ["Salesforce", "HubSpot"]),
        ('["a","b"]', ["a", "b"]),
        ("['Acme, Inc.', 'Globex']", ["Acme, Inc.", "Globex"]),
        ("[Salesforce, HubSpot]", ["Salesforce", "HubSpot"]),
        ('"Salesforce", "HubSpot"', ["Salesforce", "HubSpot"]),
        ("HubSpot; hubspot; HUBSPOT; Marketo", ["HubSpot", "Marketo"]),
        ("Salesforce; N/A; ; -", ["Salesforce"]),
        ("  Solo  ", ["Solo"]),
        ("N/A", []),
        ("", []),
        (None, []),
        (float("nan"), []),
        (["a", "B", "b", None], ["a", "B"]),
    ],
)
def test_a_multi_valued_cell_is_split_into_distinct_parts(text: object, expected: list[str]) -> None:
    assert split_multi(text) == expected


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["25/03/2021", "01/02/2021"], True),
        (["25.03.2021"], True),
        (["25-03-2021"], True),
        (["03/25/2021", "01/02/2021"], False),
        (["3/25/21"], False),
        (["01/02/2021", "05/06/2021"], None),
        (["2021-03-25"], None),
        ([], None),
        (["25/03/2021", "26/03/2021", "03/27/2021"], True),
    ],
)
def test_day_first_order_is_guessed_from_parts_above_twelve(values: list[str], expected: bool | None) -> None:
    assert guess_dayfirst(values) is expected


DATE_EXAMPLES = [
    ("2021-03-25", "2021-03-25"),
    ("2021-03-25 13:45:00", "2021-03-25 13:45:00"),
    ("2021-03-25T13:45:00Z", "2021-03-25 13:45:00"),
    ("2021-03-25T13:45:00+02:00", "2021-03-25 11:45:00"),
    ("2021-03-25 13:45:00 UTC", "2021-03-25 13:45:00"),
    ("2021-3-5", "2021-03-05"),
    ("2021/03/05", "2021-03-05"),
    ("03/25/2021", "2021-03-25"),
    ("3/5/21", "2021-03-05"),
    ("03/25/2021 1:45 PM", "2021-03-25 13:45:00"),
    ("12/25/2021 12:30 am", "2021-12-25 00:30:00"),
    ("Mar 25, 2021", "2021-03-25"),
    ("25 March 2021", "2021-03-25"),
    ("Thursday, March 25th, 2021", "2021-03-25"),
    ("44280", "2021-03-25"),
    ("44280.5", "2021-03-25 12:00:00"),
]


@pytest.mark.parametrize(("text", "expected"), DATE_EXAMPLES)
def test_a_date_in_a_month_first_column_is_read(text: str, expected: str) -> None:
    parsed = parse_date_series(pd.Series([text, "01/02/2021"]))
    assert parsed.iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("text", ["25.03.2021", "25/03/2021", "25-03-2021", "25.3.21"])
def test_a_european_date_is_read_day_first(text: str) -> None:
    parsed = parse_date_series(pd.Series([text, "01.02.2021"]))
    assert parsed.tolist() == [pd.Timestamp("2021-03-25"), pd.Timestamp("2021-02-01")]


def test_an_undecidable_column_is_read_month_first() -> None:
    parsed = parse_date_series(pd.Series(["01/02/2021", "05/06/2021"]))
    assert parsed.tolist() == [pd.Timestamp("2021-01-02"), pd.Timestamp("2021-05-06")]


def test_an_explicit_dayfirst_overrides_the_guess() -> None:
    parsed = parse_date_series(pd.Series(["01/02/2021", "05/06/2021"]), dayfirst=True)
    assert parsed.tolist() == [pd.Timestamp("2021-02-01"), pd.Timestamp("2021-06-05")]


def test_an_unambiguous_date_against_the_column_order_is_still_read() -> None:
    parsed = parse_date_series(pd.Series(["03/25/2021", "03/26/2021", "27/03/2021"]))
    assert parsed.iloc[2] == pd.Timestamp("2021-03-27")


def test_the_result_is_naive_nanosecond_datetimes_with_the_same_index() -> None:
    series = pd.Series(["2021-03-25T10:00:00+01:00", "N/A", None], index=[7, 8, 9], name="created")
    parsed = parse_date_series(series)
    assert parsed.dtype == np.dtype("datetime64[ns]")
    assert parsed.index.equals(series.index)
    assert parsed.name == "created"
    assert parsed.iloc[0] == pd.Timestamp("2021-03-25 09:00:00")
    assert parsed.iloc[1:].isna().all()


@pytest.mark.parametrize("text", ["abc", "12345", "90000", "2021", "13/13/2021", "9999-01-01", "Q1 2021", "March"])
def test_text_that_is_not_a_date_gives_nat(text: str) -> None:
    assert parse_date_series(pd.Series([text])).isna().all()


def test_excel_serials_are_read_only_between_20000_and_80000() -> None:
    parsed = parse_date_series(pd.Series([44280, 19999, 80001, 20000, np.nan]))
    assert parsed.iloc[0] == pd.Timestamp("2021-03-25")
    assert pd.isna(parsed.iloc[1])
    assert pd.isna(parsed.iloc[2])
    assert parsed.iloc[3] == pd.Timestamp("1954-10-03")
    assert pd.isna(parsed.iloc[4])


def test_a_column_of_ten_digit_integers_is_read_as_epoch_seconds() -> None:
    expected = [pd.Timestamp("2021-03-25"), pd.Timestamp("2021-03-25 00:00:01")]
    assert parse_date_series(pd.Series(["1616630400", "1616630401"])).tolist() == expected
    assert parse_date_series(pd.Series([1616630400, 1616630401])).tolist() == expected


def test_a_column_of_thirteen_digit_integers_is_read_as_epoch_milliseconds() -> None:
    expected = [pd.Timestamp("2021-03-25"), pd.Timestamp("2021-03-25 00:00:00.500")]
    assert parse_date_series(pd.Series(["1616630400000", "1616630400500"])).tolist() == expected
    assert parse_date_series(pd.Series([1616630400000, 1616630400500])).tolist() == expected


def test_epoch_integers_mixed_with_other_dates_are_not_read_as_epochs() -> None:
    parsed = parse_date_series(pd.Series(["1616630400", "2021-03-25"]))
    assert pd.isna(parsed.iloc[0])
    assert parsed.iloc[1] == pd.Timestamp("2021-03-25")


def test_a_zoned_datetime_column_becomes_naive_utc() -> None:
    series = pd.Series(pd.to_datetime(["2021-03-25 10:00"]).tz_localize("Europe/Berlin"))
    assert parse_date_series(series).tolist() == [pd.Timestamp("2021-03-25 09:00")]


def test_an_object_column_of_timestamps_strings_and_serials_is_read() -> None:
    series = pd.Series([pd.Timestamp("2021-03-25"), "03/25/2021", 44280, True], dtype=object)
    parsed = parse_date_series(series)
    assert parsed.iloc[:3].tolist() == [pd.Timestamp("2021-03-25")] * 3
    assert pd.isna(parsed.iloc[3])


def test_a_large_date_column_is_parsed_correctly() -> None:
    stamps = pd.date_range("2015-01-01", periods=50_000, freq="37min")
    series = pd.Series(stamps.strftime("%m/%d/%Y %H:%M"))
    assert parse_date_series(series).tolist() == stamps.tolist()


# --------------------------------------------------------------------------------------------------
# infer_kind
# --------------------------------------------------------------------------------------------------

KIND_EXAMPLES = {
    "bool": ["Yes", "No", "yes", "N/A"] * 10,
    "percent": [f"{i / 3:.1f}%" for i in range(40)],
    "money": [f"${i}.{i % 10}M" for i in range(30)] + ["$300k", "$1,200", "€5 Mio", "USD 10"],
    "number": [str(i * 37) for i in range(50)],
    "ranges": ["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "10,000+"] * 5,
    "iso_date": [f"2021-03-{d:02d}" for d in range(1, 29)],
    "us_date": [f"03/{d:02d}/2021" for d in range(1, 29)],
    "month_date": [f"Mar {d}, 2021" for d in range(1, 29)],
    "multi": ["Salesforce; HubSpot", "HubSpot", "Salesforce; Marketo", "Marketo; HubSpot", "Salesforce"] * 8,
    "id": [f"0015g00000{i:05d}AAA" for i in range(40)],
    "uuid": [f"{i:08x}-1234-5678-9abc-def012345678" for i in range(40)],
    "emails": [f"person{i}@example.com" for i in range(40)],
    "text": [f"Company {i} builds software for logistics teams and sells it to mid-market firms" for i in range(40)],
    "names": [f"Jane Doe {i}" for i in range(40)],
    "category": ["Software", "Retail", "Finance", "Healthcare"] * 10,
    "small_category": ["Software", "Retail", "Finance"],
    "account_numbers": [f"00{i:05d}" for i in range(1000, 1040)],
}
EXPECTED_KINDS = {
    "bool": "bool",
    "percent": "percent",
    "money": "money",
    "number": "number",
    "ranges": "number",
    "iso_date": "date",
    "us_date": "date",
    "month_date": "date",
    "multi": "multi",
    "id": "id",
    "uuid": "id",
    "emails": "id",
    "text": "text",
    "names": "text",
    "category": "category",
    "small_category": "category",
    "account_numbers": "id",
}


@pytest.mark.parametrize("column", sorted(KIND_EXAMPLES))
def test_the_kind_of_an_unmapped_column_is_inferred_from_its_values(column: str) -> None:
    assert infer_kind(KIND_EXAMPLES[column]) == EXPECTED_KINDS[column]


def test_a_column_of_placeholders_is_text() -> None:
    assert infer_kind(["N/A", "", "-"]) == "text"


def test_kind_inference_is_deterministic_and_looks_at_a_bounded_sample() -> None:
    values = [str(i) for i in range(1000)] + ["not a number"] * 5000
    assert infer_kind(values) == "number"
    assert infer_kind(values) == infer_kind(list(values))


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


_part = (
    st.text(alphabet=string.ascii_letters + string.digits + " -_.&", min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda p: bool(p) and not is_placeholder(p))
)


@given(st.lists(_part, min_size=1, max_size=6, unique_by=str.casefold))
def test_joined_distinct_parts_split_back(parts: list[str]) -> None:
    assert split_multi(";".join(parts)) == parts


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_percent_sign_divides_by_one_hundred(x: float) -> None:
    assert parse_percent(f"{x}%") == x / 100


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


_stamps = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
_formats = st.sampled_from(
    [
        ("%Y-%m-%d %H:%M:%S", None),
        ("%Y-%m-%dT%H:%M:%SZ", None),
        ("%m/%d/%Y %H:%M:%S", False),
        ("%m/%d/%Y %I:%M:%S %p", False),
        ("%d.%m.%Y %H:%M:%S", True),
        ("%d/%m/%Y %H:%M:%S", True),
        ("%b %d, %Y %H:%M:%S", False),
        ("%d %B %Y %H:%M:%S", True),
    ]
)


@given(_stamps, _formats)
def test_a_formatted_timestamp_parses_back(stamp: datetime, form: tuple[str, bool | None]) -> None:
    fmt, dayfirst = form
    parsed = parse_date_series(pd.Series([stamp.strftime(fmt)]), dayfirst=dayfirst)
    assert parsed.iloc[0] == pd.Timestamp(stamp)


@settings(deadline=None, max_examples=80)
@given(
    st.lists(
        st.text(max_size=25) | st.text(alphabet="0123456789/.-: apmMarchJn,TZ", max_size=25),
        min_size=1,
        max_size=10,
    )
)
def test_the_date_parser_never_raises_or_warns_on_arbitrary_text(cells: list[str]) -> None:
    parsed = parse_date_series(pd.Series(cells, dtype="str"))
    assert parsed.dtype == np.dtype("datetime64[ns]")
    assert len(parsed) == len(cells)
