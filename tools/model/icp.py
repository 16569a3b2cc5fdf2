"""build_icp: a named, versioned ICP saved as readable JSON in the workspace; scoring with it.

An ICP version holds the scorecard (criteria and points), tier thresholds (green >= 80, yellow >= 60
by default), hard gates (a violated must-have or a matched disqualifier caps the score in red), the
best-fit / good-fit / red-flag statements with their evidence, and what it was built from. Editing
thresholds or gates writes a new version; earlier versions stay on disk and readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, field_validator

from icp_assistant.tools.analysis.attributes import add_bands, model_attributes, named_columns, training_columns
from icp_assistant.tools.analysis.conditions import Condition, condition_mask, condition_text
from icp_assistant.tools.analysis.contrast import Comparison
from icp_assistant.tools.analysis.patterns import comparison_frame
from icp_assistant.tools.analysis.segments import check_segmentation
from icp_assistant.tools.analysis.targets import TargetSegment, target_segments
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, NotFoundError, OptionError, listing
from icp_assistant.tools.core.stats import Rate, rate
from icp_assistant.tools.ingest.outcomes import OutcomeSpec
from icp_assistant.tools.store.datasets import open_dataset, relabel
from icp_assistant.tools.store.workspace import (
    ICPS,
    META,
    SEGMENTATIONS,
    Workspace,
    check_name,
    is_name,
    read_json,
    write_json,
)

from .leakage import leaks
from .rubric import RubricGroup, apply_rubric, pin_points
from .schemas import ICPSummary, Thresholds
from .scorecard import Criterion, Scorecard, fit_scorecard

MIN_CLASS = 20
UNSCORED = "no attribute predicts the outcome in this data"


SavedResult = Literal["validation", "market", "pipeline", "adoption", "expansion"]  # kept beside a version


class Settings(BaseModel):
    """What a person sets on an ICP beside what it learns (build_icp; edit_icp changes the ones given)."""

    thresholds: Thresholds | None = None
    must_haves: list[Condition] | None = None  # a violated must-have caps the score in red
    disqualifiers: list[Condition] | None = None
    rubric: list[RubricGroup] | None = None  # group weights: see .rubric
    points: dict[str, int] | None = None  # criterion id -> points set by hand


class Learning(BaseModel):
    """What build_icp learns from: the outcome (a column and its success values, when the dataset was loaded
    without one or to learn another), columns to include or exclude, and the saved segmentation whose segments the
    ICP describes (default: the dataset's latest)."""

    outcome: OutcomeSpec | None = None
    include: list[str] | None = None
    exclude: list[str] | None = None
    segmentation: str | None = None


class ICPVersion(BaseModel):
    """One saved version of an ICP (the file in <workspace>/icps/<name>/v<N>.json)."""

    name: str
    version: int
    created_at: str
    dataset: str
    comparison: str = Field(description="What the points were learned from")
    outcome: OutcomeSpec | None = Field(None, description="The outcome named at build time (column, success values)")
    scorecard: Scorecard = Field(description="The points in use (learned, then any rubric and pinned points)")
    learned: Scorecard | None = Field(None, description="The points as learned, before user weights")
    rubric: list[RubricGroup] = Field(default_factory=list, description="Group weights set by the user")
    pinned: dict[str, int] = Field(default_factory=dict, description="Criterion points set by the user")
    thresholds: Thresholds
    must_haves: list[Condition] = Field(default_factory=list)
    disqualifiers: list[Condition] = Field(default_factory=list)
    excluded: list[str] = Field(description="Columns not used, each as 'column: reason' (overridable: include=)")
    best_fit: list[str]
    good_fit: list[str]
    red_flags: list[str]
    training_tiers: dict[str, Rate] = Field(
        default_factory=dict, description="In-sample win rate per tier on the training rows (optimistic: validate it)"
    )
    segmentation: str | None = Field(None, description="Segmentation the target segments come from")
    segments: list[TargetSegment] = Field(default_factory=list, description="Segments with their description facts")
    notes: list[str]
    weighting: list[str] = Field(default_factory=list, description="How user weights changed the learned points")

    @field_validator("name", "dataset", "segmentation")
    @classmethod
    def _a_name_not_a_path(cls, value: str | None) -> str | None:
        """Names read from a file are names too: one workspace segment, never a path."""
        if value is not None and not is_name(value):
            raise ValueError(f"{value!r} is not a name (one word of a-z, 0-9, '-', '_'), so this file is not usable")
        return value


TRAINING_DEALS = ("outcome", "account_key", "deal_closed")  # all a training frame reads of the deals


def training_deals(icp: ICPVersion) -> tuple[str, ...] | None:
    """The deal columns to open a dataset with for ``icp``'s training frame (a million deals' ids, stages and names
    are not held while it refits); None (every column) when it learns from an outcome the user named, which may be
    a deal column."""
    return None if icp.outcome is not None else TRAINING_DEALS


def training_frame(
    dataset: Dataset, outcome: OutcomeSpec | None = None, keep: Collection[str] | None = None, *, learn: bool = True
) -> tuple[Comparison, str, Literal["learned", "lift"]]:
    """Closed deals (or labelled accounts) when won and lost exist; else customers against everyone. ``outcome``: the
    outcome the user named, applied first. ``keep``: each deal carries only the account columns that may be
    attributes and these (see :func:`training_columns`), or without ``learn`` (a frame scored and compared, never
    learned from) only these; None: every account column."""
    dataset = relabel(dataset, outcome)
    columns = None
    if keep is not None:
        columns = (
            partial(training_columns, dataset, keep=keep)
            if learn
            else lambda accounts, _: named_columns(accounts, keep)
        )
    try:
        frame = comparison_frame(dataset, "won", None, 0.2, columns)
        if frame.members.sum() >= MIN_CLASS and (~frame.members).sum() >= MIN_CLASS:
            return frame, frame.label, "learned"
    except InsufficientDataError:
        pass
    accounts = add_bands(dataset.accounts)
    if "outcome" in accounts and accounts["outcome"].eq("won").sum() >= MIN_CLASS:
        group = accounts["outcome"].eq("won")
        return Comparison(accounts, group, "accounts", "customers vs all accounts"), "customers vs all accounts", "lift"
    raise InsufficientDataError(
        f"An ICP needs at least {MIN_CLASS} won and {MIN_CLASS} lost deals or accounts, or {MIN_CLASS} customers. "
        "Load a deals file (deals_path) or an accounts file with a status / lifecycle column."
    )


def _statements(scorecard: Scorecard) -> tuple[list[str], list[str], list[str]]:
    def say(c: Criterion) -> str:
        evidence = ""
        if c.outcome_with is not None and c.outcome_with.rate is not None:
            r = c.outcome_with
            evidence = (
                f"; won {r.rate:.0%} of {r.n:,} {scorecard.training_unit}"
                if scorecard.method == "learned"
                else f"; {r.rate:.0%} of {r.n:,} accounts with it are customers"
            )
        return f"{c.label} ({c.points:+d} points{evidence})"

    positive = [c for c in scorecard.criteria if c.points > 0]
    negative = [c for c in scorecard.criteria if c.points < 0]
    strong = max((c.points for c in positive), default=0)
    best = [say(c) for c in positive if c.points >= strong / 2][:6]
    good = [say(c) for c in positive if c.points < strong / 2][:6]
    red = [say(c) for c in sorted(negative, key=lambda c: c.points)][:6]
    return best, good, red


def versions(workspace: Workspace, name: str) -> list[int]:
    folder = workspace.path(ICPS, name)
    return sorted(int(p.stem[1:]) for p in folder.glob("v*.json") if p.stem[1:].isdigit())


def _save(workspace: Workspace, icp: ICPVersion) -> ICPVersion:
    """Save as the next version: the number is claimed under the ICP's lock, so concurrent builds and edits
    each get their own version and none overwrites another."""
    folder = workspace.folder(ICPS, icp.name)
    with workspace.lock(ICPS, icp.name):
        known = versions(workspace, icp.name)
        icp = icp.model_copy(update={"version": (known[-1] + 1) if known else 1})
        write_json(folder / f"v{icp.version}.json", icp.model_dump(mode="json"))
        write_json(folder / META, {"name": icp.name, "latest": icp.version, "dataset": icp.dataset})
    return icp


def _weighted(learned: Scorecard, rubric: list[RubricGroup], pinned: dict[str, int]) -> tuple[Scorecard, list[str]]:
    """The learned points with the user's rubric and pinned points applied, and what changed."""
    scorecard, notes = learned, []
    if rubric:
        scorecard, said = apply_rubric(scorecard, rubric)
        notes += said
    if pinned:
        scorecard, said = pin_points(scorecard, pinned)
        notes += said
    return scorecard, notes


def _latest_segmentation(workspace: Workspace, dataset: str) -> str | None:
    """The most recently saved segmentation of ``dataset``, if any."""
    metas = [workspace.path(SEGMENTATIONS, name, META) for name in workspace.names(SEGMENTATIONS)]
    found = [meta for meta in metas if read_json(meta).get("dataset") == dataset]
    return max(found, key=lambda meta: meta.stat().st_mtime).parent.name if found else None


def _finish(
    workspace: Workspace,
    draft: ICPVersion,
    dataset: Dataset | None,
    segmentation: str | None,
    frame: Comparison | None = None,
) -> ICPVersion:
    """Best/good/red statements, in-sample tiers and target segments for a draft version, then save it."""
    best, good, red = _statements(draft.scorecard)
    update: dict[str, object] = {"best_fit": best, "good_fit": good, "red_flags": red}
    if dataset is not None:
        if frame is None:  # build_icp passes the frame it learned from; edit_icp has none yet
            frame = training_frame(dataset, draft.outcome, columns_read(draft))[0]
        tiers = score_rows(draft, frame.rows, points=False)["tier"]
        update["training_tiers"] = {
            t: rate(int(frame.members[tiers.eq(t)].sum()), int(tiers.eq(t).sum())) for t in ("green", "yellow", "red")
        }
        chosen = segmentation if segmentation is not None else _latest_segmentation(workspace, dataset.name)
        if chosen is not None:
            scores = score_rows(draft, add_bands(dataset.accounts), points=False)
            update["segmentation"], update["segments"] = target_segments(
                dataset, workspace, chosen, scores, draft.thresholds.yellow, draft.scorecard.attributes
            )
    return _save(workspace, draft.model_copy(update=update))


def build_icp(
    dataset: Dataset,
    workspace: Workspace,
    *,
    name: str | None = None,
    settings: Settings | None = None,
    learning: Learning | None = None,
    random_state: int = 0,
) -> ICPVersion:
    """Learn the scorecard from the dataset and save it as the next version of ``name`` (default
    '<dataset>-icp'), with the person's ``settings`` (tiers, gates, weights) applied to what it learns from
    ``learning`` (outcome, columns, segmentation)."""
    settings, learning = settings or Settings(), learning or Learning()
    label = check_name(name if name is not None else f"{dataset.name}-icp", "ICP name")
    if learning.segmentation is not None:
        check_segmentation(workspace, learning.segmentation, dataset.name)  # before the fit, not after
    dataset = relabel(dataset, learning.outcome)
    gated = [c.column for c in [*(settings.must_haves or []), *(settings.disqualifiers or [])]]
    keep = [*(learning.include or []), *(learning.exclude or []), *gated]
    frame, comparison, method = training_frame(dataset, keep=keep)
    attrs, excluded = _attributes(dataset, frame, learning.include or [], learning.exclude or [])
    learned = fit_scorecard(
        frame.rows,
        frame.members,
        attrs,
        method=method,
        unit=frame.unit,
        groups=frame.cluster,
        random_state=random_state,
    )
    scorecard, weighting = _weighted(learned, settings.rubric or [], settings.points or {})
    how = "learned by regularised logistic regression" if method == "learned" else "from smoothed lift"
    rows = f"{learned.training_rows:,} {learned.training_unit} ({learned.positives:,} positive)"
    notes = [f"Points {how} on {rows}."]
    if learned.fitted_rows is not None:
        notes.append(
            f"The regression was fitted on a seeded random sample of whole accounts ({learned.fitted_rows:,} of "
            f"{learned.training_rows:,} {learned.training_unit}): more rows would not move the points; the levels, "
            "their tests and the points' scale use every row."
        )
    if method == "lift":
        notes.append("No lost deals or accounts: points say how customers differ from the whole list, not who wins.")
    if not learned.criteria:
        notes.append(
            f"{UNSCORED[0].upper()}{UNSCORED[1:]}: no attribute separates the outcome beyond chance, so the scorecard "
            "has no criteria and accounts are left unscored (not called a bad fit). Rank by value "
            "(find_best_customers) or by readiness instead."
        )
    existing = versions(workspace, label)
    draft = ICPVersion(
        name=label, version=(existing[-1] + 1) if existing else 1,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), dataset=dataset.name,
        comparison=comparison, outcome=learning.outcome, scorecard=scorecard, learned=learned,
        rubric=settings.rubric or [], pinned=settings.points or {}, thresholds=settings.thresholds or Thresholds(),
        must_haves=settings.must_haves or [], disqualifiers=settings.disqualifiers or [],
        excluded=excluded, best_fit=[], good_fit=[], red_flags=[], notes=notes, weighting=weighting,
    )  # fmt: skip
    return _finish(workspace, draft, dataset, learning.segmentation, frame)


