"""Discovered segments: planted segments are found, noise is called noise, and k is chosen for usefulness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from icp_assistant.tools.analysis.clustering import Clustering, discover_segments
from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, OptionError

INDUSTRIES = ("Software", "Manufacturing", "Retail", "Healthcare", "Media", "Logistics", "Energy", "Travel")
TOOLS = ("AWS", "Slack", "HubSpot", "SAP", "Microsoft 365", "Shopify", "Google Workspace", "Epic", "Zoom")
# share, industry, log10(employees), tech stack, win rate
PLANTED = (
    (0.40, "Software", 1.7, ("AWS", "Slack", "HubSpot"), 0.35),
    (0.30, "Manufacturing", 3.0, ("SAP", "Microsoft 365"), 0.15),
    (0.20, "Retail", 2.2, ("Shopify", "Google Workspace"), 0.25),
    (0.10, "Healthcare", 3.5, ("Epic", "Microsoft 365", "Zoom"), 0.45),
)
CATEGORICAL = ["industry", "tech", "region"]
NUMERIC = ["employees", "revenue", "lead_score"]


def _tech(rng: np.random.Generator, segment: np.ndarray) -> list[str | None]:
    stack = rng.random((len(segment), len(TOOLS))) < 0.08
    for i, (*_, tools, _win) in enumerate(PLANTED):
        rows = segment == i
        for tool in tools:
            stack[rows, TOOLS.index(tool)] |= rng.random(rows.sum()) < 0.8
    return ["; ".join(t for t, on in zip(TOOLS, row, strict=True) if on) or None for row in stack]


def planted(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Four segments (industry x size x tech stack, 20% noise) beside two pure-noise columns."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(len(PLANTED), rows, p=[p[0] for p in PLANTED])
    industry = np.array([PLANTED[s][1] for s in segment], dtype=object)
    flip = rng.random(rows) < 0.2
    industry[flip] = rng.choice(INDUSTRIES, flip.sum())
    industry[rng.random(rows) < 0.05] = None
    employees = np.round(10 ** (np.array([p[2] for p in PLANTED])[segment] + rng.normal(0, 0.35, rows)))
    frame = pd.DataFrame(
        {
            "industry": industry,
            "employees": np.where(rng.random(rows) < 0.05, np.nan, employees),
            "revenue": employees * 10 ** rng.normal(5, 0.3, rows),
            "tech": _tech(rng, segment),
            "region": rng.choice(["NA", "EMEA", "APAC", "LATAM", "DACH"], rows),
            "lead_score": rng.integers(0, 100, rows).astype(float),
        }
    )
    won = pd.Series(rng.random(rows) < np.array([p[4] for p in PLANTED])[segment])
    return frame, segment, won


def independent(rows: int, seed: int = 0) -> pd.DataFrame:
    """No pattern: every column drawn on its own."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "industry": rng.choice(list(INDUSTRIES[:6]), rows),
            "region": rng.choice(["NA", "EMEA", "APAC", "LATAM"], rows),
            "employees": rng.lognormal(4, 1, rows),
            "founded": rng.normal(2000, 10, rows),
            "score": rng.random(rows),
        }
    )


def numeric_noise(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(rows, 4)), columns=["a", "b", "c", "d"])


@pytest.fixture(scope="module")
def found() -> tuple[Clustering, np.ndarray]:
    frame, segment, won = planted(3000)
    return discover_segments(frame, CATEGORICAL, NUMERIC, outcome=won), segment


def test_planted_segments_in_mixed_data_are_recovered_with_the_planted_number(found) -> None:
    result, truth = found
    assert result.stable
    assert result.k == 4, result.reason
    assert adjusted_rand_score(truth, result.labels) >= 0.8
    assert result.reason.startswith("k=4: ")


def test_the_reason_quotes_stability_segment_size_and_win_rate_separation(found) -> None:
    result, _ = found
    chosen = next(d for d in result.diagnostics if d.k == result.k)
    assert f"ARI {chosen.stability:.2f}" in result.reason
    assert "smallest segment 10%" in result.reason
    assert "separates win rate" in result.reason and f"V={chosen.separation:.2f}" in result.reason
    assert [d.k for d in result.diagnostics] == list(range(2, 9))
    assert all(d.silhouette is not None and d.separation is not None for d in result.diagnostics)


