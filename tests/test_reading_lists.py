"""A criterion on a list field ("Tech stack includes Salesforce") matches a cell when one of its listed values reads
as the criterion's value, by the one reading every scoring uses (trimmed, case-folded, placeholders not recorded)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools.model.reading import Reader, canonical

WORDS = ["Salesforce", " salesforce ", "HubSpot", "N/A", "", "1", "true", "Yes", "1.0", "-", "Zoom", "ÅSA", "x"]


def _listed(cell: str | None) -> set[str | None]:
    """The readings of a cell's listed values, one by one (the slow, obvious way)."""
    return set() if cell is None else {canonical(part) for part in cell.split(";")}


@pytest.mark.parametrize("seed", range(12))
def test_a_list_criterion_matches_the_cells_listing_a_value_that_reads_as_it(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells = [
        None if rng.random() < 0.15 else "; ".join(WORDS[i] for i in rng.integers(0, len(WORDS), rng.integers(0, 4)))
        for _ in range(int(rng.integers(1, 60)))
    ]
    reader = Reader(pd.Series(cells, dtype="str" if seed % 2 else object))
    for value in [*{canonical(w) for w in WORDS}, "not listed", None, 1.0]:
        hits, missing = reader.hits(SimpleNamespace(kind="multi", value=value))  # type: ignore[arg-type]
        expected = [isinstance(value, str) and value in _listed(cell) for cell in reader.uniques]
        assert hits.tolist() == expected, (cells, value)
        assert missing is False
        rows = reader.match(SimpleNamespace(kind="multi", value=value))  # type: ignore[arg-type]
        assert rows.astype(bool).tolist() == [isinstance(value, str) and value in _listed(c) for c in cells]