def _attributes(
    dataset: Dataset, frame: Comparison, include: list[str], exclude: list[str]
) -> tuple[list[Any], list[str]]:
    """The attributes the scorecard may use, and every other column as 'column: reason'."""
    unknown = [c for c in [*include, *exclude] if c not in frame.rows]
    if unknown:
        shown = [*frame.rows.columns, *(c for c in dataset.accounts.columns if c not in frame.rows)]
        visible = [c for c in shown if not c.endswith(("_low", "_high"))]
        raise OptionError(f"Unknown column(s) {unknown} in include/exclude. Columns are: {listing(visible, 60)}.")
    attrs, reasons = model_attributes(dataset, frame.rows, include, exclude)
    found = leaks(frame.rows, [a for a in attrs if a.column not in include], frame.members.astype(int).to_numpy())
    reasons.update(found)
    attrs = [a for a in attrs if a.column not in found]
    if not attrs:
        raise InsufficientDataError(
            "No usable attributes (industry, size, region, tech stack, numbers...) to build an ICP on. Excluded: "
            f"{listing(f'{c} ({r})' for c, r in reasons.items())}. Pass include=[...] to use one anyway."
        )
    return attrs, [f"{c}: {r}" for c, r in sorted(reasons.items())]


def summary(workspace: Workspace, icp: ICPVersion, limit: int = 12) -> ICPSummary:
    criteria = sorted(icp.scorecard.criteria, key=lambda c: -abs(c.points))
    gates = [f"must have {condition_text([c])}" for c in icp.must_haves] + [
        f"disqualify when {condition_text([c])}" for c in icp.disqualifiers
    ]
    segments = [
        f"{s.name}: {s.accounts} accounts, median score {s.median_score}{' (target)' if s.target else ''}"
        for s in icp.segments[:8]
    ]
    return ICPSummary(
        name=icp.name, version=icp.version, path=str(workspace.path(ICPS, icp.name, f"v{icp.version}.json")),
        comparison=icp.comparison, method=icp.scorecard.method, base=icp.scorecard.base,
        criteria=[f"{c.label}: {c.points:+d}" + (f" [{c.group}]" if c.group else "") for c in criteria[:limit]],
        criteria_total=len(criteria), thresholds=icp.thresholds, gates=gates,
        rubric=[f"{g.name} {g.weight}: {', '.join(g.attributes)}" for g in icp.rubric],
        best_fit=icp.best_fit, good_fit=icp.good_fit, red_flags=icp.red_flags, training_tiers=icp.training_tiers,
        segmentation=icp.segmentation, segments=segments, excluded=icp.excluded[:12],
        notes=icp.notes + icp.weighting,
    )  # fmt: skip