@pytest.mark.parametrize(
    ("frame", "categorical", "numeric"),
    [
        (independent(2000), ["industry", "region"], ["employees", "founded", "score"]),
        (numeric_noise(2000), [], ["a", "b", "c", "d"]),
    ],
    ids=["independent-mixed-columns", "gaussian-numbers"],
)
def test_data_without_a_pattern_gets_no_stable_segments(
    frame: pd.DataFrame, categorical: list[str], numeric: list[str]
) -> None:
    won = pd.Series(np.random.default_rng(5).random(len(frame)) < 0.3)
    result = discover_segments(frame, categorical, numeric, outcome=won)
    assert not result.stable
    assert not any(d.usable for d in result.diagnostics)
    assert "do not form stable segments" in result.reason
    assert "user-defined dimensions" in result.reason


def test_segments_that_only_restate_one_column_are_not_usable() -> None:
    # Six industries form six tight lumps: stable, but they are the industry column, not a discovery.
    frame = independent(2000)
    result = discover_segments(frame, ["industry", "region"], ["employees", "founded", "score"], k=6)
    (six,) = result.diagnostics
    assert six.stability >= 0.9 and six.min_share >= 0.05
    assert not six.usable and not result.stable
    assert "'industry'" in result.reason


def test_the_same_random_state_gives_identical_labels() -> None:
    frame, _, won = planted(1500, seed=3)
    first = discover_segments(frame, CATEGORICAL, NUMERIC, outcome=won, random_state=7)
    second = discover_segments(frame.copy(), CATEGORICAL, NUMERIC, outcome=won.copy(), random_state=7)
    assert np.array_equal(first.labels, second.labels)
    assert first.diagnostics == second.diagnostics and first.reason == second.reason


def test_labels_are_numbered_by_segment_size_largest_first(found) -> None:
    result, _ = found
    sizes = np.bincount(result.labels, minlength=result.k)
    assert sorted(set(result.labels.tolist())) == list(range(result.k))
    assert list(sizes) == sorted(sizes, reverse=True)


def test_every_segment_of_the_chosen_k_holds_at_least_min_share_of_the_rows() -> None:
    frame, _, won = planted(2000, seed=1)
    result = discover_segments(frame, CATEGORICAL, NUMERIC, outcome=won, min_share=0.15)
    assert result.stable
    assert np.bincount(result.labels).min() / len(frame) >= 0.15
    assert all(d.usable == (d.stability >= 0.6 and d.min_share >= 0.15) for d in result.diagnostics)


def test_too_few_rows_raise_an_error_that_says_how_many_are_needed() -> None:
    frame, _, _ = planted(15)
    needed = r"too few rows \(15\) for 2 segments of at least 10 accounts"
    with pytest.raises(InsufficientDataError, match=needed):
        discover_segments(frame, CATEGORICAL, NUMERIC)


def test_twenty_rows_are_enough_for_two_segments_of_ten() -> None:
    frame, _, won = planted(20, seed=2)
    result = discover_segments(frame, CATEGORICAL, NUMERIC, outcome=won)
    assert result.k == 2 and [d.k for d in result.diagnostics] == [2]
    assert len(result.labels) == 20


@pytest.mark.slow
def test_two_hundred_thousand_rows_are_fitted_on_a_sample_and_every_row_is_labelled() -> None:
    frame, truth, won = planted(200_000, seed=4)
    result = discover_segments(frame, CATEGORICAL, NUMERIC, outcome=won, resamples=4)
    assert len(result.labels) == 200_000 and result.k == 4
    assert adjusted_rand_score(truth, result.labels) >= 0.8


def test_multi_valued_cells_become_one_indicator_per_listed_value() -> None:
    rng = np.random.default_rng(0)
    group = rng.integers(0, 2, 600)
    stacks = np.where(group == 0, "AWS; Slack; HubSpot", "SAP; Oracle; Microsoft 365")
    noise = rng.random(600) < 0.1
    tech = np.where(noise, "Zoom; AWS", stacks).astype(object)
    tech[rng.random(600) < 0.05] = None
    frame = pd.DataFrame({"tech": tech, "score": rng.random(600)})
    result = discover_segments(frame, ["tech"], ["score"], k=2)
    assert {"tech has AWS", "tech has SAP", "tech has Zoom", "tech has (missing)"} <= set(result.features)
    assert not any("; " in feature for feature in result.features)
    assert adjusted_rand_score(group[~noise], result.labels[~noise]) >= 0.8


