"""The ICP scorecard: criteria with whole points that add up to a fit score from 0 to 100.

One model object, frozen at build time and applied unchanged to every later file:

- **schema**: for each attribute the column, its kind (category, multi-valued, numeric bins), its levels with
  their display spelling, its bin edges, and whether "not recorded" is a level of its own. Every value is read
  by one rule (:mod:`.reading`): a column typed text in one file and boolean or number in another scores the same.
- **points**: learned (won and lost known) by L2-regularised logistic regression on indicator columns of the
  levels, fitted on closed deals with their account's attributes (or on accounts); or by smoothed lift when only
  positives are known. Numeric columns are binned by a shallow decision tree on that one column (supervised
  binning: neighbouring values with the same rate share a bin). Missing is a level of its own only where it is
  tied to the outcome beyond chance; otherwise an unknown value scores 0 ("unknown" is neutral).
- Only attributes with a level associated with the outcome beyond chance (BH q < .05, clustered deals counted
  as their effective sample) carry points. Weights become whole points by one scale factor so the 2nd-98th
  percentile of training rows spans 0-100; ``score = clip(base + sum(points), 0, 100)``, exactly the same in
  Python and in the exported SQL.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from icp_assistant.tools.analysis.attributes import MULTI_SEPARATOR, Attribute, split_cells
from icp_assistant.tools.core.distinct import weighted_counts
from icp_assistant.tools.core.labels import level_label, missing_label, range_label
from icp_assistant.tools.core.stats import ALPHA, Rate, bh_adjust, design_effect, rate, two_by_two_p

from .design import Design
from .reading import NOT_RECORDED, RULE, Reader, canonical

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

Method = Literal["learned", "lift"]
Kind = Literal["category", "multi", "range", "missing"]
MIN_VALUE_COUNT = 5
MAX_LEVELS = 30
MAX_BINS = 6
REGULARISATION = 0.1  # sklearn C when too few rows to cross-validate: strong L2 shrinkage
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # shrinkage matters more than events per variable (van Smeden et al.)
NEUTRAL_BASE = 50  # the score of every account when no attribute carries points


class Criterion(BaseModel):
    """One level of an attribute (a value, a range, or 'not recorded') and the points it adds or removes."""

    id: str = Field(description="attribute=level")
    attribute: str
    value: str = Field(description="The level as read by the scoring rule (a category, a range, or 'not recorded')")
    kind: Kind
    points: int = Field(description="Added to the score when the account has this level (negative: removed)")
    label: str = Field(description="Plain words, e.g. 'Industry is Fintech', 'Total visits 5 to under 9'")
    low: float | None = Field(None, description="range: lowest value included")
    high: float | None = Field(None, description="range: first value above the range")
    rows_with: int = Field(description="Training rows with this level")
    outcome_with: Rate | None = Field(None, description="Win rate (or positive share) of training rows with it")
    group: str | None = Field(None, description="Rubric group whose weight the points come from, when one is set")
    pinned: bool = Field(False, description="Points set by the user rather than learned")


class AttributeSchema(BaseModel):
    """How one attribute is read, frozen at build time."""

    column: str
    kind: Literal["category", "multi", "numeric"]
    levels: dict[str, str] = Field(default_factory=dict, description="Level (as read) -> its spelling in the data")
    edges: list[float] = Field(default_factory=list, description="numeric: inner bin edges")
    missing_level: bool = Field(False, description="'not recorded' is a level of its own (it carried signal)")
    unseen: str = Field("0 points (an unseen or rare level is neutral)", description="What an unseen level scores")


def point_range(criteria: Sequence[Criterion], attribute: str) -> tuple[int, int]:
    """Fewest and most points one account can get from ``attribute``: a category value matches one criterion
    (or none: 0 points), a multi-valued cell can match all of them."""
    own = [c for c in criteria if c.attribute == attribute]
    points = [c.points for c in own]
    if any(c.kind == "multi" for c in own):
        return sum(p for p in points if p < 0), sum(p for p in points if p > 0)
    return min([0, *points]), max([0, *points])


class Scorecard(BaseModel):
    """Additive points: score = clip(base + sum of matched criteria points, 0, 100)."""

    method: Method
    base: int = Field(description="Points every account starts with")
    criteria: list[Criterion]
    attributes: list[str] = Field(description="Attributes the scorecard reads")
    schema_: list[AttributeSchema] = Field(default_factory=list, alias="schema", description="How each is read")
    rule: str = Field(RULE, description="How every value is read, at build time and at every scoring")
    scale: float = Field(description="Points per unit of model weight (log-odds)")
    training_rows: int
    training_unit: Literal["deals", "accounts"]
    positives: int
    fitted_rows: int | None = Field(
        None, description="Rows the regression was fitted on when a seeded sample of whole accounts; None = all"
    )

    model_config = {"populate_by_name": True, "serialize_by_alias": True}

    @property
    def scored(self) -> bool:
        """False when no attribute predicts the outcome: accounts are left unscored, not called red."""
        return bool(self.criteria)

    def points(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The points of every criterion for each row (0 when it does not match), one attribute read at a time into
        one column-major block (the frame takes it as it is: no second copy of rows x criteria)."""
        out = np.zeros((len(rows), len(self.criteria)), dtype=np.int16, order="F")
        column = {c.id: j for j, c in enumerate(self.criteria)}
        for c, mask in _matches(rows, self._read_in(rows)):
            out[mask, column[c.id]] = c.points
        return pd.DataFrame(out, index=rows.index, columns=[c.id for c in self.criteria], copy=False)

    def _read_in(self, rows: pd.DataFrame) -> list[Criterion]:
        """The criteria whose attribute ``rows`` has (the others give no row any points)."""
        return [c for c in self.criteria if c.attribute in self.attributes and c.attribute in rows]

    def total(self, rows: pd.DataFrame) -> np.ndarray:
        """Each row's sum of points (what ``points(rows).sum(axis=1)`` gives) without a column per criterion."""
        out = np.zeros(len(rows), dtype=np.int64)
        for c, mask in _matches(rows, self._read_in(rows)):
            out[mask] += c.points
        return out


