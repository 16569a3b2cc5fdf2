"""The evaluation engine on scores with known quality: real separation is reported, noise and tiny samples are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icp_assistant.tools.core.errors import InsufficientDataError, OptionError
from icp_assistant.tools.model.evaluation import (
    Evaluation,
    baseline_base_rate,
    baseline_logistic,
    evaluate_scores,
    group_split,
    time_split,
)


def _tiers(score: np.ndarray) -> np.ndarray:
    return np.where(score >= 80, "green", np.where(score >= 60, "yellow", "red"))


def _scored(n: int, signal: float, seed: int = 0, win_share: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes with a base rate of ``win_share`` and scores that lean toward wins by ``signal`` points."""
    rng = np.random.default_rng(seed)
    won = (rng.random(n) < win_share).astype(int)
    score = np.clip(50 + signal * won + rng.normal(0, 12, n), 0, 100)
    return score, won


@pytest.fixture(scope="module")
def strong() -> Evaluation:
    score, won = _scored(600, signal=25)
    return evaluate_scores(score, _tiers(score), won)


@pytest.fixture(scope="module")
def noise() -> Evaluation:
    rng = np.random.default_rng(1)
    score = rng.uniform(0, 100, 600)
    return evaluate_scores(score, _tiers(score), (rng.random(600) < 0.3).astype(int))


def test_a_strongly_informative_score_separates_winners_with_ordered_separated_tiers(strong: Evaluation) -> None:
    assert strong.auc is not None and strong.auc > 0.8
    assert strong.auc_interval is not None and strong.auc_interval[0] > 0.5
    assert strong.tiers_ordered is True
    assert strong.tiers_separate is True
    assert strong.verdict.startswith("The ICP separates winners: AUC ")
    assert "green wins" in strong.verdict and "red wins" in strong.verdict
    assert not strong.small_sample
    assert strong.top_decile_lift is not None and strong.top_decile_lift > 2
    assert strong.green_lift is not None and strong.green_lift > 2


def test_tiers_are_always_green_yellow_red_and_shares_add_up(strong: Evaluation) -> None:
    assert [t.tier for t in strong.tiers] == ["green", "yellow", "red"]
    assert sum(t.rows for t in strong.tiers) == strong.rows
    assert sum(t.share_of_rows for t in strong.tiers) == pytest.approx(1, abs=1e-3)
    assert sum(t.share_of_wins for t in strong.tiers) == pytest.approx(1, abs=1e-3)
    assert strong.base_rate.hits == strong.positives


def test_a_random_score_is_no_better_than_chance(noise: Evaluation) -> None:
    assert noise.auc_interval is not None
    low, high = noise.auc_interval
    assert low <= 0.5 <= high
    assert noise.verdict.startswith("No better than chance: AUC ")
    assert "separates" not in noise.verdict


def test_a_score_that_ranks_losers_first_is_called_worse_than_chance() -> None:
    score, won = _scored(600, signal=-25)
    result = evaluate_scores(score, _tiers(score), won)
    assert result.verdict.startswith("Worse than chance")


def test_tiny_data_is_too_small_to_tell() -> None:
    score, won = _scored(40, signal=6, seed=4)
    result = evaluate_scores(score, _tiers(score), won)
    assert result.small_sample
    assert result.auc_interval is not None and result.auc_interval[1] - result.auc_interval[0] > 0.25
    assert result.verdict.startswith(f"Too small to tell: {result.positives} wins among 40 rows")


def test_a_tier_with_fewer_than_five_rows_leaves_the_order_undecided() -> None:
    score, won = _scored(200, signal=10, seed=2)
    tier = np.where(score >= 100, "green", np.where(score >= 50, "yellow", "red"))  # hardly any green
    result = evaluate_scores(score, tier, won)
    assert result.tiers[0].rows < 5
    assert result.tiers_ordered is None


def test_an_empty_tier_is_listed_with_zero_rows_and_no_rate() -> None:
    score, won = _scored(200, signal=10, seed=2)
    result = evaluate_scores(score, np.where(score >= 50, "yellow", "red"), won)
    green = result.tiers[0]
    assert green.rows == 0 and green.win_rate is None and green.share_of_rows == 0
    assert result.green_lift is None and result.tiers_separate is None
    assert "no rows scored green vs red wins" in result.verdict


