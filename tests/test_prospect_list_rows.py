"""The target list keeps every row: each input row is scored under its row number with its own id columns, duplicates
are flagged (never removed), and a lead file without a company name can still be mapped back."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.core.errors import OptionError
from icp_assistant.tools.model.bulk import score_prospects
from icp_assistant.tools.model.icp import ICPVersion, build_icp
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


@pytest.fixture(scope="module")
def icp(ws: Workspace) -> ICPVersion:
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example"))
    return build_icp(open_dataset(ws, "example"), ws, name="rows-icp")


@pytest.fixture
def leads(tmp_path: Path) -> Path:
    """135 leads, no company-name column, 13 of them exact repeats of earlier rows."""
    prospects = pd.read_csv(EXAMPLES / "prospects.csv", dtype=str).drop_duplicates().head(122)
    frame = prospects.drop(
        columns=[c for c in prospects.columns if any(w in c.lower() for w in ("name", "domain", "id"))]
    )
    frame.insert(0, "Lead ID", [f"L-{i:04d}" for i in range(len(frame))])
    frame["Campaign"] = "Q3 webinar"
    repeated = pd.concat([frame, frame.iloc[[3, 7, 7, 20, 50, 51, 52, 60, 70, 80, 90, 100, 121]]], ignore_index=True)
    path = tmp_path / "leads.csv"
    repeated.to_csv(path, index=False)
    return path


def test_every_row_comes_out_with_its_row_number_id_and_duplicates_flagged(
    icp: ICPVersion, leads: Path, tmp_path: Path
) -> None:
    result = score_prospects(icp, leads, Workspace(tmp_path / "ws"), LoadOptions(), carry=["Campaign"])
    assert (result.rows_in, result.rows_out, result.duplicates) == (135, 135, 13)
    listed = pd.read_csv(result.csv_path, dtype=str)
    assert sorted(listed["row"].astype(int)) == list(range(1, 136))
    assert "Lead ID" in listed and "Campaign" in listed and listed["Campaign"].eq("Q3 webinar").all()
    flagged = listed[listed["duplicate_of"].notna()]
    assert len(flagged) == 13 and set(flagged["row"].astype(int)) == set(range(123, 136))
    first = listed.set_index("row").loc["124"]  # the second copy of row 8 (index 7)
    assert first["duplicate_of"] == "8" and first["Lead ID"] == "L-0007"
    assert all(p.name.startswith("row ") for p in result.top)  # no name column: rows are named by number
    book = openpyxl.load_workbook(result.xlsx_path, read_only=True)
    sheet = book.worksheets[0]
    assert sheet.max_row == 136  # header + every row
    book.close()


def test_the_xlsx_list_holds_the_same_rows_as_the_csv(icp: ICPVersion, leads: Path, tmp_path: Path) -> None:
    result = score_prospects(icp, leads, Workspace(tmp_path / "ws"), LoadOptions(), carry=["Campaign"])
    listed = pd.read_csv(result.csv_path, dtype=str, keep_default_na=False)
    book = pd.read_excel(result.xlsx_path, sheet_name="Target accounts", dtype=str, keep_default_na=False)
    headers = {"Row in file": "row", "Lead ID": "Lead ID", "Campaign": "Campaign", "Duplicate of row": "duplicate_of",
               "Tier": "tier", "ICP score": "score", "Why": "reasons"}  # fmt: skip
    assert set(headers) <= set(book.columns)  # the file's own headers kept, the list's columns labelled
    assert book[list(headers)].set_axis(list(headers.values()), axis=1).equals(listed[list(headers.values())])


@pytest.mark.anyio
async def test_the_tool_carries_columns_and_names_the_file_columns_when_one_is_unknown(
    icp: ICPVersion, ws: Workspace, leads: Path
) -> None:
    config = ServerConfig(data_dirs=(leads.parent,), workspace=ws.root, raise_unexpected=True)
    async with Client(build_server(config)) as client:
        good = await client.call_tool("score_prospects", {"icp": icp.name, "path": str(leads), "carry": ["Campaign"]})
        bad = await client.call_tool("score_prospects", {"icp": icp.name, "path": str(leads), "carry": ["Campain"]})
    assert not good.is_error and (good.structured_content or {})["rows_out"] == 135
    assert "Campaign" in pd.read_csv((good.structured_content or {})["csv_path"], nrows=1)
    assert bad.is_error
    message = " ".join(getattr(block, "text", "") for block in bad.content)
    assert re.search(r"carry: no column \['Campain'\].*Lead ID.*Campaign", message)


def test_an_unknown_carry_column_lists_the_columns_of_the_file(icp: ICPVersion, leads: Path, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match=r"carry: no column \['Campain'\].*Lead ID"):
        score_prospects(icp, leads, Workspace(tmp_path / "ws"), LoadOptions(), carry=["Campain"])
