"""segment_accounts: segments by the caller's dimensions, or discovered by clustering; saved by name.

Dimension mode crosses the named columns (industry x size band x region...), pools rare values into
"Other" and merges combinations below the minimum size into one "Other combinations" segment.
Discovered mode clusters mixed categorical / numeric firmographics and picks the number of segments
for stability, size and outcome separation (see :mod:`.clustering`). Either way each segment is
described by its distinctive traits, numbers and outcomes, and membership is saved in the workspace.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, OptionError
from icp_assistant.tools.store.workspace import (
    META,
    SEGMENTATIONS,
    Workspace,
    check_name,
    read_json,
    slugify,
    write_json,
    write_table,
)

from . import segment_profile as profile
from .attributes import BANDED, OTHER, add_bands, attributes, numeric_columns, resolve_column, split_cells
from .best_customers import primary_value
from .contrast import attribute_values
from .segment_schemas import Segment, Segmentation

if TYPE_CHECKING:
    from .clustering import Clustering

MAX_SEGMENTS = 10
MAX_NUMERIC = 3

UNKNOWN = "(unknown)"
OTHER_COMBINATIONS = "Other combinations"
Progress = Callable[[float, str], None]


def _dimension_values(frame: pd.DataFrame, column: str, kind: str | None, min_size: int) -> pd.Series:
    series = frame[column]
    if kind == "multi":  # an account goes with its most common value
        exploded = split_cells(series.dropna().astype(str), "; ")
        common = exploded.map(exploded.value_counts()).to_numpy()
        row = frame.index.get_indexer(exploded.index)
        order = np.lexsort((np.arange(len(row)), -common, row))  # per row: most common value, first listed on ties
        first = order[np.r_[True, row[order][1:] != row[order][:-1]]] if len(order) else order
        series = pd.Series(exploded.to_numpy()[first], index=frame.index[row[first]]).reindex(frame.index)
    elif kind in ("number", "money", "percent", "year") and column not in BANDED.values():
        series = pd.qcut(pd.to_numeric(series, errors="coerce"), 4, duplicates="drop").astype(str)
        series = series.where(series != "nan", None)
    text = series.astype("object").where(series.notna(), UNKNOWN).astype(str)
    counts = text.value_counts()
    return text.where(text.map(counts) >= min_size, OTHER)


def dimension_labels(dataset: Dataset, frame: pd.DataFrame, dimensions: list[str], min_size: int) -> tuple:
    columns = [resolve_column(frame, d, dataset.sources()) for d in dimensions]
    parts = [_dimension_values(frame, c, dataset.kinds.get(c), min_size) for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + " · " + part
    counts = key.value_counts()
    key = key.where(key.map(counts) >= min_size, OTHER_COMBINATIONS)
    order = [k for k in key.value_counts().index if k != OTHER_COMBINATIONS] + [OTHER_COMBINATIONS]
    ids = {k: i for i, k in enumerate(order)}
    labels = key.map(ids).astype(int)
    present = set(key) - {OTHER_COMBINATIONS}
    definitions = {ids[k]: dict(zip(columns, k.split(" · "), strict=False)) for k in order if k in present}
    return labels, columns, definitions


def _discovered(dataset: Dataset, frame: pd.DataFrame, k: int | None, min_size: int, progress: Progress) -> Clustering:
    attrs = [a for a in attributes(dataset, frame) if a.column not in BANDED.values() or a.column == "size_band"]
    numeric = [c for c in ("employee_count", "annual_revenue", "company_age") if c in frame]
    numeric += [c for c in numeric_columns(dataset, frame) if c not in numeric and c not in BANDED][:4]
    categorical = [a.column for a in attrs if not (a.column == "size_band" and "employee_count" in numeric)]
    outcome = frame["outcome"].map({"won": 1.0, "lost": 0.0}) if "outcome" in frame else None
    value_column = primary_value(frame)
    from .clustering import discover_segments  # sklearn loads with the first clustering, not with the server

    return discover_segments(
        frame, categorical, numeric,
        outcome=outcome if outcome is not None and outcome.nunique() == 2 else None,
        value=frame[value_column] if value_column else None,
        k=k, min_share=min_size / len(frame), min_accounts=min_size, progress=progress,
    )  # fmt: skip


def _profiles(
    frame: pd.DataFrame,
    labels: pd.Series,
    dataset: Dataset,
    definitions: dict[int, dict[str, str]],
    fixed: list[str],
) -> list[Segment]:
    related = set(fixed).union(*(profile.family(column) for column in fixed))
    attrs = [a for a in attributes(dataset, frame) if a.column not in related]
    numbers = [c for c in ("employee_count", "annual_revenue", "company_age") if c in frame][:MAX_NUMERIC]
    value = primary_value(frame)
    base = profile.base_win_rate(frame)
    known = attribute_values(frame, attrs)  # multi-valued cells split once for every segment
    segments = []
    for segment_id, count in labels.value_counts().sort_index().items():
        mask = labels.eq(segment_id)
        traits = profile.distinctive_traits(frame, mask, attrs, known)
        definition = definitions.get(int(segment_id))
        defining = [v for v in (definition or {}).values() if v not in (OTHER, UNKNOWN)]
        name = (
            OTHER_COMBINATIONS
            if definition is None and fixed
            else profile.name_from(traits, defining, 1 if fixed else 3)
        )
        segments.append(
            Segment(
                id=int(segment_id),
                name=name,
                accounts=int(count),
                share=round(int(count) / len(frame), 4),
                definition=definition,
                traits=traits,
                numeric=profile.numeric_profile(frame, mask, numbers),
                outcomes=profile.outcomes(frame, mask, value, base),
                outliers=profile.outliers(frame, mask, value),
                mixed=not traits and not defining,
            )
        )
    return segments


def _save(workspace: Workspace, result: Segmentation, labels: pd.Series, frame: pd.DataFrame) -> Segmentation:
    """Write the segmentation's files as one unit (staged, then swapped in under a lock)."""
    final = workspace.path(SEGMENTATIONS, result.name)
    names = {s.id: s.name for s in result.segments}
    membership = pd.DataFrame(
        {"row": frame.index, "name": frame.get("name"), "segment_id": labels, "segment": labels.map(names)}
    )
    result.membership_path = str(final / "membership.csv")
    rows = [
        {"id": s.id, "name": s.name, "accounts": s.accounts, "share": s.share,
         "traits": "; ".join(f"{t.attribute}={t.value} (lift {t.lift})" for t in s.traits),
         "win_rate": s.outcomes.win_rate.rate if s.outcomes.win_rate else None,
         "median_value": s.outcomes.median_value, "median_cycle_days": s.outcomes.median_cycle_days,
         "churn": s.outcomes.churn.rate if s.outcomes.churn else None}
        for s in result.segments
    ]  # fmt: skip
    result.table_path = str(final / "segments.csv")

    def write(folder: Path) -> None:
        write_table(membership, folder / "membership.csv")
        write_table(pd.DataFrame(rows), folder / "segments.csv")
        write_json(folder / "segmentation.json", result.model_dump(mode="json"))
        write_json(folder / META, {"name": result.name, "dataset": result.dataset, "mode": result.mode})

    workspace.commit_folder(SEGMENTATIONS, result.name, write)
    return result


