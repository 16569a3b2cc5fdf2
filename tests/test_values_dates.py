"""Tests for the date parsers: guess_dayfirst and parse_date_series."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icp_assistant.tools.core.values import guess_dayfirst, parse_date_series

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
# Properties
# --------------------------------------------------------------------------------------------------

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
