"""review_pipeline: the open deals, each with its account's fit and, where fit predicts winning, a close likelihood.

Each open deal gets its account's fit from the ICP's own scorer (score, tier, top reasons: what score_prospects gives
that account). Whether fit predicts winning is judged on held-out closed deals (:func:`.validation.held_out`: the
split validate_icp uses, the ICP's method refitted without them): the win rate per score band with Wilson intervals,
and AUC with its interval. Only when the AUC interval lies above 0.5 is the score calibrated (:mod:`.calibration`:
Platt scaling or isotonic regression, fitted on half the held-out deals and checked on the other half); each open
deal then gets a close likelihood and an expected value (amount x likelihood), and the list is ordered by expected
value. Otherwise the summary says fit does
not predict winning, no deal gets a likelihood, and the list is ordered by stage (later first) then age (fresher
first), with deals older than the 90th percentile of won deals' sales cycle flagged stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, listing
from icp_assistant.tools.ingest.deals import join_deals
from icp_assistant.tools.store.workspace import Workspace, slugify, write_table

from .bulk import reasons
from .calibration import Calibrator, fit_calibrator
from .evaluation import WIDE_INTERVAL, Evaluation
from .icp import ICPVersion, score_rows
from .stages import stage_order
from .team_schemas import PipelineReview, Separation, TopDeal
from .validation import held_out

TOP = 8
STALE_QUANTILE = 0.9
Progress = Callable[[float, str], None]
COLUMNS = {
    "company": "Company",
    "deal": "Deal",
    "stage": "Stage",
    "amount": "Amount",
    "age": "Age (days)",
    "score": "ICP score",
    "tier": "Tier",
    "why": "Why (top reasons)",
    "likelihood": "Close likelihood",
    "expected": "Expected value",
    "stale": "Stale",
}


@dataclass
class OpenDeals:
    deals: pd.DataFrame
    source: str
    closed_ignored: int
    without_account: int
    unknown_account: int
    unknown_examples: list[str]


def open_deals(dataset: Dataset, pipeline: pd.DataFrame | None = None, source: str | None = None) -> OpenDeals:
    """The open deals of the dataset, or of a pipeline file joined to the dataset's accounts (closed rows counted)."""
    if pipeline is None:
        if dataset.deals is None:
            raise InsufficientDataError(
                f"Dataset {dataset.name!r} has no deals. Load it with deals_path=<deals export>, or pass "
                "path=<open-pipeline export>."
            )
        deals, what, ignored = dataset.deals, f"the deals of dataset {dataset.name!r}", 0
    else:
        if "deal_stage" not in pipeline:
            raise ColumnError(
                f"The pipeline file {source} has no deal stage column, so open deals cannot be told from closed ones. "
                f"Columns are: {listing(pipeline.columns, 30)}. Export the pipeline with its Stage column."
            )
        deals = join_deals(dataset.accounts, pipeline)[0]
        what, ignored = f"pipeline file {source}", int(deals["outcome"].ne("open").sum())
    found = deals[deals["outcome"].eq("open")]
    if found.empty:
        counts = ", ".join(f"{v:,} {k}" for k, v in deals["outcome"].value_counts().items())
        raise InsufficientDataError(
            f"No open deals in {what} ({counts or 'no deals'}): every deal is closed. Pass a deals export with open "
            "stages (e.g. 'Qualification', 'Proposal'), as path=<open-pipeline export>."
        )
    named = found["deal_account"].notna() if "deal_account" in found else pd.Series(False, index=found.index)
    unknown = named & found["account_key"].isna()
    examples = found.loc[unknown, "deal_account"].astype(str).unique()[:5].tolist() if unknown.any() else []
    return OpenDeals(found, what, ignored, int((~named).sum()), int(unknown.sum()), examples)


