"""Every quirk of real exports, one file each, loaded through the same path as a user's file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from icp_assistant.tools.core.errors import EmptyFileError, OptionError
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

MESSY = Path(__file__).parent / "data" / "messy"

NAMES = [
    "Société Générale Tech",
    "Acme Logistics",
    "Bolt Retail",
    "Cobalt Health",
    "Delta Fintech",
    "Echo Media",
    "Foxtrot Software",
    "Gamma Manufacturing",
]
EMPLOYEES = [125.5, 1200, 10, 10000, None, None, 250, None]
REVENUE = [1.2e6, 5e6, None, 2.5e9, 12.5e6, None, 30e6, 1234567.89]
COUNTRIES = [
    "France",
    "Germany",
    "United Kingdom",
    "United States",
    "United States",
    "Japan",
    "Canada",
    "Brazil",
]

READABLE = [
    ("utf8.csv", {}),
    ("utf8_bom.csv", {}),
    ("crlf.csv", {}),
    ("cr_only_mac.csv", {}),
    ("cp1252.csv", {}),
    ("latin1.csv", {}),
    ("excel_unicode_text.txt", {}),
    ("tab_separated.tsv", {}),
    ("semicolon_european.csv", {}),
    ("pipe_separated.txt", {}),
    ("two_sheets.xlsx", {"sheet": "Accounts"}),
    ("two_sheets.xlsx", {"sheet": 1}),
    ("accounts.parquet", {}),
    ("records.json", {}),
    ("records.ndjson", {}),
    ("clearbit_nested.json", {}),
    ("salesforce_report_footer.csv", {}),
]


def _same(a: float | None, b: object) -> bool:
    if a is None:
        return b is None or (isinstance(b, float) and math.isnan(b))
    return isinstance(b, int | float) and math.isclose(a, float(b), rel_tol=1e-9)


@pytest.mark.parametrize(("filename", "options"), READABLE, ids=[f"{f}-{o}" for f, o in READABLE])
def test_each_messy_file_loads_to_the_same_clean_accounts(filename: str, options: dict, workspace: Workspace) -> None:
    card = load_accounts(MESSY / filename, workspace, LoadOptions(**options))
    data = open_dataset(workspace, card.name).accounts

    assert card.rows == 8
    assert list(data["name"]) == NAMES
    assert [_same(e, v) for e, v in zip(EMPLOYEES, data["employee_count"], strict=True)] == [True] * 8, list(
        data["employee_count"]
    )
    assert [_same(e, v) for e, v in zip(REVENUE, data["annual_revenue"], strict=True)] == [True] * 8, list(
        data["annual_revenue"]
    )
    assert list(data["country"]) == COUNTRIES
    assert data["industry"].tolist().count("Fintech") == 2  # "fintech" unified with "Fintech"
    assert data.loc[0, "tech_stack"] == "Salesforce; HubSpot"
    mapped = {f.field: f.source for f in card.fields}
    assert {"name", "industry", "employee_count", "annual_revenue", "country", "tech_stack"} <= set(mapped)


def test_placeholders_become_missing_and_are_counted(workspace: Workspace) -> None:
    card = load_accounts(MESSY / "utf8.csv", workspace)
    employees = next(f for f in card.fields if f.field == "employee_count")
    assert any("3 placeholders" in note for note in employees.notes)  # unknown, -, Select
    assert card.cleaning["placeholders_to_missing"] >= 5  # + N/A, #N/A in revenue


def test_a_range_keeps_its_low_and_high_and_uses_the_midpoint(workspace: Workspace) -> None:
    card = load_accounts(MESSY / "utf8.csv", workspace)
    data = open_dataset(workspace, card.name).accounts
    assert (data.loc[0, "employee_count_low"], data.loc[0, "employee_count_high"]) == (51, 200)
    assert data.loc[0, "employee_count"] == 125.5
    assert data.loc[3, "employee_count_low"] == 10000  # "10,000+" is open-ended
    assert math.isnan(data.loc[3, "employee_count_high"])


def test_the_reader_reports_how_it_read_each_file(workspace: Workspace) -> None:
    utf16 = load_accounts(MESSY / "excel_unicode_text.txt", workspace).files[0]
    semicolon = load_accounts(MESSY / "semicolon_european.csv", workspace).files[0]
    cp1252 = load_accounts(MESSY / "cp1252.csv", workspace).files[0]
    assert (utf16.encoding, utf16.delimiter) == ("utf-16", "tab")
    assert semicolon.delimiter == "semicolon"
    assert cp1252.encoding == "cp1252"


def test_the_first_sheet_is_read_when_no_sheet_is_named(workspace: Workspace) -> None:
    card = load_accounts(MESSY / "two_sheets.xlsx", workspace)
    assert card.files[0].sheet == "About"


def test_a_wrong_sheet_name_lists_the_sheets(workspace: Workspace) -> None:
    with pytest.raises(OptionError, match=r"no sheet named 'Acounts'.*About, Accounts"):
        load_accounts(MESSY / "two_sheets.xlsx", workspace, LoadOptions(sheet="Acounts"))


@pytest.mark.parametrize(
    ("filename", "message"),
    [("empty.csv", r"empty \(0 bytes\)"), ("header_only.csv", r"has a header .* but no data rows")],
)
def test_an_empty_file_says_what_is_wrong(filename: str, message: str, workspace: Workspace) -> None:
    with pytest.raises(EmptyFileError, match=message):
        load_accounts(MESSY / filename, workspace)


def test_a_report_footer_is_dropped_not_loaded_as_accounts(workspace: Workspace) -> None:
    card = load_accounts(MESSY / "salesforce_report_footer.csv", workspace)
    assert card.rows == 8


def test_accounts_sharing_an_id_are_named_in_the_card(tmp_path: Path, workspace: Workspace) -> None:
    path = tmp_path / "shared_ids.csv"
    rows = ["Record ID,Company name,Country", "ABC-1,Acme,France", " abc-1,Acme Europe,Spain", "X-2,Bolt,Italy"]
    path.write_text("\n".join(rows + [f"X-{i},Company {i},Germany" for i in range(3, 40)]) + "\n", encoding="utf-8")
    card = load_accounts(path, workspace, LoadOptions(name="shared_ids"))
    assert "1 account_id values appear on more than one row (e.g. ABC-1, abc-1)." in card.warnings
