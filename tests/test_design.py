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
