"""The statistics every rate and test rests on give scipy's own numbers, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from icp_assistant.tools.core.stats import rate, wilson


def _cases() -> list[tuple[int, int]]:
    rng = np.random.default_rng(0)
    cases = [(0, 1), (1, 1), (0, 5), (5, 5), (3, 7), (1, 2), (999_999, 1_000_000), (1, 10_000_000)]
    for _ in range(1000):
        n = int(rng.integers(1, 10 ** int(rng.integers(1, 8))))
        cases.append((int(rng.integers(0, n + 1)), n))
    return cases


@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.99])
def test_the_wilson_interval_is_scipys_to_the_last_bit(confidence: float) -> None:
    different = []
    for hits, n in _cases():
        ci = stats.binomtest(hits, n).proportion_ci(confidence_level=confidence, method="wilson")
        if wilson(hits, n, confidence) != (float(ci.low), float(ci.high)):
            different.append((hits, n, wilson(hits, n, confidence), (ci.low, ci.high)))
    assert different == []


def test_a_rate_carries_its_interval_and_says_when_its_sample_is_small() -> None:
    assert wilson(0, 0) is None
    small = rate(3, 7)
    assert (small.rate, small.hits, small.n, small.small_sample) == (0.4286, 3, 7, True)
    assert small.low is not None and small.high is not None and small.low < 0.4286 < small.high
    assert rate(0, 0).rate is None and rate(0, 0).low is None


def test_more_hits_than_trials_is_refused_with_both_numbers() -> None:
    with pytest.raises(ValueError, match="8 hits out of 7"):
        wilson(8, 7)