def test_bootstrap_by_groups_is_deterministic_for_a_seed_and_wider_when_accounts_cluster() -> None:
    rng = np.random.default_rng(5)
    accounts = np.repeat(np.arange(60), 10)  # 60 accounts, 10 deals each, outcome and score shared within an account
    account_won = rng.random(60) < 0.4
    won = account_won[accounts].astype(int)
    score = np.clip(55 + 10 * account_won[accounts] + rng.normal(0, 15, 60)[accounts] + rng.normal(0, 2, 600), 0, 100)
    first = evaluate_scores(score, _tiers(score), won, groups=accounts, random_state=7)
    again = evaluate_scores(score, _tiers(score), won, groups=accounts, random_state=7)
    other_seed = evaluate_scores(score, _tiers(score), won, groups=accounts, random_state=8)
    by_row = evaluate_scores(score, _tiers(score), won, random_state=7)
    assert first == again
    assert first.auc_interval != other_seed.auc_interval
    assert first.auc == by_row.auc
    assert first.auc_interval is not None and by_row.auc_interval is not None
    width = first.auc_interval[1] - first.auc_interval[0]
    assert width > 1.5 * (by_row.auc_interval[1] - by_row.auc_interval[0])


def test_fewer_than_ten_accounts_give_no_interval_and_too_small_to_tell() -> None:
    score, won = _scored(300, signal=25, seed=6)
    result = evaluate_scores(score, _tiers(score), won, groups=np.arange(300) % 4)
    assert result.auc is not None and result.auc_interval is None
    assert result.verdict.startswith("Too small to tell")


def test_calibration_bins_add_up_to_rows_and_run_in_score_order(strong: Evaluation) -> None:
    assert len(strong.calibration) == 5
    assert sum(b.rows for b in strong.calibration) == strong.rows
    lows = [b.score_range[0] for b in strong.calibration]
    assert lows == sorted(lows)
    assert all(b.score_range[0] <= b.mean_score <= b.score_range[1] for b in strong.calibration)


def test_tied_scores_collapse_calibration_bins_without_losing_rows() -> None:
    score = np.array([20.0] * 50 + [90.0] * 50)
    won = np.array([0, 1] * 10 + [0] * 30 + [1, 0] * 5 + [1] * 40)
    result = evaluate_scores(score, _tiers(score), won)
    assert sum(b.rows for b in result.calibration) == 100
    assert len(result.calibration) == 2
    single = evaluate_scores(np.full(100, 70.0), ["yellow"] * 100, won)
    assert [b.rows for b in single.calibration] == [100]
    assert single.auc == 0.5


@pytest.mark.parametrize(("outcome", "kind"), [(1, "wins"), (0, "losses")])
def test_all_one_class_gives_no_auc_and_says_why(outcome: int, kind: str) -> None:
    score, _ = _scored(80, signal=0)
    result = evaluate_scores(score, _tiers(score), np.full(80, outcome))
    assert result.auc is None and result.auc_interval is None and result.top_decile_lift in (None, 1.0)
    assert result.verdict.startswith(f"Cannot judge: all 80 rows are {kind}")
    assert "both won and lost" in result.verdict


def test_bad_inputs_raise_errors_that_name_the_fix() -> None:
    with pytest.raises(OptionError, match="Unknown tiers purple"):
        evaluate_scores([50, 60], ["purple", "red"], [0, 1])
    with pytest.raises(OptionError, match="not 0/1"):
        evaluate_scores([50, 60], ["green", "red"], [0, 2])
    with pytest.raises(OptionError, match="no numeric score"):
        evaluate_scores(np.array([50, None], dtype=object), ["green", "red"], [0, 1])
    with pytest.raises(OptionError, match="one per row"):
        evaluate_scores([50, 60], ["green"], [0, 1])
    with pytest.raises(InsufficientDataError, match="No rows"):
        evaluate_scores([], [], [])


def test_tier_labels_are_read_case_insensitively() -> None:
    result = evaluate_scores([90, 70, 10, 85], [" Green", "YELLOW", "red", "green"], [1, 0, 0, 1])
    assert [t.rows for t in result.tiers] == [2, 1, 1]