def open_icp(workspace: Workspace, name: str, version: int | None = None) -> ICPVersion:
    folder = workspace.existing(ICPS, name)
    known = versions(workspace, name)
    if not known:
        raise NotFoundError(f"ICP {name!r} has no saved version. Build it again with build_icp.")
    chosen = version if version is not None else known[-1]
    if chosen not in known:
        raise NotFoundError(f"ICP {name!r} has no version {chosen}. Versions: {listing(known)}.")
    path = folder / f"v{chosen}.json"
    try:
        data = read_json(path)
        if isinstance(data, dict):
            data["name"] = name  # the folder names the ICP, whatever the file says
        return ICPVersion.model_validate(data)
    except ValueError as error:
        raise NotFoundError(
            f"ICP {name!r} version {chosen} ({path.name}) is not a readable ICP file ({_first_error(error)}). "
            "Rebuild it with build_icp, or open another version."
        ) from error


def _first_error(error: ValueError) -> str:
    text = str(error).strip().splitlines()
    return " ".join(line.strip() for line in text[:3])[:300]


def _source_dataset(workspace: Workspace, name: str) -> Dataset | None:
    try:
        return open_dataset(workspace, name)
    except NotFoundError:
        return None


def edit_icp(workspace: Workspace, name: str, changes: Settings | None = None) -> ICPVersion:
    """A new version with changed thresholds, gates or weights (the ``changes`` given; the rest kept); weights apply
    to the points as learned. An empty ``rubric`` or ``points`` removes them (back to the learned points)."""
    current = open_icp(workspace, name)
    if changes is None or changes == Settings():
        raise OptionError("Nothing to change: pass thresholds, must_haves, disqualifiers, rubric or points.")
    learned = current.learned or current.scorecard
    new_rubric = current.rubric if changes.rubric is None else changes.rubric
    new_points = current.pinned if changes.points is None else changes.points
    scorecard, weighting = _weighted(learned, new_rubric, new_points)
    updated = current.model_copy(
        update={
            "version": versions(workspace, name)[-1] + 1,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "thresholds": changes.thresholds or current.thresholds,
            "must_haves": current.must_haves if changes.must_haves is None else changes.must_haves,
            "disqualifiers": current.disqualifiers if changes.disqualifiers is None else changes.disqualifiers,
            "scorecard": scorecard, "learned": learned, "rubric": new_rubric, "pinned": new_points,
            "weighting": weighting, "training_tiers": {},
        }
    )  # fmt: skip
    dataset = _source_dataset(workspace, current.dataset)
    if dataset is None:
        updated.notes = [*updated.notes, f"Dataset {current.dataset!r} is no longer in the workspace: in-sample tiers "
                         "and segments were not recomputed."]  # fmt: skip
    return _finish(workspace, updated, dataset, current.segmentation)


