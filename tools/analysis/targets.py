"""Target segments of an ICP: each segment of a saved segmentation described for the ICP document.

For every segment: who they are (defining values and distinctive traits), why they fit (win rate
against the base with its interval, value, cycle length, and how the ICP scores its accounts), when
they need us (only what the data shows: cycle length and buying signals; the rest is left to the
document as a hypothesis), example accounts (its best won customers), and the negative description
(values clearly rarer in the segment than overall). A segment is targeted when its median account
scores at least yellow. The traits double as the segment's profile for matching a new prospect to its
nearest segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.distinct import spread, weighted_counts
from icp_assistant.tools.store.workspace import Workspace

from .attributes import MAX_VALUES, OTHER, Attribute, add_bands, attributes, raw_values, trait_mask
from .best_customers import VALUE_PRIORITY, primary_value
from .segment_profile import Outcomes, family
from .segment_schemas import NearestSegment
from .segments import Segment, open_segmentation

MAX_EXAMPLES, MAX_NEGATIVE = 3, 3
NEGATIVE_RATIO, NEGATIVE_MIN_BASE = 0.5, 0.10
DESCRIBING = ("industry", "size_band", "revenue_band", "region", "country", "tech_stack", "ownership", "business_model")
SIGNALS = ("intent_score", "buying_stage", "funding_stage", "last_funding_date", "employee_growth", "hiring")


class ProfileItem(BaseModel):
    attribute: str
    value: str
    kind: str = "category"


class TargetSegment(BaseModel):
    """A segment of the ICP with its description facts."""

    id: int
    name: str
    accounts: int
    target: bool = Field(description="Targeted: its median account scores at least yellow")
    median_score: int = Field(description="Median ICP fit score of its accounts")
    fit_share: float = Field(description="Share of its accounts scoring green or yellow, 0-1")
    who: list[str] = Field(description="Defining values and distinctive traits, in words")
    why: list[str] = Field(description="Evidence that it fits: win rate, value, cycle, fit scores")
    when: list[str] = Field(description="What the data shows about timing (cycle, signals); may be empty")
    examples: list[str] = Field(description="Example accounts: its most valuable won customers")
    negative: list[str] = Field(description="Who is not in it: values much rarer here than overall")
    outcomes: Outcomes
    profile: list[ProfileItem] = Field(description="Values a prospect is matched on for its nearest segment")


def _who(segment: Segment) -> list[str]:
    out = [f"{k} is {v}" for k, v in (segment.definition or {}).items()]
    out += [
        f"{t.attribute} is {t.value} ({t.support:.0%} of the segment vs {t.base_rate:.0%} of all accounts)"
        for t in segment.traits
    ]
    return out or ["no distinctive trait (a mixed segment)"]


def _why(segment: Segment, median_score: int, fit_share: float) -> list[str]:
    o, out = segment.outcomes, []
    if o.win_rate is not None and o.win_rate.rate is not None:
        ci = f", 95% CI {o.win_rate.low:.0%}-{o.win_rate.high:.0%}" if o.win_rate.low is not None else ""
        base = f" vs {o.base_win_rate:.0%} overall" if o.base_win_rate is not None else ""
        small = " (small sample)" if o.win_rate.small_sample else ""
        out.append(f"win rate {o.win_rate.rate:.0%} ({o.win_rate.hits}/{o.win_rate.n}{ci}){base}{small}")
    if o.median_value is not None:
        out.append(f"median customer value {o.median_value:,.0f}")
    if o.churn is not None and o.churn.rate is not None:
        out.append(f"churn {o.churn.rate:.0%} ({o.churn.hits}/{o.churn.n})")
    out.append(f"median ICP fit score {median_score}; {fit_share:.0%} of its accounts score green or yellow")
    return out


def _when(frame: pd.DataFrame, mask: pd.Series, segment: Segment) -> list[str]:
    out = []
    if segment.outcomes.median_cycle_days is not None:
        out.append(f"deals close in a median of {segment.outcomes.median_cycle_days:,.0f} days")
    for trait in segment.traits:
        if trait.attribute in SIGNALS:
            out.append(f"{trait.attribute} is {trait.value} for {trait.support:.0%} of the segment")
    return out


def _examples(frame: pd.DataFrame, mask: pd.Series) -> list[str]:
    if "name" not in frame:
        return []
    read = [c for c in ("name", "outcome", *VALUE_PRIORITY) if c in frame]  # not every column of a big segment
    part = frame.loc[mask, read]
    if "outcome" in part and part["outcome"].eq("won").any():
        part = part[part["outcome"].eq("won")]
    value = primary_value(part)
    if value is not None:
        part = part.sort_values(value, ascending=False, kind="stable")
    return [str(n) for n in part["name"].dropna().head(MAX_EXAMPLES)]


@dataclass
class _Known:
    """One describing attribute over all accounts, read once for every segment on its distinct cells: each row's
    cell, each cell's values (split when multi-valued) as codes into ``uniques``, and the share of each pooled value
    among all accounts. A million accounts' text is never copied per row."""

    cells: np.ndarray  # per row: its distinct cell, -1 when missing
    starts: np.ndarray  # cell c's values are part_values[starts[c]:starts[c + 1]]
    part_values: np.ndarray
    uniques: np.ndarray
    everyone: pd.Series

    def counts(self, rows: np.ndarray) -> pd.Series:
        """``value_counts()`` of the values of the rows marked in ``rows`` (split, each value once per row that has
        it), in its order: most first, ties as first seen."""
        held = self.cells[rows]
        order, cells = pd.factorize(held[held >= 0])  # the cells in the order the rows first show them
        per_cell = np.bincount(order, minlength=len(cells))
        lengths = self.starts[cells + 1] - self.starts[cells]
        first = np.repeat(self.starts[cells], lengths)
        within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return weighted_counts(self.uniques[self.part_values[first + within]], np.repeat(per_cell, lengths))


