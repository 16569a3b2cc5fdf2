"""An outcome the user names in one argument: a column and the values that count as success, on files whose
outcome is not called Won/Lost (yes/no, 0/1, 'P I F' / 'CHGOFF', Churn = No), without rewriting the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from icp_assistant.server.app import build_server
from icp_assistant.server.config import ServerConfig
from icp_assistant.tools.core.errors import ColumnError, OptionError
from icp_assistant.tools.ingest.outcomes import OutcomeSpec, outcome_token
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

pytestmark = pytest.mark.anyio
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

LABELLED = [  # file, outcome, success rows, failure rows (exact duplicate rows are removed at load)
    ("bank_marketing/bank-full.csv", {"column": "y", "success": ["yes"]}, 5_289, 39_922),
    ("telco_churn/Telco-Customer-Churn.csv", {"column": "Churn", "success": ["No"]}, 5_174, 1_869),
    ("polish_bankruptcy/5year.csv", {"column": "class", "success": ["0"]}, 5_442, 408),  # 60 duplicate rows
]


@pytest.mark.shared_data
@pytest.mark.parametrize(("path", "outcome", "won", "lost"), LABELLED, ids=["bank", "telco", "polish"])
async def test_a_labelled_real_file_loads_with_its_outcome_named_in_one_argument(
    shared_data: Path, tmp_path: Path, path: str, outcome: dict[str, Any], won: int, lost: int
) -> None:
    server = build_server(ServerConfig(data_dirs=(shared_data,), workspace=tmp_path / "ws", raise_unexpected=True))
    async with Client(server) as client:
        result = await client.call_tool("load_accounts", {"path": str(shared_data / path), "outcome": outcome})
    assert not result.is_error, result.content
    card = result.structured_content
    assert card is not None
    assert (card["outcomes"]["won"], card["outcomes"]["lost"]) == (won, lost)
    assert card["outcomes"]["source"].startswith(f"outcome: {outcome['column']} — '{outcome['success'][0]}' = success")
    assert f"({won:,})" in card["outcomes"]["source"] and f"({lost:,})" in card["outcomes"]["source"]
    assert any("a fit model can be learned" in line for line in card["supports"])


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("path", "proposal"),
    [
        ("bank_marketing/bank-full.csv", 'outcome={"column": "y", "success": ["yes"]}'),
        ("telco_churn/Telco-Customer-Churn.csv", 'outcome={"column": "Churn", "success": ["No"]}'),
        ("polish_bankruptcy/5year.csv", 'outcome={"column": "class", "success": ["0"]}'),
    ],
    ids=["bank", "telco", "polish"],
)
def test_without_a_named_outcome_the_card_proposes_the_exact_argument(
    shared_data: Path, tmp_path: Path, path: str, proposal: str
) -> None:
    card = load_accounts(shared_data / path, Workspace(tmp_path / "ws"))
    assert any(proposal in line for line in card.supports), card.supports
    assert not any("churn known" in line for line in card.supports)


def _write(folder: Path, text: str, name: str = "leads.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def _rows(values: list[str], column: str = "converted") -> str:
    industries = ["Fintech", "Retail", "SaaS"]
    lines = [f"company,industry,{column}"] + [f"Co {i},{industries[i % 3]},{v}" for i, v in enumerate(values)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("cells", "success", "won", "lost"),
    [
        (["1", "0", "1.0", "0", "1"], ["1"], 3, 2),
        (["yes", "No", "YES ", "no", "n/a"], ["Yes"], 2, 2),
        (["TRUE", "FALSE", "true", "false", "False"], ["true"], 2, 3),
        (["P I F", "CHGOFF", "P I F", "CHGOFF", "P  I  F"], ["P I F"], 3, 2),
        (["acquired", "ipo", "operating", "closed", "acquired"], ["acquired", "ipo"], 3, 2),
    ],
    ids=["0-1", "yes-no", "boolean", "sba", "startups"],
)
def test_success_values_match_however_the_file_spells_them(
    tmp_path: Path, cells: list[str], success: list[str], won: int, lost: int
) -> None:
    path = _write(tmp_path / "data", _rows(cells))
    card = load_accounts(
        path, Workspace(tmp_path / "ws"), LoadOptions(outcome=OutcomeSpec(column="converted", success=success))
    )
    assert (card.outcomes.won, card.outcomes.lost) == (won, lost)


def test_with_failure_listed_other_values_are_not_counted(tmp_path: Path) -> None:
    path = _write(tmp_path / "data", _rows(["acquired", "ipo", "operating", "closed", "acquired"], "status"))
    spec = OutcomeSpec(column="status", success=["acquired", "ipo"], failure=["closed"])
    card = load_accounts(path, Workspace(tmp_path / "ws"), LoadOptions(outcome=spec))
    assert (card.outcomes.won, card.outcomes.lost, card.outcomes.unknown) == (3, 1, 1)
    assert "1 other values not counted" in card.outcomes.source


def test_the_named_outcome_column_is_the_label_never_an_attribute(tmp_path: Path) -> None:
    path = _write(tmp_path / "data", _rows(["yes", "no"] * 20, "y"))
    ws = Workspace(tmp_path / "ws")
    load_accounts(path, ws, LoadOptions(name="leads", outcome=OutcomeSpec(column="y", success=["yes"])))
    data = open_dataset(ws, "leads")
    assert data.kinds["y"] == "named_outcome"
    from icp_assistant.tools.analysis.attributes import attributes

    assert "y" not in {a.column for a in attributes(data, data.accounts)}


def test_the_outcome_spec_is_part_of_the_cache_key(tmp_path: Path) -> None:
    path = _write(tmp_path / "data", _rows(["yes", "no", "yes", "no"], "y"))
    ws = Workspace(tmp_path / "ws")
    first = load_accounts(path, ws, LoadOptions(name="leads", outcome=OutcomeSpec(column="y", success=["yes"])))
    second = load_accounts(path, ws, LoadOptions(name="leads", outcome=OutcomeSpec(column="y", success=["no"])))
    assert not second.cached and (first.outcomes.won, second.outcomes.won) == (2, 2)
    third = load_accounts(path, ws, LoadOptions(name="leads", outcome=OutcomeSpec(column="y", success=["no"])))
    assert third.cached


@pytest.mark.parametrize(
    ("spec", "error", "words"),
    [
        (OutcomeSpec(column="convertd", success=["1"]), ColumnError, ["'convertd'", "converted", "Columns are"]),
        (OutcomeSpec(column="converted", success=["won"]), OptionError, ["'1' (", "'0' (", "as they appear"]),
        (OutcomeSpec(column="converted", success=["1"], failure=["1.0"]), OptionError, ["both success and failure"]),
    ],
    ids=["unknown column", "no such success value", "overlap"],
)
def test_a_wrong_outcome_names_the_problem_and_the_values_that_exist(
    tmp_path: Path, spec: OutcomeSpec, error: type[Exception], words: list[str]
) -> None:
    path = _write(tmp_path / "data", _rows(["1", "0", "1", "0"]))
    with pytest.raises(error) as caught:
        load_accounts(path, Workspace(tmp_path / "ws"), LoadOptions(outcome=spec))
    for word in words:
        assert word in str(caught.value)


def test_outcome_tokens_are_one_spelling_per_value() -> None:
    assert {outcome_token(v) for v in (1, 1.0, "1", " 1 ", "1.0")} == {"1"}
    assert outcome_token(True) == "true" and outcome_token(" P  I F ") == "p i f"
    assert outcome_token(None) is None and outcome_token(float("nan")) is None and outcome_token("  ") is None


def test_build_icp_takes_the_same_outcome_on_a_dataset_loaded_without_one(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples" / "data"
    import pandas as pd

    accounts = pd.read_csv(examples / "accounts.csv", dtype=str)
    accounts["Converted"] = accounts["Lifecycle Stage"].map(lambda s: "1" if s == "Customer" else "0")
    accounts = accounts.drop(columns=["Lifecycle Stage", "Became a Customer Date", "Churn Date"])
    (tmp_path / "data").mkdir()
    accounts.to_csv(tmp_path / "data" / "accounts.csv", index=False)
    ws = Workspace(tmp_path / "ws")
    card = load_accounts(tmp_path / "data" / "accounts.csv", ws, LoadOptions(name="plain"))
    assert card.outcomes.won == 0
    from icp_assistant.tools.model.icp import Learning, build_icp, open_icp

    icp = build_icp(
        open_dataset(ws, "plain"),
        ws,
        name="plain-icp",
        learning=Learning(outcome=OutcomeSpec(column="Converted", success=["1"])),
    )
    assert icp.outcome is not None and icp.outcome.column == "Converted"
    assert icp.scorecard.method == "learned"  # won and lost both known now
    assert icp.scorecard.training_rows == len(accounts.drop_duplicates())  # exact duplicate rows are dropped
    assert icp.scorecard.positives == int((accounts.drop_duplicates()["Converted"] == "1").sum())
    assert "Converted" not in icp.scorecard.attributes
    assert open_icp(ws, "plain-icp").outcome == icp.outcome


def test_a_file_without_churn_does_not_promise_churn_analysis(tmp_path: Path) -> None:
    path = _write(tmp_path / "data", _rows(["Customer", "Lead"] * 15, "lifecycle stage"))
    card = load_accounts(path, Workspace(tmp_path / "ws"))
    assert not any("churn" in line for line in card.supports), card.supports


def test_a_dataset_saved_with_the_old_kind_word_opens_with_todays(tmp_path: Path) -> None:
    """Datasets saved before the rename called the named outcome's kind "label"; they open as "named_outcome"."""
    path = _write(tmp_path / "data", _rows(["yes", "no"] * 20, "y"))
    ws = Workspace(tmp_path / "ws")
    load_accounts(path, ws, LoadOptions(name="old", outcome=OutcomeSpec(column="y", success=["yes"])))
    meta_path = ws.path("datasets", "old", "meta.json")
    meta = json.loads(meta_path.read_text())
    meta["kinds"]["y"] = "label"
    meta_path.write_text(json.dumps(meta))
    assert open_dataset(ws, "old").kinds["y"] == "named_outcome"
