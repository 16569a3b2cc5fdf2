"""Contrasts read each column on its distinct cells: the counts, their order (ties as first seen, "Other" included)
and the trait masks are exactly what splitting and reading every row gives."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools.analysis.attributes import Attribute, trait_mask
from icp_assistant.tools.analysis.contrast import _distinct_counts, _values

WORDS = ["Fintech", "fintech ", "SaaS", "Retail", "Health care", "", "Other", "Ops; Sales"]


def _column(seed: int, multi: bool) -> pd.Series:
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(50, 3000))
    pool = [f"v{i}" for i in range(int(rng.integers(2, 60)))] + WORDS
    if multi:
        cells = ["; ".join(rng.choice(pool, size=int(rng.integers(1, 4)), replace=False)) for _ in range(rows)]
    else:
        cells = list(rng.choice(pool, size=rows, p=rng.dirichlet(np.ones(len(pool)) * 0.3)))
    series = pd.Series(cells, dtype="str" if seed % 2 else object)
    return series.mask(rng.random(rows) < 0.1)  # some cells missing


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("multi", [False, True])
def test_distinct_counts_equal_the_per_row_counts_in_order(seed: int, multi: bool) -> None:
    attr = Attribute("column", "multi" if multi else "category")
    rows = pd.DataFrame({"column": _column(seed, multi)})
    members = np.random.default_rng(seed + 100).random(len(rows)) < 0.3
    per_row = _values(rows, attr).values
    counts, in_group = _distinct_counts(rows, attr, members)
    assert list(counts.items()) == list(per_row.value_counts().items())  # same values, counts and order
    member_values = per_row[pd.Series(members, index=rows.index).reindex(per_row.index).to_numpy()]
    assert dict(in_group.items()) == dict(member_values.value_counts().items())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("multi", [False, True])
def test_trait_masks_read_on_distinct_cells_equal_the_rule_on_every_row(seed: int, multi: bool) -> None:
    series = _column(seed, multi)
    attr = Attribute("column", "multi" if multi else "category")
    for value in ["fintech", "Health care", "v1", "Sales", "missing value"]:
        if multi:
            pattern = r"(?i)(?:^|; )" + re.escape(value) + r"(?:;|$)"
            want = series.astype(str).str.contains(pattern, regex=True) & series.notna()
        else:
            want = series.astype(str).str.strip().str.casefold().eq(value.strip().casefold()) & series.notna()
        got = trait_mask(pd.DataFrame({"column": series}), attr, value)
        assert got.index.equals(series.index) and got.tolist() == want.astype(bool).tolist()
