"""Big files scored out of core give the list and the market size the in-memory path gives.

Batches are made tiny (37 rows) so the example files cross many batch boundaries: every column rule learned on the
first batch must hold on the others, and duplicates, ranks and spellings must be seen across batches.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.analysis.conditions import Condition
from icp_assistant.tools.analysis.segments import segment_accounts
from icp_assistant.tools.core.errors import OptionError
from icp_assistant.tools.model import engines, stream
from icp_assistant.tools.model.bulk import ProspectList, score_prospects
from icp_assistant.tools.model.engines import Compute
from icp_assistant.tools.model.icp import ICPVersion, Learning, Settings, build_icp
from icp_assistant.tools.model.market import size_market
from icp_assistant.tools.store.datasets import Dataset, LoadOptions
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
FILES = ("csv_path", "parquet_path", "xlsx_path", "data_notes")


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "BATCH_ROWS", 37)


@pytest.fixture(scope="module")
def icp(ws: Workspace, example: Dataset) -> ICPVersion:
    segment_accounts(example, ws, dimensions=["industry", "size"], name="by-industry-size")
    gate = Settings(must_haves=[Condition(column="region", op="!=", value="APAC")])
    return build_icp(example, ws, name="big", settings=gate, learning=Learning(segmentation="by-industry-size"))


@pytest.fixture(scope="module")
def prospects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example prospects with intent signals (one relative: web visits), a formula in a name, a hostile
    header carried, repeated rows far apart, and the same industry spelled two ways in different batches."""
    frame = pd.read_csv(EXAMPLES / "prospects.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(7)
    frame["intent_score"] = rng.integers(0, 100, len(frame)).astype(str)
    frame["buying_stage"] = rng.choice(["awareness", "decision", ""], len(frame))
    frame["web_visits"] = rng.integers(0, 40, len(frame)).astype(str)  # ties: ranks averaged file-wide
    frame['Notes "q"; DROP TABLE x'] = "kept as it is"
    frame.loc[5, "Company name"] = '=HYPERLINK("http://evil.example","x")'
    frame.loc[250, "Industry"] = frame.loc[250, "Industry"].lower()
    frame = pd.concat([frame, frame.iloc[[3, 40]]], ignore_index=True)
    path = tmp_path_factory.mktemp("big") / "prospects.csv"
    frame.to_csv(path, index=False)
    return path


def _both(icp: ICPVersion, path: Path, ws: Workspace, compute: Compute) -> tuple[ProspectList, ProspectList, Path]:
    carry = ['Notes "q"; DROP TABLE x']
    memory = score_prospects(icp, path, ws, LoadOptions(), carry=carry, compute=Compute("memory"))
    kept = Path(shutil.copy(memory.csv_path, ws.root / "memory.csv"))
    other = score_prospects(icp, path, ws, LoadOptions(), carry=carry, compute=compute)
    return memory, other, kept


def test_duckdb_gives_the_in_memory_list_row_for_row(icp: ICPVersion, prospects: Path, ws: Workspace) -> None:
    memory, duck, kept = _both(icp, prospects, ws, Compute("duckdb"))
    assert Path(duck.csv_path).read_text() == kept.read_text()
    assert duck.model_dump(exclude=set(FILES)) == memory.model_dump(exclude=set(FILES))
    assert "out of core (DuckDB" in duck.data_notes[0]
    listing = pd.read_parquet(duck.parquet_path)
    assert listing["readiness"].notna().all() and listing["segment"].ne("").any()
    assert listing["gate"].str.startswith("must-have not met").any() and duck.duplicates == 2
    assert listing.loc[listing["row"].eq(6), "Company name"].iloc[0].startswith("=")  # Parquet: the value as it is
    assert "'=HYPERLINK" in Path(duck.csv_path).read_text()  # CSV: neutralised for spreadsheets


def test_the_workbook_of_an_out_of_core_list_says_how_many_rows_the_files_hold(
    icp: ICPVersion, prospects: Path, ws: Workspace
) -> None:
    import openpyxl

    listed = score_prospects(icp, prospects, ws, LoadOptions(), xlsx_cap=50, compute=Compute("duckdb"))
    assert listed.xlsx_rows == 50 and listed.xlsx_note is not None and f"{listed.rows:,}" in listed.xlsx_note
    book = openpyxl.load_workbook(listed.xlsx_path, read_only=True)
    header = next(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert not any(str(h).startswith("_") for h in header)  # no engine column reaches the sheet


def test_duckdb_gives_the_in_memory_market_size(icp: ICPVersion, example: Dataset, prospects: Path,
                                                ws: Workspace) -> None:  # fmt: skip
    memory = size_market(example, icp, prospects, ws, compute=Compute("memory"))
    som = Path(memory.som_accounts_path).read_text()
    duck = size_market(example, icp, prospects, ws, compute=Compute("duckdb"))
    assert duck.universe == memory.universe == 303  # 305 rows, two repeated: counted once, as loading does
    assert duck.model_dump(exclude={"som_accounts_path"}) == memory.model_dump(exclude={"som_accounts_path"})
    assert Path(duck.som_accounts_path).read_text() == som


def test_column_rules_found_on_the_first_batch_hold_for_every_batch(tmp_path: Path) -> None:
    """Decimal commas, zeros meaning "not filled in" and spellings are decided on the first rows: a later batch
    whose own rows would suggest otherwise is read the same way."""
    first = pd.DataFrame({"Company": [f"a{i}" for i in range(37)], "Employees": ["1.234,5"] * 37,
                          "Revenue": ["0"] * 30 + ["5000000"] * 7, "Industry": ["Fintech"] * 37})  # fmt: skip
    later = pd.DataFrame({"Company": [f"b{i}" for i in range(37)], "Employees": ["2.500"] * 37,
                          "Revenue": ["0"] * 2 + ["7000000"] * 35, "Industry": ["fintech"] * 37})  # fmt: skip
    path = tmp_path / "accounts.csv"
    pd.concat([first, later]).to_csv(path, index=False)
    batches = [batch for batch, _ in stream.clean_batches(path, LoadOptions(), 37)]
    assert len(batches) == 2
    a, b = batches[0].rows, batches[1].rows
    assert a["employee_count"].iloc[0] == 1234.5 and b["employee_count"].iloc[0] == 2500  # decimal mark: ','
    assert a["annual_revenue"].isna().sum() == 30 and b["annual_revenue"].isna().sum() == 2  # zeros are missing
    assert set(b["industry"]) == {"Fintech"}  # the first batch's spelling


def test_auto_reads_big_files_out_of_core_and_spark_needs_a_url(
    prospects: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Compute("auto", None).choose(prospects, None) == "memory"
    monkeypatch.setattr(engines, "OUT_OF_CORE_ROWS", 100)
    assert Compute("auto", None).choose(prospects, None) == "duckdb"
    assert Compute("auto", "local[1]").choose(prospects, None) == "spark"
    assert Compute("memory", None).choose(prospects, None) == "memory"
    with pytest.raises(OptionError, match="--spark URL"):
        Compute("spark", None).choose(prospects, None)
    with pytest.raises(OptionError, match="'gpu'"):
        Compute("gpu", None).choose(prospects, None)


@pytest.mark.anyio
async def test_the_tool_scores_out_of_core_through_the_client(icp: ICPVersion, prospects: Path,
                                                              ws: Workspace) -> None:  # fmt: skip
    config = ServerConfig(data_dirs=(prospects.parent,), workspace=ws.root, raise_unexpected=True)
    async with Client(build_server(config)) as client:
        result = await client.call_tool("score_prospects", {"icp": "big", "path": str(prospects), "engine": "duckdb"})
        refused = await client.call_tool("score_prospects", {"icp": "big", "path": str(prospects), "engine": "spark"})
    assert not result.is_error, result.content
    listed = ProspectList.model_validate(result.structured_content)
    assert listed.rows == 305 and "DuckDB" in listed.data_notes[0] and "37 rows at a time" in listed.data_notes[0]
    assert refused.is_error and "--spark" in str(refused.content[0])


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_gives_the_in_memory_list_and_market(
    icp: ICPVersion, example: Dataset, prospects: Path, ws: Workspace
) -> None:
    """Runs when pyspark and Java are installed (`pip install -e ".[spark]"`); skipped otherwise."""
    pytest.importorskip("pyspark.sql", reason="pyspark is not installed (extra 'spark')")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: Spark cannot start")
    _, spark, kept = _both(icp, prospects, ws, Compute("spark", "local[1]"))
    assert Path(spark.csv_path).read_text() == kept.read_text()
    assert "out of core (Spark" in spark.data_notes[0]
    market = size_market(example, icp, prospects, ws, compute=Compute("memory"))
    on_spark = size_market(example, icp, prospects, ws, compute=Compute("spark", "local[1]"))
    assert on_spark.model_dump(exclude={"som_accounts_path"}) == market.model_dump(exclude={"som_accounts_path"})


def test_a_row_hashes_alike_whatever_type_its_batch_gave_each_column() -> None:
    """Equal rows hash equal across batches: a number read as 2001, 2001.0 or "2001", text as Arrow or Python strings,
    dates and missing cells alike; rows differing in one cell (a fraction, a second, a letter) hash apart."""
    day = pd.to_datetime(pd.Series(["2025-01-02 10:00:00", None, "2025-01-02 10:00:01"]))
    as_read = [
        pd.DataFrame({"n": pd.Series([2001, 7, 7], dtype="int64"), "t": pd.Series(["a", None, "b"], dtype="str")}),
        pd.DataFrame({"n": pd.Series([2001.0, 7.0, 7.0]), "t": pd.Series(["a", None, "b"], dtype=object)}),
        pd.DataFrame(
            {"n": pd.Series(["2001", "7", "7"], dtype="str"), "t": pd.Series(["a", None, "b"], dtype="string")}
        ),
    ]
    hashes = [stream.row_hash(frame.assign(d=day, f=[True, False, True])) for frame in as_read]
    assert all((h == hashes[0]).all() for h in hashes)
    assert len(set(hashes[0])) == 3
    apart = as_read[1].assign(n=[2001.5, 7.0, 7.0], t=["a", None, "c"], d=day, f=[True, False, True])
    assert (stream.row_hash(apart) != hashes[0]).tolist() == [True, False, True]