def fit_of(icp: ICPVersion, dataset: Dataset, keys: pd.Series) -> pd.DataFrame:
    """Score, tier and top reasons of each deal's account, from the ICP's own scorer (as score_prospects gives);
    only the accounts the deals name are scored."""
    index = dataset.accounts.index
    known = keys.notna() & keys.isin(index)
    out = pd.DataFrame(
        {"score": pd.array([pd.NA] * len(keys), dtype="Int64"), "tier": "no account", "why": ""}, index=keys.index
    )
    if known.any():
        named = keys[known].astype(index.dtype)
        accounts = add_bands(dataset.accounts.loc[named.unique()])
        scored = score_rows(icp, accounts)
        fit = pd.DataFrame(
            {
                "score": scored["score"].astype("Int64").where(scored["tier"].ne("unscored")),
                "tier": scored["tier"],
                "why": reasons(icp, scored),
            },
            index=accounts.index,
        )
        picked = fit.loc[named]
        out.loc[known, "score"] = picked["score"].to_numpy()
        out.loc[known, "tier"] = picked["tier"].to_numpy()
        out.loc[known, "why"] = picked["why"].to_numpy()
    return out


def _separates(evaluation: Evaluation) -> bool:
    interval = evaluation.auc_interval
    if interval is None or interval[0] <= 0.5:
        return False
    return not (evaluation.small_sample and interval[1] - interval[0] > WIDE_INTERVAL)


@dataclass
class Judged:
    separation: Separation
    evaluation: Evaluation | None
    calibrator: Calibrator | None
    notes: list[str]


def judge(dataset: Dataset, icp: ICPVersion, random_state: int = 0) -> Judged:
    """Held-out closed deals: does fit predict winning, and if so a checked calibrator."""
    try:
        side = held_out(dataset, icp, random_state=random_state)
    except InsufficientDataError as error:
        why = f"Cannot judge whether fit predicts winning: {error}"
        return Judged(
            Separation(separates=False, auc=None, auc_interval=None, deals=0, wins=0, split="none", verdict=why),
            None,
            None,
            [why],
        )
    ev = side.evaluation
    separation = Separation(
        separates=_separates(ev),
        auc=ev.auc,
        auc_interval=ev.auc_interval,
        deals=ev.rows,
        wins=ev.positives,
        split=side.how,
        verdict=ev.verdict,
    )
    if not separation.separates:
        return Judged(separation, ev, None, [])
    groups = side.groups if side.groups is not None else side.frame.rows.index[side.test.to_numpy()].to_series()
    try:
        calibrator = fit_calibrator(side.scored["score"], side.outcome, groups, random_state=random_state)
    except InsufficientDataError as error:  # too few held-out deals or accounts to fit on one half, check on the other
        why = f"Fit separates winners, but the held-out deals are too few to calibrate and check a likelihood: {error}"
        return Judged(separation, ev, None, [why])
    note = (
        f"Close likelihood: {calibrator.shape} of the fit score (the shape chosen by cross-validation), fitted on "
        f"{calibrator.fitted_on:,} held-out deals and "
        f"checked on {calibrator.checked_on:,} deals of other accounts (intervals at the effective sample size: "
        f"design effect {calibrator.design_effect:.2f} for deals of one account)."
    )
    if not calibrator.holds:
        missed = [
            f"{b.mean_likelihood:.0%} predicted vs {b.observed.rate:.0%}" for b in calibrator.bands if not b.inside
        ]
        note += f" The check misses in {len(missed)} band(s) ({'; '.join(missed)}): read likelihoods as rough."
    return Judged(separation, ev, calibrator, [note])


def _as_of(dataset: Dataset, deals: pd.DataFrame) -> pd.Timestamp | None:
    """The date ages are counted to: the latest creation or actual close in the data (an open deal's close date is
    an expected one, often in the future, so it does not count)."""
    dates = [frame["deal_created"] for frame in (dataset.deals, deals) if frame is not None and "deal_created" in frame]
    known = dataset.deals
    if known is not None and "deal_closed" in known:
        dates.append(known.loc[known["outcome"].isin(["won", "lost"]), "deal_closed"])
    latest = pd.concat(dates).dropna().max() if dates else None
    return None if latest is None or pd.isna(latest) else pd.Timestamp(latest)


