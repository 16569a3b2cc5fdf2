"""One truth per input: a row scored alone (score_prospect, its fields as the raw strings of the file) gets the same
score, tier and reasons as the same row scored in its file (score_prospects), whatever type each path guessed for
its cells. Checked on every generated prospect and on samples of each labelled real export."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from icp_assistant.tools.ingest.outcomes import OutcomeSpec
from icp_assistant.tools.model.bulk import score_prospects
from icp_assistant.tools.model.icp import ICPVersion, Learning, build_icp
from icp_assistant.tools.model.prospect import score_prospect
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
SAMPLE = 150


def _raw_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _same_in_both(icp: ICPVersion, path: Path, ws: Workspace, rows: list[int], delimiter: str = ",") -> int:
    """Score the file in bulk and each chosen row alone; return how many rows disagree (asserting as it goes)."""
    listed = pd.read_csv(score_prospects(icp, path, ws, LoadOptions()).csv_path, dtype={"reasons": str})
    by_row = listed.set_index("row")
    raw = _raw_rows(path, delimiter)
    mismatches = []
    for number in rows:
        fields = {k: v for k, v in raw[number - 1].items() if k is not None}
        alone = score_prospect(icp, fields)
        bulk = by_row.loc[number]
        bulk_score = None if pd.isna(bulk["score"]) else int(bulk["score"])
        reasons = "; ".join(f"{r.criterion} ({r.points:+d})" for r in alone.reasons[:3])
        if (alone.score, alone.tier, reasons) != (
            bulk_score,
            bulk["tier"],
            "" if pd.isna(bulk["reasons"]) else bulk["reasons"],
        ):
            mismatches.append((number, alone.score, alone.tier, reasons, bulk_score, bulk["tier"], bulk["reasons"]))
    assert mismatches == [], mismatches[:3]
    return len(rows)


def test_every_generated_prospect_scores_the_same_alone_and_in_its_file(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    load_accounts(EXAMPLES / "accounts.csv", ws, LoadOptions(deals_path=EXAMPLES / "deals.csv", name="example"))
    icp = build_icp(open_dataset(ws, "example"), ws, name="example-icp")
    rows = len(_raw_rows(EXAMPLES / "prospects.csv"))
    assert _same_in_both(icp, EXAMPLES / "prospects.csv", ws, list(range(1, rows + 1))) == rows >= 300


LABELLED = [
    ("bank_marketing/bank-full.csv", ";", OutcomeSpec(column="y", success=["yes"]), ["duration"]),
    ("telco_churn/Telco-Customer-Churn.csv", ",", OutcomeSpec(column="Churn", success=["No"]), []),
    ("polish_bankruptcy/5year.csv", ",", OutcomeSpec(column="class", success=["0"]), []),
]


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize(("path", "delimiter", "outcome", "exclude"), LABELLED, ids=["bank", "telco", "polish"])
def test_labelled_real_rows_score_the_same_alone_and_in_their_file(
    shared_data: Path, tmp_path: Path, path: str, delimiter: str, outcome: OutcomeSpec, exclude: list[str]
) -> None:
    ws = Workspace(tmp_path / "ws")
    load_accounts(shared_data / path, ws, LoadOptions(name="train", outcome=outcome))
    icp = build_icp(open_dataset(ws, "train"), ws, name="real-icp", learning=Learning(exclude=exclude))
    assert icp.scorecard.criteria  # these files do predict their outcome
    total = len(_raw_rows(shared_data / path, delimiter))
    step = max(1, total // SAMPLE)
    assert _same_in_both(icp, shared_data / path, ws, list(range(1, total + 1, step)), delimiter) >= SAMPLE
