"""validate_icp: does the ICP's method pick winners on rows it was not fitted on?

The rows the ICP learns from (closed deals with their account's attributes, or labelled accounts)
are split by time when close dates exist (fit on older deals, test on newer), otherwise by account
(no account on both sides). The same method refits its points on the training side only; the
held-out side is scored and judged: AUC with a bootstrap interval by account, win rate per tier with
Wilson intervals, lift, calibration, side by side with a base-rate and a plain logistic baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import model_attributes
from icp_assistant.tools.analysis.contrast import Comparison
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, OptionError

from .evaluation import (
    Baseline,
    Evaluation,
    baseline_base_rate,
    baseline_logistic,
    evaluate_scores,
    group_split,
    time_split,
)
from .icp import ICPVersion, columns_read, score_rows, training_frame
from .review_schemas import ValidationReport
from .rubric import apply_rubric, pin_points
from .scorecard import RowSubset, Scorecard, fit_scorecard

Split = Literal["auto", "time", "account"]


def _split(frame: Comparison, split: Split) -> tuple[pd.Series, pd.Series, str]:
    if split in ("auto", "time") and frame.dates is not None and frame.dates.notna().mean() > 0.5:
        try:
            train, test, how = time_split(pd.to_datetime(frame.dates))
            return pd.Series(train, index=frame.rows.index), pd.Series(test, index=frame.rows.index), how
        except InsufficientDataError:
            if split == "time":
                raise
    groups = frame.cluster if frame.cluster is not None else pd.Series(frame.rows.index, index=frame.rows.index)
    train, test, how = group_split(groups)
    return pd.Series(train, index=frame.rows.index), pd.Series(test, index=frame.rows.index), how


def _user_weights(icp: ICPVersion, scorecard: Scorecard) -> tuple[Scorecard, list[str]]:
    """The version's rubric and pinned points applied to a refitted scorecard, where they still apply."""
    notes: list[str] = []
    if icp.rubric:
        try:
            scorecard, _ = apply_rubric(scorecard, icp.rubric)
        except OptionError as error:
            notes.append(f"The rubric could not be applied to the refitted points ({error}); judged without it.")
    pinned = {k: v for k, v in icp.pinned.items() if any(c.id == k for c in scorecard.criteria)}
    if pinned:
        scorecard, _ = pin_points(scorecard, pinned)
    return scorecard, notes


def validate_on(dataset: Dataset, holdout: Dataset, icp: ICPVersion, *, random_state: int = 0) -> ValidationReport:
    """Judge the saved version, as it is, on a second file (e.g. the next quarter's deals)."""
    frame, _, _ = training_frame(dataset, icp.outcome, columns_read(icp))
    attrs = model_attributes(dataset, frame.rows)[0]
    test, _, _ = training_frame(holdout, icp.outcome, [*columns_read(icp), *(a.column for a in attrs)])
    scored = score_rows(icp, test.rows, points=False)
    outcome = test.members.astype(int)
    evaluation = evaluate_scores(
        scored["score"], scored["tier"], outcome, groups=test.cluster, random_state=random_state
    )
    left_out = {e.split(":", 1)[0] for e in icp.excluded}
    columns = [a.column for a in attrs if a.column in test.rows and a.column not in left_out]
    logistic = baseline_logistic(
        frame.rows[columns], frame.members.astype(int), test.rows[columns], outcome, random_state=random_state
    )
    notes = [
        f"Version {icp.version} scored as saved (no refit) on {len(test.rows):,} {test.unit} of dataset "
        f"{holdout.name!r}; the logistic baseline was fitted on {dataset.name!r}."
    ]
    overlap = _shared_accounts(dataset, holdout)
    if overlap:
        notes.append(f"{overlap:,} accounts appear in both datasets: the test is not fully independent.")
    return ValidationReport(
        icp=icp.name,
        version=icp.version,
        split=f"second file: dataset {holdout.name!r}",
        unit=test.unit,
        evaluation=evaluation,
        baselines=[baseline_base_rate(), logistic],
        verdict=_verdict(evaluation, logistic),
        notes=notes,
    )