def tier_of(scores: pd.Series, thresholds: Thresholds, scored: bool = True) -> pd.Series:
    """green / yellow / red by the thresholds; 'unscored' everywhere when the scorecard has no criteria."""
    if not scored:
        return pd.Series("unscored", index=scores.index)
    tiers = np.where(scores >= thresholds.green, "green", np.where(scores >= thresholds.yellow, "yellow", "red"))
    return pd.Series(tiers, index=scores.index)


BAND_INPUTS = {"revenue_band": "annual_revenue", "age_band": "company_age"}  # bands add_bands derives


def columns_read(icp: ICPVersion) -> list[str]:
    """The columns scoring reads (criteria, the inputs of derived bands, gates): load only these for big files."""
    columns = [BAND_INPUTS.get(a, a) for a in icp.scorecard.attributes]
    columns += [c.column for c in [*icp.must_haves, *icp.disqualifiers]]
    return list(dict.fromkeys(columns))


def gates(icp: ICPVersion, rows: pd.DataFrame) -> pd.Series:
    """Per row, the first disqualifier it meets or must-have it misses ("disqualified: ..."), else ''."""
    gate = pd.Series("", index=rows.index)
    for conditions, word in ((icp.disqualifiers, "disqualified"), (icp.must_haves, "must-have not met")):
        for condition in conditions:
            hit = condition_mask(rows, [condition], split=False)
            violated = hit if word == "disqualified" else ~hit
            gate = gate.mask(violated & gate.eq(""), f"{word}: {condition_text([condition])}")
    return gate