def _dated(n: int = 200) -> pd.Series:
    dates = pd.Series(pd.date_range("2024-01-01", periods=n, freq="D"))
    dates[[3, n // 4, n - 1]] = pd.NaT
    return dates.sample(frac=1, random_state=0).reset_index(drop=True)


def test_time_split_trains_on_older_deals_and_keeps_undated_rows_in_train() -> None:
    dates = _dated()
    train, test, about = time_split(dates, test_share=0.3)
    assert (train ^ test).all()
    assert dates[train].max() < dates[test].min()
    assert train[dates.isna().to_numpy()].all()
    assert 0.25 < test.mean() < 0.35
    cutoff = dates[test].min().strftime("%Y-%m-%d")
    assert (
        about
        == f"train: closed before {cutoff} (n={train.sum()}, incl. 3 with no date), test: on/after (n={test.sum()})"
    )


def test_time_split_keeps_one_day_on_one_side_and_reads_date_strings() -> None:
    stamps = pd.Series(pd.date_range("2024-01-01 08:00", periods=100, freq="6h").strftime("%Y-%m-%d %H:%M"))
    train, test, _ = time_split(stamps)
    days = pd.to_datetime(stamps).dt.date
    assert not set(days[train]) & set(days[test])


def test_time_split_refuses_a_side_under_twenty_rows() -> None:
    with pytest.raises(InsufficientDataError, match="each side needs 20"):
        time_split(_dated(50), test_share=0.3)
    with pytest.raises(InsufficientDataError, match="No dates"):
        time_split(pd.Series(["soon", None] * 30))
    with pytest.raises(OptionError, match="test_share"):
        time_split(_dated(), test_share=1.5)


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.one_of(st.integers(0, 40), st.none()), min_size=60, max_size=300),
    share=st.floats(0.1, 0.9),
    seed=st.integers(0, 2**16),
)
def test_group_split_never_puts_one_account_on_both_sides(groups: list[int | None], share: float, seed: int) -> None:
    series = pd.Series(groups, dtype="object")
    try:
        train, test, about = group_split(series, test_share=share, random_state=seed)
    except InsufficientDataError:
        return
    assert (train ^ test).all()
    assert train.sum() >= 20 and test.sum() >= 20
    known = series.notna().to_numpy()
    assert not set(series[train & known]) & set(series[test & known])
    assert about.startswith("train: ")


def test_group_split_is_deterministic_for_a_seed() -> None:
    groups = pd.Series(np.repeat([f"acct-{i}" for i in range(50)], 4))
    first, second = group_split(groups, random_state=3), group_split(groups, random_state=3)
    assert (first[1] == second[1]).all() and first[2] == second[2]
    assert first[2] == f"train: 35 accounts (n={first[0].sum()}), test: 15 other accounts (n={first[1].sum()})"
    with pytest.raises(InsufficientDataError, match="one account"):
        group_split(pd.Series(["a"] * 100))


