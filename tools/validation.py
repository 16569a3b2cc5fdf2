"""validate_icp: does the ICP's method pick winners on rows it was not fitted on?

The rows the ICP learns from (closed deals with their account's attributes, or labelled accounts)
are split by time when close dates exist (fit on older deals, test on newer), otherwise by account
(no account on both sides). The same method refits its points on the training side only; the
held-out side is scored and judged: AUC with a bootstrap interval by account, win rate per tier with
Wilson intervals, lift, calibration, side by side with a base-rate and a plain logistic baseline.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from .attributes import attributes
from .contrast import Frame
from .dataset import Dataset
from .errors import InsufficientDataError
from .evaluation import (
    Baseline,
    Evaluation,
    baseline_base_rate,
    baseline_logistic,
    evaluate_scores,
    group_split,
    time_split,
)
from .icp import ICPVersion, score_rows, training_frame
from .scorecard import fit_scorecard

Split = Literal["auto", "time", "account"]


class ValidationReport(BaseModel):
    """How the ICP's method does on held-out rows, against baselines."""

    icp: str
    version: int
    split: str = Field(description="How rows were split into fit and test")
    unit: Literal["deals", "accounts"]
    evaluation: Evaluation
    baselines: list[Baseline]
    verdict: str
    notes: list[str]


def _split(frame: Frame, split: Split) -> tuple[pd.Series, pd.Series, str]:
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


def validate_icp(
    dataset: Dataset, icp: ICPVersion, *, split: Split = "auto", random_state: int = 0
) -> ValidationReport:
    """Refit the ICP's points on the training side of a split and judge them on the held-out side."""
    frame, _, method = training_frame(dataset)
    train, test, how = _split(frame, split)
    attrs = attributes(dataset, frame.rows)
    groups = frame.cluster
    card = fit_scorecard(
        frame.rows[train.to_numpy()], frame.group[train.to_numpy()], attrs, method=method, unit=frame.unit,
        groups=groups[train.to_numpy()] if groups is not None else None, random_state=random_state,
    )  # fmt: skip
    refit = icp.model_copy(update={"scorecard": card})
    held_out = frame.rows[test.to_numpy()]
    scored = score_rows(refit, held_out)
    outcome = frame.group[test.to_numpy()].astype(int)
    evaluation = evaluate_scores(
        scored["score"], scored["tier"], outcome, groups=groups[test.to_numpy()] if groups is not None else None,
        random_state=random_state,
    )  # fmt: skip
    columns = [a.column for a in attrs]
    logistic = baseline_logistic(
        frame.rows.loc[train.to_numpy(), columns], frame.group[train.to_numpy()].astype(int),
        held_out[columns], outcome, random_state=random_state,
    )  # fmt: skip
    notes = [
        f"Points refitted on the training side only ({int(train.sum()):,} {frame.unit}); the saved version "
        f"{icp.version} was fitted on all rows and is expected to do about as well as this, not better."
    ]
    return ValidationReport(
        icp=icp.name, version=icp.version, split=how, unit=frame.unit, evaluation=evaluation,
        baselines=[baseline_base_rate(), logistic], verdict=_verdict(evaluation, logistic), notes=notes,
    )  # fmt: skip


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