def segment_accounts(
    dataset: Dataset,
    workspace: Workspace,
    *,
    dimensions: list[str] | None = None,
    k: int | None = None,
    min_size: int | None = None,
    name: str | None = None,
    chart: bool = False,
    progress: Progress | None = None,
) -> Segmentation:
    """Segment by ``dimensions`` (dimension mode) or, without them, discover segments by clustering."""
    if name is not None:
        check_name(name, "Segmentation name")  # refused before any work
    frame = add_bands(dataset.accounts)
    n = len(frame)
    size = min_size or max(10, math.ceil(0.02 * n) if dimensions else math.ceil(0.05 * n))
    if n < 2 * size:
        raise InsufficientDataError(
            f"Too few accounts ({n}) for segments of at least {size} accounts: at least {2 * size} are needed. "
            "Lower min_size or load more accounts."
        )
    report = progress or (lambda _f, _m: None)
    notes: list[str] = []
    if dimensions:
        labels, columns, definitions = dimension_labels(dataset, frame, dimensions, size)
        mode: Literal["dimensions", "discovered"] = "dimensions"
        reason = (
            f"Segments are combinations of {', '.join(columns)}; values and combinations under {size} accounts pooled."
        )
        stable, diagnostics = None, []
    else:
        if k is not None and not 2 <= k <= 12:
            raise OptionError(f"k={k} is out of range: choose 2 to 12 segments, or leave k out to choose by stability.")
        clustering = _discovered(dataset, frame, k, size, lambda f, m: report(0.85 * f, m))  # then 0.9: describing
        labels, columns, definitions = pd.Series(clustering.labels, index=frame.index), [], {}
        mode, reason, stable = "discovered", clustering.reason, clustering.stable
        diagnostics = [dict(vars(d)) for d in clustering.diagnostics]
        if not clustering.stable:
            notes.append("No stable clusters: prefer segments by dimensions (industry, size_band, region).")
    report(0.9, "describing segments")
    segments = _profiles(frame, labels, dataset, definitions, columns)
    default = slugify(f"{dataset.name}-{'-'.join(columns) if columns else 'discovered'}")[:60]
    label = name if name is not None else default
    result = Segmentation(
        name=check_name(label, "Segmentation name"), dataset=dataset.name, mode=mode, dimensions=columns,
        k=len(segments), reason=reason, stable=stable, diagnostics=diagnostics, min_size=size,
        segments=sorted(segments, key=lambda s: -s.accounts)[:MAX_SEGMENTS], segments_total=len(segments),
        truncated=len(segments) > MAX_SEGMENTS, table_path="", membership_path="", notes=notes,
    )  # fmt: skip
    result = _save(workspace, result.model_copy(update={"segments": segments}), labels, frame)
    result = _within_budget(result, sorted(segments, key=lambda s: -s.accounts)[:MAX_SEGMENTS])
    if chart:
        result.chart_path = str(
            segment_chart(result.segments, workspace.folder(SEGMENTATIONS, result.name) / "segments.png")
        )
    return result