def stale_after(dataset: Dataset) -> float | None:
    """The 90th percentile of won deals' sales cycle (days), or None without cycles."""
    deals = dataset.deals
    if deals is None or "cycle_days" not in deals:
        return None
    cycles = deals.loc[deals["outcome"].eq("won"), "cycle_days"].dropna()
    return round(float(np.quantile(cycles, STALE_QUANTILE)), 1) if len(cycles) else None


def _deal_labels(deals: pd.DataFrame, dataset: Dataset) -> tuple[pd.Series, pd.Series]:
    names = dataset.accounts.get("name")
    account = deals.get("deal_account", pd.Series(None, index=deals.index, dtype=object))
    company = account.astype(object)
    if names is not None:
        matched = deals["account_key"].notna()
        company = company.mask(matched, names.reindex(deals["account_key"]).to_numpy())
    deal_name = next((c for c in deals.columns if str(c).strip().lower() in ("deal name", "opportunity name")), None)
    deal = deals[deal_name] if deal_name else deals.get("deal_id", pd.Series(deals.index + 1, index=deals.index))
    return company.fillna("(no account)").astype(str), deal.astype(str)


def build_list(deals: pd.DataFrame, dataset: Dataset, icp: ICPVersion, judged: Judged) -> tuple[pd.DataFrame, str]:
    """The prioritised list (internal column names) and how it is ordered."""
    company, deal = _deal_labels(deals, dataset)
    stages = deals["deal_stage"].astype(str)
    ranks, _ = stage_order(stages.tolist())
    as_of = _as_of(dataset, deals)
    age = (as_of - deals["deal_created"]).dt.days if as_of is not None and "deal_created" in deals else None
    out = pd.DataFrame({"company": company, "deal": deal, "stage": stages}, index=deals.index)
    out["amount"] = deals.get("deal_amount", np.nan)
    out["age"] = age.astype("Int64") if age is not None else pd.array([pd.NA] * len(deals), dtype="Int64")
    out = out.join(fit_of(icp, dataset, deals["account_key"]))
    likelihood = judged.calibrator.likelihood(out["score"].astype(float)) if judged.calibrator else np.nan
    out["likelihood"] = np.round(likelihood, 4)
    out["expected"] = (out["amount"] * out["likelihood"]).round(2)
    limit = stale_after(dataset)
    out["stale"] = out["age"].gt(limit).fillna(False).astype(bool) if limit is not None else False
    out["_stage"] = stages.map(ranks)
    if judged.calibrator is not None:
        keys, ascending = ["expected", "likelihood", "_stage", "age"], [False, False, False, True]
        how = "expected value (amount x close likelihood), then likelihood; deals without an account last"
    else:
        keys, ascending = ["_stage", "age"], [False, True]
        why = "fit does not predict winning here" if not judged.separation.separates else "no likelihood to rank by"
        how = f"stage (later stages first), then age (fresher first): {why}"
    ordered = out.sort_values(keys, ascending=ascending, na_position="last", kind="stable")
    return ordered.drop(columns="_stage").reset_index(drop=True), how


def _top(listed: pd.DataFrame) -> list[TopDeal]:
    def number(value: object) -> float | None:
        return None if pd.isna(value) else float(value)  # type: ignore[arg-type]

    return [
        TopDeal(
            company=row.company[:60],
            deal=row.deal[:60],
            stage=row.stage[:40],
            amount=number(row.amount),
            age_days=None if pd.isna(row.age) else int(row.age),
            score=None if pd.isna(row.score) else int(row.score),
            tier=row.tier,
            why=row.why[:140],
            likelihood=number(row.likelihood),
            expected_value=number(row.expected),
            stale=bool(row.stale),
        )
        for row in listed.head(TOP).itertuples()
    ]


