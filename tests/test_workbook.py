"""The target-list workbook a sales team opens as it is: a labelled, frozen, filtered, formatted list sheet with
tier colours and a summary sheet, capped at a stated number of rows, every text cell still spreadsheet-safe; and
the columnar reasons text, identical to the row-by-row one it replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from mcp import Client
from openpyxl.worksheet.worksheet import Worksheet

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.core.charts.style import TIER_COLOURS
from icp_assistant.tools.model import workbook
from icp_assistant.tools.model.bulk import reasons as _reasons
from icp_assistant.tools.model.bulk import score_prospects
from icp_assistant.tools.model.icp import ICPVersion, build_icp, score_rows
from icp_assistant.tools.model.workbook import XLSX_ROW_CAP, Note, SheetColumn, write_workbook
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


@pytest.fixture(scope="module")
def icp(ws: Workspace) -> ICPVersion:
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example"))
    return build_icp(open_dataset(ws, "example"), ws, name="book-icp")


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["=HYPERLINK(\"http://x\")", "Acme", "Beta", "Gamma", "Delta"],
        "employee_count": [350.0, 125.5, 12.0, None, 10001.0],
        "annual_revenue": [1.5e8, 2.5e6, None, 4.0e7, 9.9e5],
        "score": [91, 72, 40, 15, None],
        "tier": ["green", "yellow", "red", "red", "unscored"],
        "win_rate": [0.25, 0.5, None, 0.1, 0.0],
        "created": pd.to_datetime(["2024-01-02", "2024-03-04", None, "2023-12-31", "2022-06-30"]),
        "gate": ["", "", "", "", ""],
        "readiness": [float("nan")] * 5,
    })  # fmt: skip


COLUMNS = [
    SheetColumn("name", "Company"),
    SheetColumn(
        "employee_count", "Employees", "number",
        low=pd.Series([350.0, 51.0, 12.0, None, 10001.0]), high=pd.Series([350.0, 200.0, 12.0, None, None]),
    ),
    SheetColumn("annual_revenue", "Annual revenue", "money"),
    SheetColumn("score", "ICP score", "score"),
    SheetColumn("tier", "Tier", "tier"),
    SheetColumn("win_rate", "Win rate", "rate"),
    SheetColumn("created", "Created", "date"),
    SheetColumn("gate", "Capped by"),
    SheetColumn("readiness", "Readiness", "score"),
]  # fmt: skip


def _write(tmp_path: Path, cap: int = 100, currency: str | None = "USD") -> tuple[Worksheet, Worksheet, Any]:
    full = tmp_path / "full.csv"
    written = write_workbook(
        tmp_path / "list.xlsx", _frame(), COLUMNS, [Note("Target account list"), Note("ICP", "demo, version 2")],
        currency=currency, cap=cap, full_list=(full,),
    )  # fmt: skip
    book = openpyxl.load_workbook(written.path)
    return book["Target accounts"], book["Summary"], written


def _column(sheet: Worksheet, header: str) -> list[Any]:
    headers = [c.value for c in sheet[1]]
    index = headers.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def _summary(sheet: Worksheet) -> dict[str, Any]:
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0] is not None}


def test_the_list_sheet_is_labelled_frozen_filtered_and_sized(tmp_path: Path) -> None:
    sheet, _, _ = _write(tmp_path)
    assert [c.value for c in sheet[1]] == ["Company", "Employees", "Annual revenue", "ICP score", "Tier", "Win rate",
                                           "Created"]  # fmt: skip
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G6"
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert set(widths) >= set("ABCDEFG") and all(6 <= w <= 60 for w in widths.values())
    assert widths["A"] > widths["D"]  # the hyperlink text is wider than a score


def test_numbers_are_formatted_by_kind_and_whole_numbers_stay_whole(tmp_path: Path) -> None:
    sheet, _, _ = _write(tmp_path)
    employees = _column(sheet, "Employees")
    assert [c.value for c in employees] == [350, "51–200", 12, None, "10,001+"]  # ranges shown as the file had them
    assert isinstance(employees[0].value, int) and employees[0].number_format == "#,##0"
    revenue = _column(sheet, "Annual revenue")
    assert revenue[0].value == 150_000_000 and revenue[0].number_format == '"$"#,##0'
    assert {c.number_format for c in _column(sheet, "ICP score") if c.value is not None} == {"0"}
    assert {c.number_format for c in _column(sheet, "Win rate") if c.value is not None} == {"0%"}
    created = _column(sheet, "Created")
    assert created[0].number_format == "yyyy-mm-dd" and created[0].value.date().isoformat() == "2024-01-02"
    no_currency, _, _ = _write(tmp_path / "b", currency=None)
    assert _column(no_currency, "Annual revenue")[0].number_format == "#,##0"


def test_tier_cells_are_filled_in_the_tier_colours(tmp_path: Path) -> None:
    sheet, _, _ = _write(tmp_path)
    fills = {c.value: c.fill.fgColor.rgb[-6:] for c in _column(sheet, "Tier")}
    assert fills == {tier: TIER_COLOURS[tier].lstrip("#").upper() for tier in ("green", "yellow", "red", "unscored")}


def test_empty_columns_are_left_out_and_the_summary_says_so(tmp_path: Path) -> None:
    sheet, summary, written = _write(tmp_path)
    assert written.dropped == ["Capped by", "Readiness"]
    headers = [c.value for c in sheet[1]]
    assert "Capped by" not in headers and "Readiness" not in headers
    for index in range(1, sheet.max_column + 1):
        assert any(sheet.cell(row, index).value not in (None, "") for row in range(2, sheet.max_row + 1))
    said = _summary(summary)
    assert said["Columns left out"].startswith("Capped by, Readiness: empty in every row")
    assert said["ICP"] == "demo, version 2"
    assert "2 numbers the file gave as a range" in said["Ranges"]


def test_the_sheet_stops_at_the_cap_and_names_the_files_with_every_row(tmp_path: Path) -> None:
    sheet, summary, written = _write(tmp_path, cap=3)
    assert (written.rows, written.total, written.capped) == (3, 5, True)
    assert sheet.max_row == 4 and sheet.auto_filter.ref.endswith("4")
    said = _summary(summary)["Rows shown"]
    assert said.startswith("The top 3 of 5 rows by score") and str(tmp_path / "full.csv") in said
    with pytest.raises(ValueError, match=r"cap 2000000 is outside 1-1,048,575"):
        write_workbook(tmp_path / "x.xlsx", _frame(), COLUMNS, [], cap=2_000_000)


def test_rows_prepared_a_few_at_a_time_come_out_as_in_one_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, _, _ = _write(tmp_path / "whole")
    monkeypatch.setattr(workbook, "CHUNK", 2)
    chunked, _, _ = _write(tmp_path / "chunked")
    cells = [[(c.value, c.number_format, c.fill.fgColor.rgb) for c in row] for row in whole.iter_rows()]
    assert [[(c.value, c.number_format, c.fill.fgColor.rgb) for c in row] for row in chunked.iter_rows()] == cells
    assert len(cells) == 6 and cells[1][0][0].startswith("'=")


def test_formula_like_text_is_still_prefixed(tmp_path: Path) -> None:
    sheet, _, _ = _write(tmp_path)
    assert _column(sheet, "Company")[0].value == '\'=HYPERLINK("http://x")'
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    hostile = write_workbook(tmp_path / "h.xlsx", _frame(), COLUMNS, [Note("ICP", "@SUM(A1)")])
    assert _summary(openpyxl.load_workbook(hostile.path)["Summary"])["ICP"] == "'@SUM(A1)"


# -- through the engine and the tool ---------------------------------------------------------------------------


def test_the_example_list_has_whole_employee_counts_money_formats_and_summary_counts(
    icp: ICPVersion, tmp_path: Path
) -> None:
    result = score_prospects(icp, EXAMPLES / "prospects.csv", Workspace(tmp_path / "ws"), LoadOptions())
    book = openpyxl.load_workbook(result.xlsx_path)
    assert book.sheetnames == ["Target accounts", "Summary"]
    sheet = book["Target accounts"]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["Row in file", "Record ID", "Company name", "Company Domain Name"]  # the file's own
    assert "Capped by" not in headers and "Readiness" not in headers  # empty in every row: left out
    revenue = [c for c in _column(sheet, "Annual revenue") if c.value is not None]
    assert revenue and all(c.number_format != "General" and isinstance(c.value, int) for c in revenue)
    employees = [c.value for c in _column(sheet, "Employees") if c.value is not None]
    assert all(isinstance(v, int) or "–" in v for v in employees) and "201–500" in employees
    listed = pd.read_csv(result.csv_path)
    said = _summary(book["Summary"])
    assert said["ICP"].startswith(f"{icp.name}, version {icp.version}")
    assert (said["Rows read"], said["Rows in the list"]) == (303, len(listed))
    assert said["Duplicates (kept, flagged)"] == listed["duplicate_of"].notna().sum() == result.duplicates
    for tier, count in listed["tier"].value_counts().items():
        assert said[str(tier).capitalize()] == count
    for cell, count in listed["cell"].value_counts().items():
        assert said[cell] == count
    parquet = pd.read_parquet(result.parquet_path)
    assert len(parquet) == len(listed) and parquet["row"].tolist() == listed["row"].tolist()
    assert result.xlsx_rows == len(listed) and result.xlsx_note is None


def test_a_small_cap_keeps_the_best_rows_and_the_result_says_where_the_rest_is(icp: ICPVersion, tmp_path: Path) -> None:
    result = score_prospects(icp, EXAMPLES / "prospects.csv", Workspace(tmp_path / "ws"), LoadOptions(), xlsx_cap=20)
    book = openpyxl.load_workbook(result.xlsx_path, read_only=True)
    rows = list(book["Target accounts"].iter_rows(min_row=2, values_only=True))
    book.close()
    listed = pd.read_csv(result.csv_path)
    assert result.xlsx_rows == len(rows) == 20 and result.rows_out == 303
    assert [r[0] for r in rows] == listed["row"].head(20).tolist()  # the top of the list by score
    assert result.xlsx_note == "The XLSX holds the top 20 of 303 rows by score; the CSV and Parquet hold every row."


def _reasons_row_by_row(icp: ICPVersion, scored: pd.DataFrame) -> pd.Series:
    """The reasons as they were computed before, one row at a time: the reference the columnar version must match."""
    labels = {c.id: (c.label, c.points) for c in icp.scorecard.criteria if c.id in scored}
    ordered = sorted(labels, key=lambda k: -abs(labels[k][1]))

    def explain(row: pd.Series) -> str:
        parts = [f"{labels[k][0]} ({int(row[k]):+d})" for k in ordered if row[k] != 0][:3]
        return "; ".join(parts)

    return scored[ordered].apply(explain, axis=1)


def test_the_columnar_reasons_match_the_row_by_row_reasons_on_every_example_row(icp: ICPVersion, ws: Workspace) -> None:
    for path in ("prospects.csv", "accounts.csv"):
        load_accounts(EXAMPLES / path, ws, LoadOptions(name=f"reasons-{path[:-4]}"))
        scored = score_rows(icp, add_bands(open_dataset(ws, f"reasons-{path[:-4]}").accounts))
        new, old = _reasons(icp, scored), _reasons_row_by_row(icp, scored)
        assert new.tolist() == old.tolist()
        assert new.str.count("; ").max() == 2 and new.eq("").sum() < len(new)  # up to three, most rows explained


async def _tool(config: ServerConfig, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    async with Client(build_server(config)) as client:
        for name, arguments in calls:
            result = await client.call_tool(name, arguments)
            assert not result.is_error, result.content
    return result.structured_content or {}


@pytest.mark.anyio
async def test_the_tool_returns_the_three_files_on_the_example_prospects(icp: ICPVersion, ws: Workspace) -> None:
    config = ServerConfig(data_dirs=(EXAMPLES,), workspace=ws.root, raise_unexpected=True)
    async with Client(build_server(config)) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "score_prospects")
    assert f"top {XLSX_ROW_CAP:,} rows by score" in " ".join((tool.description or "").split())  # the cap it states
    result = await _tool(config, [("score_prospects", {"icp": icp.name, "path": str(EXAMPLES / "prospects.csv")})])
    assert result["xlsx_rows"] == result["rows_out"] == 303
    assert Path(result["parquet_path"]).suffix == ".parquet" and Path(result["parquet_path"]).exists()
    book = openpyxl.load_workbook(result["xlsx_path"])
    assert book.sheetnames == ["Target accounts", "Summary"] and book["Target accounts"].freeze_panes == "A2"


@pytest.mark.anyio
@pytest.mark.shared_data
@pytest.mark.slow
async def test_a_real_export_scored_through_the_tool_gives_a_formatted_workbook(
    shared_data: Path, tmp_path: Path
) -> None:
    path = shared_data / "telco_churn" / "Telco-Customer-Churn.csv"
    config = ServerConfig(data_dirs=(shared_data,), workspace=tmp_path / "ws", raise_unexpected=True)
    outcome = {"column": "Churn", "success": ["No"]}
    result = await _tool(config, [
        ("load_accounts", {"path": str(path), "outcome": outcome, "name": "telco"}),
        ("build_icp", {"dataset": "telco", "name": "telco-icp"}),
        ("score_prospects", {"icp": "telco-icp", "path": str(path), "carry": ["tenure", "MonthlyCharges"]}),
    ])  # fmt: skip
    book = openpyxl.load_workbook(result["xlsx_path"])
    sheet = book["Target accounts"]
    assert sheet.max_row == 7_044 and sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}7044"
    tenure = [c for c in _column(sheet, "tenure") if c.value is not None]
    assert all(isinstance(c.value, int) and c.number_format == "#,##0" for c in tenure)
    charges = [c for c in _column(sheet, "MonthlyCharges") if c.value is not None]
    assert any(isinstance(c.value, float) for c in charges) and {c.number_format for c in charges} == {"#,##0.00"}
    fills = {c.value: c.fill.fgColor.rgb[-6:] for c in _column(sheet, "Tier")}
    assert {t: TIER_COLOURS[t].lstrip("#").upper() for t in result["tiers"] if result["tiers"][t]} == fills
    said = _summary(book["Summary"])
    assert said["ICP"].startswith("telco-icp, version 1") and said["Rows read"] == result["rows_in"] == 7_043
    assert {k.lower(): said[k.capitalize()] for k in result["tiers"]} == result["tiers"]


@pytest.mark.anyio
@pytest.mark.shared_data
async def test_an_unscored_real_list_is_grey_and_says_why(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "maven_crm"
    config = ServerConfig(data_dirs=(folder,), workspace=tmp_path / "ws", raise_unexpected=True)
    result = await _tool(config, [
        ("load_accounts", {"path": str(folder / "accounts.csv"), "deals_path": str(folder / "sales_pipeline.csv"),
                           "name": "maven"}),
        ("build_icp", {"dataset": "maven", "name": "maven-icp"}),
        ("score_prospects", {"icp": "maven-icp", "path": str(folder / "accounts.csv")}),
    ])  # fmt: skip
    book = openpyxl.load_workbook(result["xlsx_path"])
    tiers = _column(book["Target accounts"], "Tier")
    assert len(tiers) == 85 and {(c.value, c.fill.fgColor.rgb[-6:]) for c in tiers} == {("unscored", "BDBDBD")}
    headers = [c.value for c in book["Target accounts"][1]]
    assert "ICP score" not in headers  # no fit model: the score column is empty, so it is left out
    said = _summary(book["Summary"])
    assert said["Unscored"] == 85 and "left unscored (grey), not called red" in said["ICP score"]
    assert "ICP score" in said["Columns left out"]