def _known(frame: pd.DataFrame, attrs: list[Attribute]) -> dict[str, _Known]:
    everyone_rows = np.ones(len(frame), dtype=bool)
    out = {}
    for attr in attrs:
        cells, distinct = pd.factorize(frame[attr.column])
        parts = raw_values(pd.DataFrame({attr.column: distinct}), attr)  # raw_values' reading, on distinct cells
        part_values, uniques = pd.factorize(parts)
        starts = np.searchsorted(parts.index.to_numpy(), np.arange(len(distinct) + 1))
        known = _Known(cells, starts, part_values, np.asarray(uniques, dtype=object), pd.Series(dtype=float))
        known.everyone = _pooled_shares(known.counts(everyone_rows), attr)
        out[attr.column] = known
    return out


def _pooled_shares(counts: pd.Series, attr: Attribute) -> pd.Series:
    """:func:`pool_values` then ``value_counts(normalize=True)``, from the counts: rare values pooled into "Other"
    (categories) or dropped (multi-valued)."""
    kept = counts[counts >= 5].head(MAX_VALUES)
    pooled = kept.copy()
    if attr.kind != "multi" and len(kept) < len(counts):
        rest = int(counts.drop(kept.index).sum())
        pooled[OTHER] = int(pooled.get(OTHER, 0)) + rest
    return pooled / pooled.sum() if pooled.sum() else pooled.astype(float)


def _negative(mask: pd.Series, known: dict[str, _Known], segment: Segment) -> list[str]:
    """Common values (>= 10% of accounts) of describing attributes at most half as common in the segment;
    attributes of the same family as a defining one (size band when the segment is defined by size) say nothing new.
    A value counts in the segment when it is among the segment's MAX_VALUES most common (as values_of pools)."""
    defined = set().union(*(family(a) for a in (segment.definition or {})))
    inside_rows, size, rows = mask.to_numpy(dtype=bool), max(int(mask.sum()), 1), []
    for column, found in known.items():
        if column in defined:
            continue
        counts = found.counts(inside_rows).head(MAX_VALUES)
        inside = counts.reindex(found.everyone.index, fill_value=0) / size
        for value, base in found.everyone.items():
            if value != "Other" and base >= NEGATIVE_MIN_BASE and inside[value] <= NEGATIVE_RATIO * base:
                rows.append((inside[value] / base, column, str(value), inside[value], base))
    rows.sort()
    return [f"not {a} {v} ({share:.0%} of the segment vs {base:.0%} of all accounts)"
            for _, a, v, share, base in rows[:MAX_NEGATIVE]]  # fmt: skip


def _profile(segment: Segment, kinds: dict[str, str]) -> list[ProfileItem]:
    pairs = [*(segment.definition or {}).items(), *((t.attribute, t.value) for t in segment.traits)]
    return [ProfileItem(attribute=a, value=v, kind=kinds.get(a, "category")) for a, v in dict(pairs).items()]


