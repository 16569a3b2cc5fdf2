"""Fit and readiness are two axes: intent signals place an account on the grid, each cell with an action."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools.analysis.readiness import READY, grid_action, grid_actions, readiness, signal_scores


def test_readiness_is_the_mean_of_the_signals_present_and_unknown_without_any() -> None:
    today = pd.Timestamp("2026-11-01")
    rows = pd.DataFrame(
        {
            "intent_score": [80, None, None],
            "buying_stage": ["Decision", "Awareness", None],
            "last_funding_date": [pd.Timestamp("2026-09-01"), None, None],
        }
    )
    scores = signal_scores(rows, today=today)
    assert scores.loc[0].tolist() == [80.0, 75.0, 100.0]
    assert readiness(rows).isna().tolist() == [False, False, True]
    assert readiness(rows).loc[1] == 25


def test_each_grid_cell_has_its_action() -> None:
    assert grid_action("green", READY) == ("green / ready", "Prioritise now: sales outreach this week")
    assert grid_action("red", 90)[1].startswith("Check fit before spending")
    assert grid_action("yellow", 10) == ("yellow / not ready", "Low-touch nurture")
    assert grid_action("green", None)[0] == "green / readiness unknown"


@pytest.mark.parametrize("seed", range(20))
def test_the_grid_of_a_whole_list_is_each_row_s_cell_and_action(seed: int) -> None:
    """Worked out once per tier and readiness state, the columns hold what grid_action gives each row; a row without
    a tier gets neither a cell nor an action."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    levels = ["green", "yellow", "red", None]
    tiers = pd.Series([levels[i] for i in rng.integers(0, 4, n)], dtype="str", index=rng.permutation(n) + 3)
    ready = pd.Series(np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 101, n)), index=tiers.index)
    if seed % 4 == 0:
        ready[:] = np.nan  # a list without any readiness signal
    cells, actions = grid_actions(tiers, ready)
    assert cells.index.equals(tiers.index) and actions.index.equals(tiers.index)
    for tier, score, cell, action in zip(tiers, ready, cells, actions, strict=True):
        if pd.isna(tier):
            assert pd.isna(cell) and pd.isna(action)
        else:
            assert (cell, action) == grid_action(tier, None if pd.isna(score) else score)


def test_relative_signals_rank_within_the_scored_file() -> None:
    rows = pd.DataFrame({"web_visits": list(range(20))})
    ranked = signal_scores(rows)["web_visits"]
    assert ranked.iloc[-1] == 100 and ranked.iloc[0] < 10
    assert signal_scores(rows, relative=False).empty