def _shared_accounts(a: Dataset, b: Dataset) -> int:
    key = next((c for c in ("account_id", "domain", "name") if c in a.accounts and c in b.accounts), None)
    if key is None:
        return 0
    left = set(a.accounts[key].dropna().astype(str).str.casefold())
    return int(b.accounts[key].dropna().astype(str).str.casefold().isin(left).sum())


@dataclass
class HeldOut:
    """The held-out side of a split: its rows scored by the ICP's method refitted on the other side."""

    frame: Comparison
    train: pd.Series
    test: pd.Series
    how: str
    columns: list[str]
    scored: pd.DataFrame
    outcome: pd.Series
    groups: pd.Series | None
    evaluation: Evaluation
    notes: list[str]


def held_out(dataset: Dataset, icp: ICPVersion, *, split: Split = "auto", random_state: int = 0) -> HeldOut:
    """Split the ICP's rows (by time, else by account), refit its points on the training side only, and score and
    judge the held-out side (what :func:`validate_icp` reports, and what ``review_pipeline`` calibrates on)."""
    frame, _, method = training_frame(dataset, icp.outcome, columns_read(icp))
    train, test, how = _split(frame, split)
    left_out = {e.split(":", 1)[0] for e in icp.excluded}
    attrs = [a for a in model_attributes(dataset, frame.rows)[0] if a.column not in left_out]
    groups = frame.cluster
    scorecard = fit_scorecard(
        RowSubset(frame.rows, np.flatnonzero(train.to_numpy())),
        frame.members[train.to_numpy()],
        attrs,
        method=method,
        unit=frame.unit,
        groups=groups[train.to_numpy()] if groups is not None else None,
        random_state=random_state,
    )
    scorecard, weight_notes = _user_weights(icp, scorecard)
    refit = icp.model_copy(update={"scorecard": scorecard})
    scored = score_rows(refit, frame.rows[test.to_numpy()], points=False)
    outcome = frame.members[test.to_numpy()].astype(int)
    test_groups = groups[test.to_numpy()] if groups is not None else None
    evaluation = evaluate_scores(
        scored["score"], scored["tier"], outcome, groups=test_groups, random_state=random_state
    )
    notes = [
        f"Points refitted on the training side only ({int(train.sum()):,} {frame.unit}); the saved version "
        f"{icp.version} was fitted on all rows and is expected to do about as well as this, not better.",
        *weight_notes,
    ]
    return HeldOut(frame, train, test, how, [a.column for a in attrs], scored, outcome, test_groups, evaluation, notes)


def validate_icp(
    dataset: Dataset, icp: ICPVersion, *, split: Split = "auto", random_state: int = 0
) -> ValidationReport:
    """Refit the ICP's points on the training side of a split and judge them on the held-out side."""
    side = held_out(dataset, icp, split=split, random_state=random_state)
    frame = side.frame
    features, outcome = frame.rows[side.columns], frame.members.astype(int)
    logistic = baseline_logistic(
        features,
        outcome,
        features,
        outcome,
        random_state=random_state,
        train_rows=np.flatnonzero(side.train.to_numpy()),
        test_rows=np.flatnonzero(side.test.to_numpy()),
    )
    return ValidationReport(
        icp=icp.name,
        version=icp.version,
        split=side.how,
        unit=frame.unit,
        evaluation=side.evaluation,
        baselines=[baseline_base_rate(), logistic],
        verdict=_verdict(side.evaluation, logistic),
        notes=side.notes,
    )


def _verdict(evaluation: Evaluation, logistic: Baseline) -> str:
    text = evaluation.verdict
    if evaluation.auc is not None and logistic.auc is not None:
        better = (
            "better than"
            if evaluation.auc > logistic.auc + 0.02
            else ("about as good as" if evaluation.auc >= logistic.auc - 0.02 else "worse than")
        )
        text += (
            f" The scorecard is {better} a plain logistic regression on the same attributes (AUC {logistic.auc:.2f})."
        )
    return text