def test_skewed_money_columns_are_logged_and_rare_values_pooled() -> None:
    frame, _, _ = planted(1000)
    frame.loc[:3, "region"] = "Antarctica"  # 4 rows: rarer than 1% and 5 rows
    result = discover_segments(frame, CATEGORICAL, NUMERIC, k=4)
    assert {"employees (log)", "revenue (log)", "lead_score", "region=(other)"} <= set(result.features)
    assert "region=Antarctica" not in result.features


def test_progress_is_reported_once_per_k_evaluated() -> None:
    frame, _, won = planted(600)
    calls: list[tuple[float, str]] = []
    discover_segments(
        frame, CATEGORICAL, NUMERIC, outcome=won, k_min=3, k_max=5, progress=lambda f, m: calls.append((f, m))
    )
    assert [round(f, 2) for f, _ in calls] == [0.33, 0.67, 1.0]
    assert [m.split(":")[0] for _, m in calls] == ["k=3", "k=4", "k=5"]


def test_a_fixed_k_evaluates_only_that_k_and_says_so() -> None:
    frame, _, _ = planted(600)
    result = discover_segments(frame, CATEGORICAL, NUMERIC, k=3)
    assert result.k == 3 and [d.k for d in result.diagnostics] == [3]
    assert "fixed by the caller" in result.reason


def test_a_value_series_is_separated_by_terciles_when_there_is_no_outcome() -> None:
    frame, segment, _ = planted(1000)
    value = pd.Series(np.where(segment == 3, 5.0, 1.0) * np.random.default_rng(1).lognormal(0, 0.2, 1000))
    result = discover_segments(frame, CATEGORICAL, NUMERIC, value=value, k=4)
    assert result.diagnostics[0].separation is not None and result.diagnostics[0].separation > 0.2
    assert "value terciles" in result.reason


def test_k_outside_the_allowed_range_names_the_fix() -> None:
    frame, _, _ = planted(100)
    with pytest.raises(OptionError, match="k_min <= k_max"):
        discover_segments(frame, CATEGORICAL, NUMERIC, k_min=5, k_max=3)
    with pytest.raises(InsufficientDataError, match="lower min_accounts or k"):
        discover_segments(frame, CATEGORICAL, NUMERIC, k=20)


def test_columns_that_cannot_be_used_are_named() -> None:
    frame = pd.DataFrame({"same": ["x"] * 50, "empty": [np.nan] * 50})
    with pytest.raises(OptionError, match="'empty' is empty; 'same' has a single value"):
        discover_segments(frame, ["same"], ["empty"])
    with pytest.raises(ColumnError, match="'sector' not found; columns are: same, empty"):
        discover_segments(frame, ["sector"], [])


def test_an_outcome_that_is_not_won_or_lost_is_refused() -> None:
    frame, _, _ = planted(100)
    with pytest.raises(OptionError, match=r"True/False or 1/0 .* found maybe"):
        discover_segments(frame, CATEGORICAL, NUMERIC, outcome=pd.Series(["maybe"] * 100))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.integers(20, 120), seed=st.integers(0, 2**16), missing=st.floats(0, 0.5))
def test_any_small_messy_frame_gets_one_label_per_row_within_k(rows: int, seed: int, missing: float) -> None:
    frame, _, won = planted(rows, seed)
    frame = frame.mask(np.random.default_rng(seed).random(frame.shape) < missing)
    won = won.astype(object).mask(np.random.default_rng(seed + 1).random(rows) < missing)
    result = discover_segments(frame, CATEGORICAL, NUMERIC, outcome=won, resamples=2, random_state=seed)
    assert len(result.labels) == rows and result.labels.min() >= 0 and result.labels.max() < result.k
    assert result.k <= rows // 10 and all(0 <= d.stability <= 1 for d in result.diagnostics)


def test_columns_with_fewer_distinct_combinations_than_segments_are_refused() -> None:
    frame = pd.DataFrame({"plan": ["free", "paid"] * 25})
    expected = r"only 2 distinct combinations .* too few for 3 segments"
    with pytest.raises(InsufficientDataError, match=expected):
        discover_segments(frame, ["plan"], [], k=3)
