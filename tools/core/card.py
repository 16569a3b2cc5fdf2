"""The dataset card: a compact, typed picture of a loaded dataset.

It stays under ~2,000 tokens whatever the file size: per-field profiles are a handful of numbers
or top values, lists are capped and say how many were left out.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schemas import FieldProfile

TOP_VALUES = 4
MAX_UNMAPPED = 20
MAX_WARNINGS = 12
MAX_TEXT = 32


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _top(series: pd.Series, multi: bool) -> tuple[int, list[tuple[str, int]]]:
    counts = series.value_counts()  # missing cells are not counted
    if multi:  # split each distinct cell once (in Arrow), weighted by how many rows hold it
        parts = pc.split_pattern(pa.array(counts.index.astype(str).array), "; ")
        rows = counts.to_numpy()[pc.list_parent_indices(parts).to_numpy()]
        words = pd.Index(pc.list_flatten(parts).to_numpy(zero_copy_only=False), dtype="object")
        counts = pd.Series(rows, index=words).groupby(level=0).sum().sort_values(ascending=False)
    return len(counts), [(_short(k), int(v)) for k, v in counts.head(TOP_VALUES).items()]


def _quantiles(series: pd.Series) -> list[float] | None:
    numbers = pd.to_numeric(series, errors="coerce").dropna()
    if numbers.empty:
        return None
    qs = numbers.quantile([0, 0.25, 0.5, 0.75, 1.0]).tolist()
    return [float(f"{q:.4g}") for q in qs]


def profile(name: str, series: pd.Series, kind: str, source: str | None, notes: list[str]) -> FieldProfile:
    """A short profile of one column."""
    filled = float(series.notna().mean()) if len(series) else 0.0
    item = FieldProfile(field=name, source=source, kind=kind, fill_rate=round(filled, 3), notes=notes)
    if kind in ("number", "money", "percent", "year"):
        item.quantiles = _quantiles(series)
    elif kind == "date":
        dates = pd.to_datetime(series, errors="coerce").dropna()
        if not dates.empty:
            item.range = (str(dates.min().date()), str(dates.max().date()))
    elif kind in ("category", "multi", "bool"):
        item.distinct, item.top = _top(series, kind == "multi")
    elif kind in ("id", "text"):
        item.distinct = int(series.nunique())
    return item