# -- fitting -----------------------------------------------------------------------------------------------------


class RowSubset:
    """Some rows of a frame, each column copied only when it is read: fitting on the training side of a million
    deals need not copy every attribute column of it at once."""

    def __init__(self, frame: pd.DataFrame, positions: np.ndarray) -> None:
        self._frame, self._positions = frame, positions

    def __getitem__(self, column: str) -> pd.Series:
        return self._frame[column].iloc[self._positions]

    def __contains__(self, column: object) -> bool:
        return column in self._frame

    def __len__(self) -> int:
        return len(self._positions)

    @property
    def index(self) -> pd.Index:
        return self._frame.index[self._positions]


Rows: TypeAlias = "pd.DataFrame | RowSubset"


def _number(value: float) -> str:
    if 1900 <= value <= 2100 and float(value).is_integer():  # a year
        return f"{value:.0f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _bins(values: pd.Series, y: np.ndarray, min_leaf: int, random_state: int) -> list[float]:
    """Inner edges of a supervised binning of one numeric column (a shallow tree: same-rate neighbours merge)."""
    known = values.notna().to_numpy()
    if known.sum() < 2 * min_leaf or values[known].nunique() < 2:
        return []
    from sklearn.tree import DecisionTreeClassifier  # imported on first fit: the server starts without sklearn

    # The tree is grown on each distinct (value, outcome) pair weighted by its rows: the same splits as on every row
    # (a split falls between distinct values, and a weighted count is the count), a leaf's least rows as a least
    # weight (integer weights reach min_leaf - 0.5 exactly when they reach min_leaf); seconds less at a million rows.
    distinct, codes = np.unique(values[known].to_numpy(dtype=float), return_inverse=True)
    weight = np.bincount(2 * codes + y[known].astype(np.int64), minlength=2 * len(distinct)).astype(float)
    pair = np.flatnonzero(weight)
    least = (min_leaf - 0.5) / float(known.sum())
    tree = DecisionTreeClassifier(max_leaf_nodes=MAX_BINS, min_weight_fraction_leaf=least, random_state=random_state)
    tree.fit(distinct[pair // 2].reshape(-1, 1), pair % 2, sample_weight=weight[pair])
    edges = sorted({float(t) for t, f in zip(tree.tree_.threshold, tree.tree_.feature, strict=True) if f >= 0})
    if bool(np.all(np.mod(distinct, 1) == 0)):  # whole numbers: '2011 or more', not 2010.5
        return sorted({float(math.ceil(e)) for e in edges})
    return [float(f"{e:.6g}") for e in edges]


def _range_levels(attr: Attribute, edges: list[float]) -> list[Criterion]:
    """One range criterion per bin: below the first edge, between edges, and from the last edge on."""
    out = []
    for low, high in itertools.pairwise([None, *edges, None]):
        if low is None and high is not None:
            words, value = range_label(attr.column, None, _number(high)), f"<{_number(high)}"
        elif high is None and low is not None:
            words, value = range_label(attr.column, _number(low), None), f">={_number(low)}"
        elif low is not None and high is not None:
            words = range_label(attr.column, _number(low), _number(high))
            value = f"{_number(low)}..{_number(high)}"
        else:
            continue
        out.append(Criterion(id=f"{attr.column}={value}", attribute=attr.column, value=value, kind="range",
                             points=0, label=words, low=low, high=high, rows_with=0))  # fmt: skip
    return out


def _levels(
    rows: Rows, attr: Attribute, y: np.ndarray, random_state: int, readers: Mapping[str, Reader]
) -> tuple[list[Criterion], dict]:
    """Candidate levels of one attribute (with the spelling of each) before any test."""
    min_leaf = max(MIN_VALUE_COUNT * 4, int(0.05 * len(rows)))
    reader = readers[attr.column]
    if attr.kind == "numeric":
        per_row = np.where(reader.codes >= 0, reader.numbers()[np.maximum(reader.codes, 0)], np.nan)
        edges = _bins(pd.Series(per_row, index=rows.index), y, min_leaf, random_state)
        return (_range_levels(attr, edges) if edges else []), {"edges": edges}
    per_cell = reader.cell_rows()[0]  # rows per distinct cell
    spelled: dict[str, str] = {}
    if attr.kind == "multi":  # the distinct cells are split, each part weighted by the rows holding its cell
        cells = pd.Series(reader.uniques, dtype=object).astype(str)
        parts = split_cells(cells, MULTI_SEPARATOR.strip()).str.strip()
        codes, raws = pd.factorize(parts)  # each distinct spelling read once, in order of first appearance
        read = np.array([canonical(raw) for raw in raws], dtype=object)
        for token, raw in zip(read, raws, strict=True):
            if token is not None:
                spelled.setdefault(str(token), str(raw))
        per_part = np.full(len(codes), None, dtype=object)
        per_part[codes >= 0] = read[codes[codes >= 0]]
        counts = weighted_counts(per_part, per_cell[parts.index.to_numpy()])
    else:
        counts = weighted_counts(reader.tokens(), per_cell)
        for token, raw in zip(reader.tokens(), reader.uniques, strict=True):
            if token is not None:
                spelled.setdefault(str(token), str(raw).strip())
    keep = [str(v) for v in counts[counts >= MIN_VALUE_COUNT].head(MAX_LEVELS).index]
    levels = [
        Criterion(
            id=f"{attr.column}={spelled.get(v, v)}",
            attribute=attr.column,
            value=v,
            kind=attr.kind,
            points=0,
            label=level_label(attr.column, spelled.get(v, v), multi=attr.kind == "multi"),
            rows_with=0,
        )
        for v in keep
    ]
    return levels, {"levels": {v: spelled.get(v, v) for v in keep}}


def _missing_level(rows: Rows, attr: Attribute, readers: Mapping[str, Reader]) -> Criterion | None:
    reader = readers[attr.column]
    if MIN_VALUE_COUNT <= reader.count(_MISSING_PROBE, reader.cell_rows()) <= len(rows) - MIN_VALUE_COUNT:
        return Criterion(id=f"{attr.column}={NOT_RECORDED}", attribute=attr.column, value=NOT_RECORDED,
                         kind="missing", points=0, label=missing_label(attr.column), rows_with=0)  # fmt: skip
    return None


_MISSING_PROBE = Criterion(id="_", attribute="_", value=NOT_RECORDED, kind="missing", points=0, label="", rows_with=0)


class _Readers(dict[str, Reader]):
    """Each column of the rows read once for the whole fit (its levels, counts and design)."""

    def __init__(self, rows: Rows) -> None:
        super().__init__()
        self._rows = rows

    def __missing__(self, column: str) -> Reader:
        reader = self[column] = Reader(self._rows[column])
        return reader


def _matches(
    rows: Rows, criteria: Sequence[Criterion], readers: Mapping[str, Reader] | None = None
) -> Iterator[tuple[Criterion, np.ndarray]]:
    """Each criterion with the rows it matches, one attribute read at a time (never a mask per criterion held at
    once: at a million deals each is a megabyte or two)."""
    for column in dict.fromkeys(c.attribute for c in criteria):
        reader = readers[column] if readers is not None else Reader(rows[column])
        for c in criteria:
            if c.attribute == column:
                yield c, reader.match(c)


def _counts(readers: Mapping[str, Reader], criteria: Sequence[Criterion], y: np.ndarray) -> dict[str, tuple[int, int]]:
    """Rows each criterion matches and the positives among them, summed over the distinct cells it matches (the same
    integers as counting its mask of rows, without one)."""
    counts = {}
    for column in dict.fromkeys(c.attribute for c in criteria):
        reader = readers[column]
        rows, positives = reader.cell_rows(), reader.cell_rows(among=y)
        for c in criteria:
            if c.attribute == column:
                counts[c.id] = (reader.count(c, rows), reader.count(c, positives))
    return counts


def _tested(counts: dict[str, tuple[int, int]], y: np.ndarray, deff: float) -> set[str]:
    """Ids of the levels tied to the outcome beyond chance (BH over every level of every attribute); ``counts``:
    rows with each level and the positives among them."""
    positives, total = int(y.sum()), len(y)
    pvalues = []
    for n, hits in counts.values():
        a, b, c_, d = hits / deff, (n - hits) / deff, (positives - hits) / deff, (total - n - positives + hits) / deff
        pvalues.append(two_by_two_p(a, b, c_, d) if n >= MIN_VALUE_COUNT else 1.0)
    q = bh_adjust(pvalues) if pvalues else np.array([])
    return {key for key, qv in zip(counts, q, strict=True) if qv < ALPHA}


def _candidates(
    rows: Rows, attrs: Sequence[Attribute], y: np.ndarray, random_state: int, readers: Mapping[str, Reader]
) -> tuple[list[Criterion], dict[str, AttributeSchema]]:
    candidates: list[Criterion] = []
    schema: dict[str, AttributeSchema] = {}
    for attr in attrs:
        levels, extra = _levels(rows, attr, y, random_state, readers)
        missing = _missing_level(rows, attr, readers)
        if missing is not None:
            levels.append(missing)
        if levels:
            candidates += levels
            schema[attr.column] = AttributeSchema(column=attr.column, kind=attr.kind, **extra)
    return candidates, schema


MAX_FIT_ROWS = 200_000  # the regression sees at most this many rows: whole accounts drawn with a fixed seed


def fit_sample(y: np.ndarray, groups: np.ndarray | None, random_state: int) -> np.ndarray | None:
    """Rows of a seeded random sample of whole accounts (groups) of about ``MAX_FIT_ROWS`` rows, or None for all.

    Above this size the weights barely move (their standard errors are a fraction of a point) while the cross-
    validated fit grows with every row; levels, tests and the points' scale still use every row."""
    if len(y) <= MAX_FIT_ROWS:
        return None
    codes = pd.factorize(groups)[0] if groups is not None else np.arange(len(y))
    shuffled = np.random.default_rng(random_state).permutation(int(codes.max()) + 1)
    rank = np.empty_like(shuffled)
    rank[shuffled] = np.arange(len(shuffled))  # each account's place in a random order
    sizes = np.bincount(rank[codes], minlength=len(shuffled))  # rows per account, in that order
    take = int(np.searchsorted(np.cumsum(sizes), MAX_FIT_ROWS, side="right"))
    return np.flatnonzero(rank[codes] < max(take, 1))


def _weights_learned(
    x: np.ndarray | csr_matrix, y: np.ndarray, groups: np.ndarray | None, random_state: int
) -> tuple[np.ndarray, float]:
    """L2 logistic regression, its strength chosen by log-loss in folds that keep each account whole."""
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    folds = min(5, int(min(y.sum(), len(y) - y.sum())), len(np.unique(groups)) if groups is not None else len(y))
    if folds >= 3:
        splitter = (
            GroupKFold(n_splits=folds)
            if groups is not None
            else StratifiedKFold(folds, shuffle=True, random_state=random_state)
        )
        cv = list(splitter.split(x, y, groups))
        model = LogisticRegressionCV(
            Cs=list(C_GRID), l1_ratios=(0.0,), cv=cv, scoring="neg_log_loss", max_iter=2000, use_legacy_attributes=False
        )
    else:
        model = LogisticRegression(C=REGULARISATION, max_iter=2000, random_state=random_state)
    model.fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def _weights_lift(design: Design, y: np.ndarray) -> tuple[np.ndarray, float]:
    positives, total = max(int(y.sum()), 1), len(y)
    a = design.counts(among=y)
    n = design.counts()
    values = design.width or 1
    weights = np.log((a + 1) / (positives + values)) - np.log((n + 1) / (total + values))
    return weights, float(np.log(positives / max(total - positives, 1)))


def _centre(weights: np.ndarray, design: Design, keys: list[Criterion]) -> tuple[np.ndarray, float]:
    """Shift each attribute's weights so the average account with a known level gets 0 from it."""
    centred = weights.copy()
    shift_total = 0.0
    for column in dict.fromkeys(c.attribute for c in keys):
        idx = [i for i, c in enumerate(keys) if c.attribute == column]
        levels_per_row = design.per_row(idx)
        known = levels_per_row > 0
        if not known.any():
            continue
        mean = float(design.dot(weights, idx)[known].mean())
        centred[idx] = weights[idx] - mean / max(levels_per_row[known].mean(), 1.0)
        shift_total += mean
    return centred, shift_total


def fit_scorecard(
    rows: Rows,
    outcome: pd.Series,
    attrs: Sequence[Attribute],
    *,
    method: Method,
    unit: Literal["deals", "accounts"],
    groups: pd.Series | None = None,
    random_state: int = 0,
) -> Scorecard:
    """Fit points on ``rows`` (one per deal or account, a frame or a :class:`RowSubset` of one) against a 0/1
    ``outcome``."""
    y = outcome.astype(int).to_numpy()
    deff = design_effect(outcome.astype(bool), groups) if groups is not None else 1.0
    readers = _Readers(rows)
    candidates, schemas = _candidates(rows, attrs, y, random_state, readers)
    counts = _counts(readers, candidates, y)
    real = _tested(counts, y, deff)
    kept_attributes = {c.attribute for c in candidates if c.id in real and c.kind != "missing"}
    kept_attributes |= {c.attribute for c in candidates if c.id in real and c.kind == "missing"}
    keys = [c for c in candidates if c.attribute in kept_attributes and (c.kind != "missing" or c.id in real)]
    if not keys:  # nothing separates the outcome: an honest, empty scorecard
        return Scorecard(method=method, base=NEUTRAL_BASE, criteria=[], attributes=[], schema=[], scale=0.0,
                         training_rows=len(rows), training_unit=unit, positives=int(y.sum()))  # fmt: skip
    # each criterion's rows (a row matches a few of them): memory and the solver's products scale with the matches,
    # not rows x criteria
    design = Design.of((mask for _, mask in _matches(rows, keys, readers)), [counts[c.id][0] for c in keys], len(y))
    del readers  # each column's codes: 14 MB a column at a million deals
    group_array = groups.to_numpy() if groups is not None else None
    sample = fit_sample(y, group_array, random_state) if method == "learned" else None
    if method == "lift":
        raw, intercept = _weights_lift(design, y)
    elif sample is None:  # the solver's products run on the non-zeros only (same optimum as dense)
        raw, intercept = _weights_learned(design.matrix(), y, group_array, random_state)
    else:
        sampled_groups = group_array[sample] if group_array is not None else None
        raw, intercept = _weights_learned(design.matrix(sample), y[sample], sampled_groups, random_state)
    weights, shift = _centre(raw, design, keys)
    logits = intercept + shift + design.dot(weights)
    low, high = np.percentile(logits, [2, 98]) if len(logits) else (0.0, 1.0)
    scale = 100.0 / max(high - low, 1e-6)
    points = np.rint(weights * scale).astype(int)
    criteria = [
        c.model_copy(update={"points": int(p), "rows_with": n, "outcome_with": rate(hits, n)})
        for c, p, (n, hits) in zip(keys, points, (counts[c.id] for c in keys), strict=True)
        if p != 0
    ]
    criteria.sort(key=lambda c: (-abs(c.points), c.id))
    used = {c.attribute for c in criteria}
    schema = [
        s.model_copy(update={"missing_level": any(c.kind == "missing" and c.attribute == s.column for c in criteria)})
        for s in schemas.values()
        if s.column in used
    ]
    return Scorecard(
        method=method, base=int(np.rint((intercept + shift - low) * scale)), criteria=criteria,
        attributes=sorted(used), schema=schema, scale=round(scale, 6), training_rows=len(rows), training_unit=unit,
        positives=int(y.sum()), fitted_rows=None if sample is None else len(sample),
    )  # fmt: skip