def target_segments(
    dataset: Dataset, workspace: Workspace, segmentation: str, scores: pd.DataFrame, yellow: int, scored: list[str]
) -> tuple[str, list[TargetSegment]]:
    """The segmentation's segments described for the ICP; ``scores`` holds score and tier per account row and
    ``scored`` the attributes the scorecard reads."""
    result, labels = open_segmentation(workspace, segmentation, dataset.name)
    frame = add_bands(dataset.accounts)
    labels = labels.reindex(frame.index)
    attrs = attributes(dataset, frame)
    kinds: dict[str, str] = {a.column: a.kind for a in attrs}
    describing = _known(frame, [a for a in attrs if a.column in DESCRIBING or a.column in scored])
    out = []
    for segment in result.segments:
        mask = labels.eq(segment.id)
        segment_scores = scores.loc[mask[mask].index]
        median = int(segment_scores["score"].median()) if len(segment_scores) else 0
        fit = float(segment_scores["tier"].isin(["green", "yellow"]).mean()) if len(segment_scores) else 0.0
        out.append(
            TargetSegment(
                id=segment.id, name=segment.name, accounts=segment.accounts, target=median >= yellow,
                median_score=median, fit_share=round(fit, 3), who=_who(segment), why=_why(segment, median, fit),
                when=_when(frame, mask, segment), examples=_examples(frame, mask),
                negative=_negative(mask, describing, segment), outcomes=segment.outcomes,
                profile=_profile(segment, kinds),
            )
        )  # fmt: skip
    out.sort(key=lambda s: (not s.target, -s.median_score, -s.accounts))
    return result.name, out


def nearest_segment(segments: list[TargetSegment], row: pd.DataFrame) -> NearestSegment | None:
    """The segment whose profile the (single) prospect row matches best; ties go to targeted, larger ones."""
    best: tuple[tuple[float, bool, int], NearestSegment] | None = None
    for segment in segments:
        if not segment.profile:
            continue
        matched, differs, unknown = [], [], []
        for item in segment.profile:
            label = f"{item.attribute} {item.value}"
            if item.attribute not in row or row[item.attribute].isna().iloc[0]:
                unknown.append(label)
            elif trait_mask(row, Attribute(item.attribute, "multi" if item.kind == "multi" else "category"),
                            item.value).iloc[0]:  # fmt: skip
                matched.append(label)
            else:
                differs.append(label)
        similarity = round(len(matched) / len(segment.profile), 3)
        key = (similarity, segment.target, segment.accounts)
        if matched and (best is None or key > best[0]):
            found = NearestSegment(name=segment.name, target=segment.target, matched=matched, differs=differs,
                                   unknown=unknown, similarity=similarity)  # fmt: skip
            best = (key, found)
    return best[1] if best else None


def segment_labels(segments: list[TargetSegment], rows: pd.DataFrame) -> pd.Series:
    """Nearest segment name per row (vectorised: share of profile matched; '' when nothing matches)."""
    names = pd.Series("", index=rows.index)
    best = pd.Series(0.0, index=rows.index)
    cells: dict[str, tuple[np.ndarray, pd.DataFrame]] = {}  # per attribute: each row's distinct cell, and the cells

    def has(item: ProfileItem) -> pd.Series:
        """:func:`trait_mask` of the profile item, worked out on the distinct cells and spread to the rows."""
        if item.attribute not in rows:
            return pd.Series(False, index=rows.index)
        if item.attribute not in cells:
            codes, uniques = pd.factorize(rows[item.attribute])
            cells[item.attribute] = codes, pd.DataFrame({item.attribute: uniques})
        codes, distinct = cells[item.attribute]
        attribute = Attribute(item.attribute, "multi" if item.kind == "multi" else "category")
        hit = trait_mask(distinct, attribute, item.value).to_numpy(dtype=bool)
        return pd.Series(spread(hit, codes), index=rows.index)

    for segment in sorted(segments, key=lambda s: (not s.target, -s.accounts)):
        if not segment.profile:
            continue
        hits = sum(has(i).astype(float) for i in segment.profile) / len(segment.profile)
        better = hits > best
        names, best = names.mask(better, segment.name), best.mask(better, hits)
    return names
