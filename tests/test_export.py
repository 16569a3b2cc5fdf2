"""The exported SQL scores a table exactly as the Python scorer does (checked by running it in DuckDB)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import sqlglot

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.analysis.conditions import Condition
from icp_assistant.tools.model.bulk import reasons
from icp_assistant.tools.model.export import export_icp
from icp_assistant.tools.model.icp import Settings, build_icp, score_rows
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("export"))
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example"))
    load_accounts(EXAMPLES / "prospects.csv", ws, LoadOptions(name="prospects"))
    return ws


@pytest.mark.parametrize(
    "gates",
    [
        {},
        {
            "must_haves": [Condition(column="region", op="in", value=["North America", "EMEA"])],
            "disqualifiers": [Condition(column="employee_count", op="<", value=20)],
        },
    ],
    ids=["plain", "with-gates"],
)
def test_the_exported_sql_scores_the_prospects_exactly_like_python(ws: Workspace, gates: dict) -> None:
    icp = build_icp(open_dataset(ws, "example"), ws, name="export-test", settings=Settings(**gates))
    parquet = ws.root / "datasets" / "prospects" / "accounts.parquet"
    export = export_icp(icp, ws.folder("exports"), table="prospects")
    con = duckdb.connect()
    con.read_parquet(str(parquet)).create_view("prospects")
    from_sql = con.sql(Path(export.sql_path).read_text()).df()
    from_python = score_rows(icp, add_bands(open_dataset(ws, "prospects").accounts))
    assert len(from_sql) == len(from_python) == 300
    assert from_sql["icp_score"].tolist() == from_python["score"].tolist()
    assert from_sql["icp_tier"].tolist() == from_python["tier"].tolist()
    assert from_sql["icp_reasons"].fillna("").tolist() == reasons(icp, from_python).tolist()  # the list's top three
    assert from_sql["icp_reasons"].str.count("; ").max() == 2
    if gates:
        assert (from_python["gate"] != "").any()


def test_the_spark_sql_quotes_identifiers_the_spark_way(ws: Workspace) -> None:
    icp = build_icp(open_dataset(ws, "example"), ws, name="spark-text")
    export = export_icp(icp, ws.folder("exports"), table="prospects")
    spark = Path(export.spark_sql_path).read_text()
    assert '"industry"' not in spark and "`industry`" in spark  # Spark reads "industry" as a string literal
    assert "AS STRING" in spark and "AS VARCHAR" not in spark
    parsed = sqlglot.parse_one(spark, read="spark")
    assert parsed.find(sqlglot.exp.Select) is not None


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_the_spark_sql_scores_the_prospects_exactly_like_python_in_spark(ws: Workspace) -> None:
    """Runs when pyspark and Java are installed (`pip install -e ".[spark]"`); skipped otherwise."""
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is not installed (extra 'spark')")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("Java is not installed: Spark cannot start")
    gate = Settings(must_haves=[Condition(column="region", op="!=", value="APAC")])
    icp = build_icp(open_dataset(ws, "example"), ws, name="spark-run", settings=gate)
    export = export_icp(icp, ws.folder("exports"), table="prospects")
    spark = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
        .getOrCreate()
    )
    try:
        parquet = ws.root / "datasets" / "prospects" / "accounts.parquet"
        spark.read.parquet(str(parquet)).createOrReplaceTempView("prospects")
        rows = (
            spark.sql(Path(export.spark_sql_path).read_text())
            .select("account_id", "icp_score", "icp_reasons")
            .collect()
        )
    finally:
        spark.stop()
    from_python = score_rows(icp, add_bands(open_dataset(ws, "prospects").accounts))
    expected = dict(
        zip(open_dataset(ws, "prospects").accounts["account_id"].astype(str), from_python["score"], strict=True)
    )
    assert {str(r["account_id"]): int(r["icp_score"]) for r in rows} == expected
    texts = dict(zip(open_dataset(ws, "prospects").accounts["account_id"].astype(str), reasons(icp, from_python),
                     strict=True))  # fmt: skip
    assert {str(r["account_id"]): r["icp_reasons"] for r in rows} == texts


def test_the_spec_and_crm_rules_carry_every_criterion(ws: Workspace) -> None:
    icp = build_icp(open_dataset(ws, "example"), ws, name="spec-test")
    export = export_icp(icp, ws.folder("exports"))
    spec = json.loads(Path(export.spec_path).read_text())
    rules = json.loads(Path(export.rules_path).read_text())
    assert spec["base"] == icp.scorecard.base and len(spec["criteria"]) == len(icp.scorecard.criteria)
    assert rules[0] == {"rule": "base", "points": icp.scorecard.base}
    assert {r["property"] for r in rules[1:]} == set(icp.scorecard.attributes)
    assert "icp_reasons" in Path(export.sql_path).read_text()


def test_a_prospect_list_puts_the_planted_best_segment_in_green_and_is_safe_in_excel(
    ws: Workspace, tmp_path: Path
) -> None:
    import pandas as pd

    from icp_assistant.tools.model.bulk import score_prospects
    from icp_assistant.tools.store.workspace import spreadsheet_safe

    icp = build_icp(open_dataset(ws, "example"), ws, name="bulk-test")
    result = score_prospects(icp, EXAMPLES / "prospects.csv", ws, LoadOptions(name="prospects-bulk"))
    assert result.rows == result.rows_in == result.rows_out == 303 and sum(result.tiers.values()) == 303
    assert result.duplicates == 3  # the example file repeats 3 rows: kept and flagged, not dropped
    truth = json.loads((EXAMPLES / "ground_truth.json").read_text())["datasets"]["prospects"]["segment_ids"]
    scored = pd.read_csv(result.csv_path, dtype={"Record ID": str})  # the input's own id, under its own header
    green_ids = set(scored.loc[scored["tier"] == "green", "Record ID"])
    assert len(green_ids & set(truth["best"])) / len(green_ids) > 0.6  # green is mostly the planted best segment
    assert Path(result.xlsx_path).exists()
    safe = spreadsheet_safe(pd.DataFrame({"name": ['=HYPERLINK("http://x")', "+1", "Acme", "@SUM(A1)"]}))
    assert safe["name"].tolist() == ['\'=HYPERLINK("http://x")', "'+1", "Acme", "'@SUM(A1)"]


def test_market_size_states_its_assumptions_and_orders_tam_sam_som(ws: Workspace) -> None:
    from icp_assistant.tools.model.market import Capacity, size_market

    reference = open_dataset(ws, "example")
    icp = build_icp(reference, ws, name="market-test")
    result = size_market(reference, icp, EXAMPLES / "prospects.csv", ws, Capacity(share=0.1, reps=2, deals_per_rep=5))
    assert result.tam.value >= result.sam.value >= result.som.value > 0
    assert result.tam.accounts == 300
    assert result.sam.accounts == sum(s.accounts for s in result.by_tier if s.name in ("green", "yellow"))
    assert any(a.startswith("contract value per account") for a in result.assumptions)
    assert result.sensitivity["share 5%"] <= result.som.value <= result.sensitivity["share 15%"]
    assert Path(result.som_accounts_path).exists()


def test_market_size_reads_only_what_it_needs_of_the_reference_and_gives_the_same_result(ws: Workspace) -> None:
    """The server opens the ICP's dataset with only the columns contract values read (a million accounts' other
    columns are never held); the sizing is the same as from the whole dataset."""
    from icp_assistant.tools.model.market import REFERENCE_ACCOUNTS, REFERENCE_DEALS, Capacity, size_market

    whole = open_dataset(ws, "example")
    narrow = open_dataset(ws, "example", accounts=REFERENCE_ACCOUNTS, deals=REFERENCE_DEALS)
    assert list(narrow.accounts.columns) == ["size_band"] and narrow.deals is not None
    assert set(narrow.deals.columns) == set(REFERENCE_DEALS) and len(narrow.accounts) == len(whole.accounts)
    icp = build_icp(whole, ws, name="market-narrow")
    sized = [
        size_market(reference, icp, EXAMPLES / "prospects.csv", ws, Capacity(share=0.1)).model_dump()
        for reference in (whole, narrow)
    ]
    assert sized[0] == sized[1]