def _accounts(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Industry carries the signal; tech stack and size are noise; some values are rare."""
    rng = np.random.default_rng(seed)
    industry = rng.choice(["software", "retail", "banking", "government", "mining"], n, p=[0.3, 0.3, 0.2, 0.17, 0.03])
    frame = pd.DataFrame(
        {
            "industry": industry,
            "tech_stack": rng.choice(
                np.array(["Salesforce; HubSpot", "SAP", "HubSpot; Slack; Zoom", None], dtype=object), n
            ),
            "employees": rng.lognormal(5, 2, n).round(),
            "is_public": rng.random(n) < 0.2,
            "founded": pd.Timestamp("2001-01-01"),
        }
    )
    frame.loc[rng.random(n) < 0.1, "employees"] = np.nan
    won = (rng.random(n) < np.where(industry == "software", 0.75, 0.12)).astype(int)
    return frame, won


def test_baseline_logistic_recovers_a_planted_categorical_signal() -> None:
    train_X, train_y = _accounts(500, seed=1)
    test_X, test_y = _accounts(300, seed=2)
    result = baseline_logistic(train_X, train_y, test_X, test_y)
    assert result.auc is not None and result.auc > 0.75
    assert result.auc_interval is not None and result.auc_interval[0] > 0.6
    assert "4 columns (2 categorical, 1 multi, 1 numeric)" in result.note
    assert result == baseline_logistic(train_X, train_y, test_X, test_y)


def test_a_large_baseline_is_fitted_and_scored_on_seeded_samples_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from icp_assistant.tools.model import evaluation

    monkeypatch.setattr(evaluation, "MAX_BASELINE_ROWS", 250)
    train_X, train_y = _accounts(500, seed=1)
    test_X, test_y = _accounts(300, seed=2)
    result = baseline_logistic(train_X, train_y, test_X, test_y)
    assert (
        "500 train (fitted on a random 250)" in result.note and "300 test rows (scored on a random 250)" in result.note
    )
    assert result.auc is not None and result.auc > 0.7  # the planted signal survives the samples
    assert result == baseline_logistic(train_X, train_y, test_X, test_y)  # seeded: the same samples every time


def test_baseline_logistic_handles_categories_and_list_values_never_seen_in_training() -> None:
    train_X, train_y = _accounts(400, seed=3)
    test_X, test_y = _accounts(200, seed=4)
    test_X["industry"] = np.where(test_X["industry"] == "retail", "aerospace", test_X["industry"])
    test_X["tech_stack"] = "Pipedrive; Notion"
    test_X["employees"] = test_X["employees"].astype(object).where(test_X.index % 7 > 0, np.inf)
    result = baseline_logistic(train_X, train_y, test_X, test_y)
    assert result.auc is not None and result.auc > 0.7


def test_baseline_logistic_reports_an_undefined_auc_and_refuses_one_class_training() -> None:
    train_X, train_y = _accounts(300, seed=5)
    result = baseline_logistic(train_X, train_y, train_X, np.zeros(300, dtype=int))
    assert result.auc is None and "all one outcome" in result.note
    with pytest.raises(InsufficientDataError, match="both wins and losses"):
        baseline_logistic(train_X, np.ones(300, dtype=int), train_X, train_y)
    with pytest.raises(OptionError, match="industry"):
        baseline_logistic(train_X, train_y, train_X.drop(columns="industry"), train_y)


def test_the_base_rate_baseline_is_chance_by_definition() -> None:
    base = baseline_base_rate()
    assert base.name == "base rate" and base.auc == 0.5
    assert "by definition" in base.note


@pytest.mark.parametrize("block_cells", [1_000_000, 1_100])  # one block of every resample; blocks of 2-3 and a rest
@pytest.mark.parametrize(("rows", "groups", "continuous"), [(400, 400, False), (1500, 300, True), (60, 15, False)])
def test_the_vectorised_bootstrap_gives_the_auc_of_each_resample_drawn_one_by_one(
    rows: int, groups: int, continuous: bool, block_cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each resample's AUC equals roc_auc_score on the rows drawn as before (whole groups, same generator calls)."""
    from sklearn.metrics import roc_auc_score

    from icp_assistant.tools.model import evaluation
    from icp_assistant.tools.model.evaluation import RESAMPLES, _bootstrap_aucs

    monkeypatch.setattr(evaluation, "BLOCK_CELLS", block_cells)

    rng = np.random.default_rng(rows)
    won = (rng.random(rows) < 0.3).astype(int)
    score = rng.random(rows) + 0.3 * won if continuous else rng.integers(0, 20, rows) + 3.0 * won
    codes = np.unique(rng.integers(0, groups, rows), return_inverse=True)[1]
    members = [np.flatnonzero(codes == g) for g in range(int(codes.max()) + 1)]
    draw = np.random.default_rng(0)
    expected = []
    for _ in range(RESAMPLES):
        picked = np.concatenate([members[g] for g in draw.integers(0, len(members), len(members))])
        if 0 < won[picked].sum() < len(picked):
            expected.append(roc_auc_score(won[picked], score[picked]))
    got = _bootstrap_aucs(won, score, codes, np.random.default_rng(0))
    assert len(got) == len(expected)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


LIST_CELLS = ["a", "b", "B", "  c ", "d;", "x y", "é", "a;a", ";", " ", "", "(missing)"] + [f"v{i}" for i in range(40)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("top", [1, 3, 20, 1000])
def test_the_baselines_list_indicators_are_count_vectorizers_columns(seed: int, top: int) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    from icp_assistant.tools.model.evaluation import LIST_VALUE
    from icp_assistant.tools.model.list_values import ListValues

    rng = np.random.default_rng(seed)

    def cells(rows: int) -> pd.Series:  # many values tied on how many rows hold them
        return pd.Series(["; ".join(rng.choice(LIST_CELLS, size=rng.integers(0, 5))) for _ in range(rows)])

    train, test = cells(int(rng.integers(30, 2000))), cells(int(rng.integers(1, 300)))
    counted = CountVectorizer(
        tokenizer=LIST_VALUE.findall, token_pattern=None, lowercase=False, binary=True, max_features=top
    )
    expected, ours = counted.fit_transform(train), ListValues(LIST_VALUE, top).fit(train)
    assert list(ours.get_feature_names_out()) == list(counted.get_feature_names_out())
    for theirs, mine in ((expected, ours.transform(train)), (counted.transform(test), ours.transform(test))):
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape and (mine != theirs).nnz == 0