def score_rows(icp: ICPVersion, rows: pd.DataFrame, *, points: bool = True) -> pd.DataFrame:
    """Score, tier, gate and (with ``points``) the points of every criterion for each row (vectorised), every value
    read by the scorecard's frozen rule whatever type this file gave it. Without ``points`` no rows x criteria
    block is built: a million deals and a hundred criteria would hold 0.3 GB for a sum."""
    scorecard = icp.scorecard
    per_criterion = scorecard.points(rows) if points else None
    total = per_criterion.sum(axis=1) if per_criterion is not None else pd.Series(scorecard.total(rows), rows.index)
    raw = scorecard.base + total.astype(int)
    score = raw.clip(0, 100).astype(int)
    gate = gates(icp, rows)
    capped = score.where(gate.eq(""), np.minimum(score, icp.thresholds.yellow - 1))
    tier = tier_of(capped, icp.thresholds, scorecard.scored)
    if not scorecard.scored:  # gates still apply: a disqualified account is red even without a fit model
        tier = tier.mask(gate.ne(""), "red")
    scored = pd.DataFrame({"score": capped, "raw_score": raw, "tier": tier, "gate": gate})
    return scored.join(per_criterion) if per_criterion is not None else scored


def save_result(workspace: Workspace, icp: ICPVersion, result_of: SavedResult, result: BaseModel) -> Path:
    """Keep a validation or market-size result next to the version it is about (the document shows it)."""
    return write_json(
        workspace.path(ICPS, icp.name, f"{result_of}-v{icp.version}.json"), result.model_dump(mode="json")
    )


def saved_result(workspace: Workspace, icp: ICPVersion, result_of: SavedResult) -> dict[str, Any] | None:
    path = workspace.path(ICPS, icp.name, f"{result_of}-v{icp.version}.json")
    return read_json(path) if path.exists() else None