def _notes(found: OpenDeals, listed: pd.DataFrame, judged: Judged, limit: float | None, icp: ICPVersion) -> list[str]:
    notes = list(judged.notes)
    if not judged.separation.separates:
        notes.append(
            f"Fit does not predict winning on {judged.separation.deals:,} held-out closed deals, so no deal gets a "
            f"close likelihood and the list is ordered by stage and age. Held-out verdict: {judged.separation.verdict}"
        )
    if listed["amount"].isna().all():
        notes.append("No open deal has an amount: no pipeline total or expected value.")
    if listed["age"].isna().all():
        notes.append("No open deal has a created date: ages and staleness are unknown.")
    elif limit is None:
        notes.append("No won deal has a sales cycle (created and closed dates): staleness is not judged.")
    if found.without_account or found.unknown_account:
        notes.append(
            f"{found.without_account + found.unknown_account:,} open deals have no matching account (none named: "
            f"{found.without_account:,}; not in the dataset: {found.unknown_account:,}): listed without fit."
        )
    if judged.calibrator is not None:
        notes.append(
            f"Likelihoods map version {icp.version}'s scores through a calibration learned on scores of the same "
            "method refitted without the held-out deals."
        )
    return notes


def review_pipeline(
    dataset: Dataset,
    icp: ICPVersion,
    workspace: Workspace,
    *,
    pipeline: pd.DataFrame | None = None,
    source: str | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> PipelineReview:
    """The open deals with fit, close likelihood (where fit predicts winning) and expected value, prioritised."""
    report = progress or (lambda _f, _m: None)
    found = open_deals(dataset, pipeline, source)
    report(0.1, "judging fit on held-out closed deals")
    judged = judge(dataset, icp, random_state)
    report(0.7, "scoring the open deals")
    listed, how = build_list(found.deals, dataset, icp, judged)
    report(0.9, "writing the list")
    folder = workspace.folder("analyses", dataset.name)
    stem = f"pipeline-{icp.name}-v{icp.version}" + (f"-{slugify(Path(source).stem)}" if source else "")
    human = listed.rename(columns=COLUMNS)
    said = human.assign(**{COLUMNS["stale"]: listed["stale"].map({True: "yes", False: "no"})})  # a person reads it
    csv_path = write_table(said, folder / f"{stem}.csv")
    parquet_path = write_table(human, folder / f"{stem}.parquet")
    limit = stale_after(dataset)
    amounts = listed["amount"].dropna()
    ev = judged.evaluation
    ranks, order_from = stage_order(listed["stage"].tolist())
    per_stage = listed["stage"].value_counts()
    per_stage = per_stage.loc[sorted(per_stage.index, key=lambda s: -ranks[s])].head(8)
    return PipelineReview(
        dataset=dataset.name,
        icp=icp.name,
        version=icp.version,
        source=found.source,
        open_deals=len(listed),
        closed_ignored=found.closed_ignored,
        without_account=found.without_account,
        unknown_account=found.unknown_account,
        unknown_examples=[e[:60] for e in found.unknown_examples],
        per_stage={str(k)[:40]: int(v) for k, v in per_stage.items()},
        stage_order_from=order_from,
        pipeline_total=round(float(amounts.sum()), 2) if len(amounts) else None,
        deals_with_amount=len(amounts),
        expected_value_total=round(float(listed["expected"].sum()), 2) if judged.calibrator and len(amounts) else None,
        separation=judged.separation,
        score_bands=ev.calibration if ev else [],
        overall_win_rate=ev.base_rate if ev else None,
        calibration=judged.calibrator.bands if judged.calibrator else [],
        calibration_holds=judged.calibrator.holds if judged.calibrator else None,
        ordered_by=how,
        stale_after_days=limit,
        stale=int(listed["stale"].sum()),
        top=_top(listed),
        csv_path=str(csv_path),
        parquet_path=str(parquet_path),
        notes=_notes(found, listed, judged, limit, icp),
    )
