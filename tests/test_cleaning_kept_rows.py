"""Exact repeats are dropped inside cleaning (a column read per distinct cell keeps only the kept rows' codes, so
a million-row file is not copied): the cleaned table and every count in its reports are exactly what cleaning the
file without its repeats gives."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools.ingest.cleaning import clean_table
from icp_assistant.tools.ingest.quality import first_copies
from icp_assistant.tools.store.datasets import map_frame

INDUSTRIES = ["Fintech", "fintech", "FINTECH ", "SaaS", "Retail", "N/A", "Health  care", "-", ""]
REVENUE = ["$4.8M", "1,200,000", "10-50M", "N/A", "€900k", "0", "abc", ""]
DATES = ["2025-11-14 17:14", "03/04/2025", "14.03.2025", "Mar 3, 2025", "N/A", "soon", "45000", ""]
TECH = ["HubSpot; Jira", "Salesforce|Slack", "['Zoom', 'Slack']", "N/A", "Jira", ""]
FLAGS = ["yes", "No", "TRUE", "0", "maybe", ""]


def _file(seed: int) -> pd.DataFrame:
    """A messy export with about 5% of its rows repeated exactly, at random places."""
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(40, 1500))

    def pick(pool: list[str]) -> list[str]:
        return list(rng.choice(pool, size=rows, p=rng.dirichlet(np.ones(len(pool)))))

    frame = pd.DataFrame(
        {
            "Record ID": [f"A{int(i):05d}" for i in rng.integers(0, rows * 2, rows)],
            "Company name": [f"Company {int(i)} " for i in rng.integers(0, rows, rows)],
            "Industry": pick(INDUSTRIES),
            "Annual Revenue": pick(REVENUE),
            "Create Date": pick(DATES),
            "Web Technologies": pick(TECH),
            "Is Partner": pick(FLAGS),
            "Number of Employees": rng.integers(0, 5000, rows),
            "NPS": np.where(rng.random(rows) < 0.2, np.nan, rng.integers(0, 11, rows)),
            "Lifecycle Stage": pick(["Customer", "customer", "Lead", "Opportunity", "N/A"]),
            "Favorite Color": pick(["Green", "green", "Blue", ""]),
        }
    )
    text = [c for c in frame if frame[c].dtype == object]
    frame[text] = frame[text].replace("", None).astype("str" if seed % 2 else object)
    repeats = rng.integers(0, rows, max(1, rows // 20))
    order = list(range(rows))
    for row in repeats:  # each repeat somewhere after the row it copies
        order.insert(int(rng.integers(order.index(row) + 1, len(order) + 1)), int(row))
    return frame.iloc[order].reset_index(drop=True)


@pytest.mark.parametrize("seed", range(10))
def test_cleaning_with_kept_rows_equals_cleaning_the_file_without_its_repeats(seed: int) -> None:
    frame = _file(seed)
    keep = first_copies(frame) == np.arange(len(frame))
    assert not keep.all()
    mapping = map_frame(frame, "accounts", None)
    kept = clean_table(frame, mapping, keep=keep)
    alone = clean_table(frame[keep].reset_index(drop=True), mapping)
    pd.testing.assert_frame_equal(kept.frame, alone.frame)
    assert kept.kinds == alone.kinds
    assert {c: dataclasses.asdict(r) for c, r in kept.reports.items()} == {
        c: dataclasses.asdict(r) for c, r in alone.reports.items()
    }
    counted = sum(r.placeholders + r.unparsed + r.recoded for r in kept.reports.values())
    assert counted > 0  # the counts compared are not all zero