RESULT_CHARS = 7_600  # the result a model reads stays under ~1,900 tokens (the server's budget is 2,000)


def _within_budget(result: Segmentation, shown: list[Segment]) -> Segmentation:
    """The result with the largest segments that fit the budget: first one outlier each instead of three, then
    fewer segments (the table file and the saved segmentation keep them all)."""
    fitted = result.model_copy(update={"segments": shown})
    if len(fitted.model_dump_json(exclude_none=True)) <= RESULT_CHARS:
        return fitted
    shown = [s.model_copy(update={"outliers": s.outliers[:1]}) for s in shown]
    while True:
        fitted = result.model_copy(update={"segments": shown, "truncated": len(shown) < result.segments_total})
        if len(shown) <= 3 or len(fitted.model_dump_json(exclude_none=True)) <= RESULT_CHARS:
            return fitted
        shown = shown[:-1]


def segment_chart(segments: list[Segment], path: Path) -> Path:
    from icp_assistant.tools.core.charts import SegmentPoint, segment_bubbles

    points = [
        SegmentPoint(
            name=s.name, value=s.outcomes.median_value,
            win_rate=s.outcomes.win_rate.rate if s.outcomes.win_rate else None,
            win_low=s.outcomes.win_rate.low if s.outcomes.win_rate else None,
            win_high=s.outcomes.win_rate.high if s.outcomes.win_rate else None,
            accounts=s.accounts,
            low_confidence=bool(s.outcomes.win_rate and s.outcomes.win_rate.small_sample),
        )
        for s in segments
    ]  # fmt: skip
    base = segments[0].outcomes.base_win_rate if segments else None
    return segment_bubbles(points, path, title="Segments: value vs win rate", base_rate=base)


def open_segmentation(workspace: Workspace, name: str, dataset: str | None = None) -> tuple[Segmentation, pd.Series]:
    """A saved segmentation and its membership (segment id per account row); ``dataset``: the dataset it must have
    been made on."""
    folder = workspace.existing(SEGMENTATIONS, name)
    with workspace.lock(SEGMENTATIONS, name, shared=True):
        result = _saved(folder, name, dataset)
        membership = pd.read_csv(folder / "membership.csv")
    return result, pd.Series(membership["segment_id"].to_numpy(), index=membership["row"].to_numpy())


def check_segmentation(workspace: Workspace, name: str, dataset: str) -> None:
    """Refuse, before any work, a segmentation that is not saved or was made on another dataset (its membership is
    not read)."""
    folder = workspace.existing(SEGMENTATIONS, name)
    with workspace.lock(SEGMENTATIONS, name, shared=True):
        _saved(folder, name, dataset)


def _saved(folder: Path, name: str, dataset: str | None) -> Segmentation:
    """The segmentation saved in ``folder`` (read under its lock), refused when not made on ``dataset``."""
    result = Segmentation.model_validate(read_json(folder / "segmentation.json"))
    if dataset is not None and result.dataset != dataset:
        raise OptionError(
            f"Segmentation {name!r} was made on dataset {result.dataset!r}, not {dataset!r}. "
            f"Segment {dataset!r} with segment_accounts first, or build the ICP on {result.dataset!r}."
        )
    return result
