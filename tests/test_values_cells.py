"""Tests for the cell parsers: placeholders, booleans and multi-valued cells."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from icp_assistant.tools.core.values import PLACEHOLDERS, is_placeholder, parse_bool, split_multi

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
# parse_bool
# --------------------------------------------------------------------------------------------------


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
# Properties
# --------------------------------------------------------------------------------------------------

_part = (
    st.text(alphabet=string.ascii_letters + string.digits + " -_.&", min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda p: bool(p) and not is_placeholder(p))
)


@given(st.lists(_part, min_size=1, max_size=6, unique_by=str.casefold))
def test_joined_distinct_parts_split_back(parts: list[str]) -> None:
    assert split_multi(";".join(parts)) == parts
