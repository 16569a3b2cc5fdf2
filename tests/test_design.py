"""The scorecard fit's design (each criterion's rows) gives exactly what the sparse 0/1 matrix it replaces gives:
the same products to the last bit, the same sample matrix for the regression, the same counts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csc_matrix

from icp_assistant.tools.model.design import Design


@pytest.fixture(params=[0, 1, 2])
def masks(request: pytest.FixtureRequest) -> list[np.ndarray]:
    rng = np.random.default_rng(request.param)
    rows = int(rng.integers(500, 5000))
    return [rng.random(rows) < share for share in rng.uniform(0.0, 0.6, int(rng.integers(1, 15)))]


def _sparse(masks: list[np.ndarray]) -> csc_matrix:
    rows = np.concatenate([np.flatnonzero(m) for m in masks]).astype(np.int32)
    starts = np.r_[0, np.cumsum([int(m.sum()) for m in masks])]
    return csc_matrix((np.ones(len(rows)), rows, starts), shape=(len(masks[0]), len(masks)))


def test_products_and_counts_equal_the_sparse_matrix(masks: list[np.ndarray]) -> None:
    design, x = Design.of(iter(masks), [int(m.sum()) for m in masks], len(masks[0])), _sparse(masks)
    weights = np.random.default_rng(9).normal(size=len(masks))
    assert np.array_equal(design.dot(weights), x @ weights)  # bit for bit, not approximately
    some = list(range(0, len(masks), 2))
    assert np.array_equal(design.dot(weights, some), x[:, some] @ weights[some])
    assert np.array_equal(design.per_row(some), np.asarray(x[:, some].sum(axis=1)).ravel())
    y = (np.random.default_rng(3).random(len(masks[0])) < 0.3).astype(int)
    assert np.array_equal(design.counts(), np.asarray(x.sum(axis=0)).ravel())
    assert np.array_equal(design.counts(among=y), np.asarray(x[np.flatnonzero(y)].sum(axis=0)).ravel())


def test_the_regression_gets_the_same_matrix_of_all_rows_or_of_a_sample(masks: list[np.ndarray]) -> None:
    design, x = Design.of(iter(masks), [int(m.sum()) for m in masks], len(masks[0])), _sparse(masks)
    sample = np.flatnonzero(np.random.default_rng(4).random(len(masks[0])) < 0.4)
    for got, want in ((design.matrix(), x.tocsr()), (design.matrix(sample), x[sample].tocsr())):
        assert got.shape == want.shape and (got != want).nnz == 0
        assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_level_counts_from_distinct_cells_equal_counting_rows(seed: int) -> None:
    """The fit counts each level's rows and positives from its distinct cells' row counts: the same integers as
    counting the level's mask of rows, for categories, lists, number ranges and 'not recorded'."""
    import pandas as pd

    from icp_assistant.tools.analysis.attributes import Attribute
    from icp_assistant.tools.model.scorecard import _candidates, _counts, _matches, _Readers

    rng = np.random.default_rng(seed)
    n = int(rng.integers(300, 3000))
    rows = pd.DataFrame({
        "industry": pd.array(rng.choice(["Fintech", " fintech", "Retail", "N/A", None, "Mining"], n), dtype="str"),
        "tech": pd.array(rng.choice(["Salesforce; HubSpot", "HubSpot", "", None, "Zendesk;Ada"], n), dtype="str"),
        "employees": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(4, 1.5, n).round()),
    })  # fmt: skip
    y = (rng.random(n) < 0.35).astype(int)
    attrs = [Attribute("industry", "category"), Attribute("tech", "multi"), Attribute("employees", "numeric")]
    readers = _Readers(rows)
    candidates, _ = _candidates(rows, attrs, y, 0, readers)
    assert {c.kind for c in candidates} >= {"category", "multi", "range", "missing"}
    expected = {c.id: (int(mask.sum()), int(y[mask].sum())) for c, mask in _matches(rows, candidates)}
    assert _counts(readers, candidates, y) == expected


@pytest.mark.parametrize("seed", range(12))
def test_number_bins_on_distinct_values_equal_the_tree_on_every_row(seed: int) -> None:
    """A number is binned by a tree grown on its distinct values weighted by rows: the same edges as the tree grown
    on every row with the same least rows per leaf (ties, heavy repeats and missing values included)."""
    import math

    import pandas as pd
    from sklearn.tree import DecisionTreeClassifier

    from icp_assistant.tools.model.scorecard import MAX_BINS, _bins

    rng = np.random.default_rng(seed)
    n = int(rng.integers(100, 4000))
    pool = rng.normal(size=int(rng.integers(2, 60))).round(int(rng.integers(0, 3))) * 10 ** int(rng.integers(0, 4))
    values = pd.Series(rng.choice(pool, n))
    values[rng.random(n) < 0.1] = np.nan
    y = (rng.random(n) < rng.uniform(0.1, 0.6)).astype(int)
    min_leaf = int(rng.integers(1, n // 4))
    known = values.notna().to_numpy()
    edges = _bins(values, y, min_leaf, 0)
    if known.sum() < 2 * min_leaf or values[known].nunique() < 2:
        assert edges == []
        return
    tree = DecisionTreeClassifier(max_leaf_nodes=MAX_BINS, min_samples_leaf=min_leaf, random_state=0)
    tree.fit(values[known].to_numpy().reshape(-1, 1), y[known])
    cuts = sorted({float(t) for t, f in zip(tree.tree_.threshold, tree.tree_.feature, strict=True) if f >= 0})
    whole = bool(np.all(np.mod(values[known].to_numpy(), 1) == 0))
    assert edges == (sorted({float(math.ceil(c)) for c in cuts}) if whole else [float(f"{c:.6g}") for c in cuts])
